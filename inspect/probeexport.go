package inspect

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// What the probes write: the JSON the probe command prints (and the Why
// view exports) and the pictures of the occlusion map, the head grid and
// the curves. Arrays in the JSON count from 0; everything a person reads
// (captions, row labels) counts blocks and heads from 1, and the JSON's
// "numbering" says so.

// Definitions written into the JSON, so a file explains itself.
const (
	OcclusionDefinition = "occlusion[r][c] = the label's logit with patch (r,c) dropped (its token removed from every layer's attention and the pooling head) minus the whole image's logit; with block K, the K×K block holding the patch is dropped at once. Negative: the patch supported the label."
	HeadsDefinition     = "heads[b][h] = the label's logit with head h of block b silenced (its slice of the attention context zeroed before the output projection) minus the whole image's logit. Negative: the head supported the label."
	CurvesDefinition    = "Patches ranked by each map, highest first. deletion: logit after dropping the first k patches; insertion: logit with only the first k patches kept. area = mean over the curve (x = patches / total). A map that explains the score has a small deletion area and a large insertion area."
	probeNumbering      = "arrays count from 0; on screens and in flags blocks and heads are numbered from 1 (heads[0][0] is block 1, head 1)"
)

// floats is a JSON array of numbers where NaN (not measured) is null.
type floats []float64

// MarshalJSON writes NaN and ±Inf as null.
func (f floats) MarshalJSON() ([]byte, error) {
	buf := []byte{'['}
	for i, v := range f {
		if i > 0 {
			buf = append(buf, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			buf = append(buf, "null"...)
			continue
		}
		buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
	}
	return append(buf, ']'), nil
}

func float32s(v []float32) floats {
	out := make(floats, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// ProbeMeta names what a probe file is about.
type ProbeMeta struct {
	Model string `json:"model,omitempty"`
	Image string `json:"image,omitempty"`
}

// OcclusionJSON is the occlusion map as JSON.
type OcclusionJSON struct {
	Label           string   `json:"label"`
	BaseLogit       float64  `json:"base_logit"`
	BaseProbability float64  `json:"base_probability"`
	Grid            [2]int   `json:"grid"`
	Block           int      `json:"block"`
	Occlusion       []floats `json:"occlusion"`
	Passes          int      `json:"passes"`
	Complete        bool     `json:"complete"`
	Definition      string   `json:"definition"`
	ProbeMeta
}

// HeadsJSON is the head-ablation grid as JSON.
type HeadsJSON struct {
	Label           string   `json:"label"`
	BaseLogit       float64  `json:"base_logit"`
	BaseProbability float64  `json:"base_probability"`
	Blocks          int      `json:"blocks"`
	HeadsPerBlock   int      `json:"heads_per_block"`
	Heads           []floats `json:"heads"`
	Passes          int      `json:"passes"`
	Complete        bool     `json:"complete"`
	Numbering       string   `json:"numbering"`
	Definition      string   `json:"definition"`
	ProbeMeta
}

// CurveJSON is one deletion or insertion curve: after each step the
// patches dropped (deletion) or kept (insertion), the logit and the
// probability, and the areas under the curve.
type CurveJSON struct {
	Patches     []int   `json:"patches"`
	Logit       floats  `json:"logit"`
	Probability floats  `json:"probability"`
	Area        float64 `json:"area"`
	AreaLogit   float64 `json:"area_logit"`
}

// MapCurvesJSON is one map's two curves.
type MapCurvesJSON struct {
	Map       string    `json:"map"`
	Deletion  CurveJSON `json:"deletion"`
	Insertion CurveJSON `json:"insertion"`
}

// CurvesJSON is every map's curves for one label.
type CurvesJSON struct {
	Label           string          `json:"label"`
	BaseLogit       float64         `json:"base_logit"`
	BaseProbability float64         `json:"base_probability"`
	Patches         int             `json:"patches"`
	Maps            []MapCurvesJSON `json:"curves"`
	Complete        bool            `json:"complete"`
	Definition      string          `json:"definition"`
	ProbeMeta
}

// OcclusionReport is o as JSON.
func (p *Probe) OcclusionReport(o *Occlusion, meta ProbeMeta) OcclusionJSON {
	j := OcclusionJSON{Label: p.label, BaseLogit: p.base, BaseProbability: Sigmoid(p.base), Grid: [2]int{o.Rows, o.Cols},
		Block: o.Block, Passes: o.Done, Complete: o.Complete(), Definition: OcclusionDefinition, ProbeMeta: meta}
	for r := range o.Rows {
		j.Occlusion = append(j.Occlusion, float32s(o.Delta[r*o.Cols:(r+1)*o.Cols]))
	}
	return j
}

// HeadsReport is h as JSON.
func (p *Probe) HeadsReport(h *HeadAblation, meta ProbeMeta) HeadsJSON {
	j := HeadsJSON{Label: p.label, BaseLogit: p.base, BaseProbability: Sigmoid(p.base), Blocks: h.Layers, HeadsPerBlock: h.Heads,
		Passes: h.Done, Complete: h.Complete(), Numbering: probeNumbering, Definition: HeadsDefinition, ProbeMeta: meta}
	for _, row := range h.Delta {
		j.Heads = append(j.Heads, float32s(row))
	}
	return j
}

// CurvesReport is cs as JSON, one entry per map.
func (p *Probe) CurvesReport(cs *Curves, meta ProbeMeta) CurvesJSON {
	j := CurvesJSON{Label: p.label, BaseLogit: p.base, BaseProbability: Sigmoid(p.base), Patches: cs.Total,
		Complete: cs.Complete(), Definition: CurvesDefinition, ProbeMeta: meta}
	curve := func(c *Curve) CurveJSON {
		return CurveJSON{Patches: c.Patches, Logit: c.Logit, Probability: c.Prob, Area: c.Area(cs.Total), AreaLogit: c.AreaLogit(cs.Total)}
	}
	for _, m := range cs.Maps() {
		j.Maps = append(j.Maps, MapCurvesJSON{Map: m.Deletion.Map, Deletion: curve(m.Deletion), Insertion: curve(m.Insertion)})
	}
	return j
}

// MapCurves are one map's deletion and insertion curves.
type MapCurves struct {
	Deletion, Insertion *Curve
}

// Maps pairs the curves by map, in the order the maps were given.
func (cs *Curves) Maps() []MapCurves {
	var out []MapCurves
	for i := 0; i+1 < len(cs.Curves); i += 2 {
		out = append(out, MapCurves{Deletion: cs.Curves[i], Insertion: cs.Curves[i+1]})
	}
	return out
}

// WriteJSON writes v indented, as every probe file is written.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// OcclusionLayer is the occlusion map as a map layer: the diverging
// colormap over a range symmetric about zero, so blue means "dropping
// this patch lowers the logit" and red "raises it".
func OcclusionLayer(o *Occlusion) *viz.MapLayer {
	return &viz.MapLayer{Grid: viz.Grid{H: o.Rows, W: o.Cols, Values: o.Delta}, Colormap: viz.Coolwarm, Range: viz.SymmetricRange(o.Delta)}
}

// OcclusionPicture draws the occlusion map of label over img as display d
// shows it, with the colour bar and a caption.
func OcclusionPicture(img image.Image, o *Occlusion, d viz.Display, label, model string) (*image.NRGBA, error) {
	extra := fmt.Sprintf("label %q: logit change when each patch is dropped (blue: the label loses)", label)
	if o.Block > 1 {
		extra = fmt.Sprintf("label %q: logit change when each %dx%d block is dropped (blue: the label loses)", label, o.Block, o.Block)
	}
	cap := viz.Caption{View: "occlusion", Layer: viz.NoLayer, Head: viz.NoHead, Model: ASCIIText(model), Extra: ASCIIText(extra)}
	return viz.CompositeDisplay(img, OcclusionLayer(o), d, viz.ExportOptions{Overlay: viz.OverlayOptions{Opacity: 0.6}, Caption: cap})
}

// HeadsTable is the head grid as a heat table: a row per block (block 1
// at the top), a column per head, in the diverging colormap about zero.
func HeadsTable(h *HeadAblation, label string) viz.HeatTable {
	t := viz.HeatTable{Colormap: viz.Coolwarm, Highlight: -1,
		Title: ASCIIText(fmt.Sprintf("Logit change when one head is silenced - label %q (blue: the label loses)", label))}
	var all []float32
	for l, row := range h.Delta {
		vals := make([]float64, len(row))
		for i, v := range row {
			vals[i] = float64(v)
		}
		t.Values = append(t.Values, vals)
		t.RowLabels = append(t.RowLabels, "block "+strconv.Itoa(l+1))
		all = append(all, row...)
	}
	for i := range h.Heads {
		t.ColLabels = append(t.ColLabels, "h"+strconv.Itoa(i+1))
	}
	t.Range = viz.SymmetricRange(all)
	return t
}

// Colours and marks of the maps on the curve charts, the same on screen
// and in pictures.
var probeMapStyles = map[string]struct {
	Color color.NRGBA
	Mark  rune
}{
	"pooling head":          {color.NRGBA{139, 233, 253, 255}, 'p'},
	"attention, last block": {color.NRGBA{255, 184, 108, 255}, 'a'},
	"rollout":               {color.NRGBA{189, 147, 249, 255}, 'r'},
	"label map":             {color.NRGBA{80, 250, 123, 255}, 'l'},
	"occlusion":             {color.NRGBA{255, 85, 85, 255}, 'o'},
}

// ProbeMapStyle is the colour and the terminal mark of a map's curve.
func ProbeMapStyle(name string) (color.NRGBA, rune) {
	if s, ok := probeMapStyles[name]; ok {
		return s.Color, s.Mark
	}
	return color.NRGBA{230, 230, 230, 255}, '*'
}

// CurveChart is the chart of every map's curve of one kind: x is the
// patches dropped (deletion) or kept (insertion), y the logit; each
// series is named with its area.
func CurveChart(cs *Curves, kind CurveKind, label string) viz.LineChart {
	c := viz.LineChart{XMin: 0, XMax: cs.Total}
	if kind == Deletion {
		c.Title = ASCIIText(fmt.Sprintf("Deletion: logit of %q as each map's top patches are dropped", label))
		c.XLabel = "patches dropped (a faithful map falls fastest: small area)"
	} else {
		c.Title = ASCIIText(fmt.Sprintf("Insertion: logit of %q with only each map's top patches kept", label))
		c.XLabel = "patches kept (a faithful map rises fastest: large area)"
	}
	for _, m := range cs.Maps() {
		cv := m.Deletion
		if kind == Insertion {
			cv = m.Insertion
		}
		y := make([]float64, cs.Total+1)
		for i := range y {
			y[i] = math.NaN()
		}
		for i, k := range cv.Patches {
			y[k] = cv.Logit[i]
		}
		col, mark := ProbeMapStyle(cv.Map)
		name := cv.Map
		if a := cv.AreaLogit(cs.Total); !math.IsNaN(a) {
			name += " (area " + FormatSigned(a) + ")"
		}
		c.Series = append(c.Series, viz.ChartSeries{Name: name, Y: y, Mark: mark, Color: col})
	}
	return c
}

// CurvesPicture draws the deletion chart above the insertion chart.
func CurvesPicture(cs *Curves, label string) (*image.NRGBA, error) {
	del, err := CurveChart(cs, Deletion, label).Draw(720, 320)
	if err != nil {
		return nil, err
	}
	ins, err := CurveChart(cs, Insertion, label).Draw(720, 320)
	if err != nil {
		return nil, err
	}
	return viz.VStack(0, del, ins), nil
}
