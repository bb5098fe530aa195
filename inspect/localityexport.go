package inspect

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// LocalityDefinitions says precisely what every locality number is; the
// JSON output and the exported picture carry it.
var LocalityDefinitions = map[string]string{
	"distance":  "Euclidean distance between two patch centres on the patch grid, in patch units, rounded to the nearest integer (bin 1 holds 4-neighbours and diagonal neighbours; a patch is never paired with itself); NaFlex padding patches never count",
	"curve":     "for each distance bin: the number of unordered patch pairs, and the mean and standard deviation (population) of their cosine similarity",
	"near":      "mean cosine similarity of 4-neighbour pairs (patches sharing an edge)",
	"far":       fmt.Sprintf("mean cosine similarity of pairs at distance >= %d patches", viz.FarDistance),
	"index":     "locality index = near - far",
	"contrast":  "self-vs-neighbour contrast: mean over patches of (similarity to itself - mean similarity to its 4-neighbours); self-similarity is 1 for cosine, so 0 means neighbours are copies",
	"mirror":    "the image flipped left to right through the same model: content_match is the mean cosine similarity of patch (r,c) of the image with patch (r,W-1-c) of the mirror (same content), position_match with patch (r,c) (same place)",
	"positions": "the same curve for the position embeddings the vision tower added to this grid (resized for NaFlex): what position alone contributes",
	"pooling":   "the pooling head's attention over the patches, mean over heads: effective number of patches exp(entropy) and the share of the top tenth of patches",
}

// localityCurveJSON is one curve: a row per distance bin from 1.
type localityCurveJSON struct {
	Distance int           `json:"distance"`
	Pairs    int           `json:"pairs"`
	Mean     viz.JSONFloat `json:"mean"`
	Std      viz.JSONFloat `json:"std"`
}

type localityStatsJSON struct {
	Near      viz.JSONFloat       `json:"near"`
	Far       viz.JSONFloat       `json:"far"`
	Index     viz.JSONFloat       `json:"index"`
	Contrast  viz.JSONFloat       `json:"contrast"`
	NearPairs int                 `json:"near_pairs"`
	FarPairs  int                 `json:"far_pairs"`
	Curve     []localityCurveJSON `json:"curve"`
}

type localityLevelJSON struct {
	Level int    `json:"level"`
	Name  string `json:"name"`
	localityStatsJSON
	Mirror        *localityStatsJSON `json:"mirror,omitempty"`
	ContentMatch  *viz.JSONFloat     `json:"content_match,omitempty"`
	PositionMatch *viz.JSONFloat     `json:"position_match,omitempty"`
}

// LocalityJSON is the JSON form of a report (locality --json, and the
// file saved beside an exported picture).
type LocalityJSON struct {
	Meta        map[string]any      `json:"meta"`
	GridH       int                 `json:"grid_h"`
	GridW       int                 `json:"grid_w"`
	Layers      int                 `json:"layers"`
	FarDistance int                 `json:"far_distance"`
	Definitions map[string]string   `json:"definitions"`
	Levels      []localityLevelJSON `json:"levels"`
	Positions   *localityStatsJSON  `json:"positions,omitempty"`
	Pooling     *struct {
		EffectivePatches viz.JSONFloat `json:"effective_patches"`
		TopTenthShare    viz.JSONFloat `json:"top_tenth_share"`
	} `json:"pooling,omitempty"`
	MirrorError string `json:"mirror_error,omitempty"`
}

func statsJSON(c viz.DistanceCurve, s viz.Locality) localityStatsJSON {
	out := localityStatsJSON{Near: viz.JSONFloat(s.Near), Far: viz.JSONFloat(s.Far), Index: viz.JSONFloat(s.Index),
		Contrast: viz.JSONFloat(s.Contrast), NearPairs: s.NearPairs, FarPairs: s.FarPairs}
	for b := 1; b < c.Bins(); b++ {
		out.Curve = append(out.Curve, localityCurveJSON{Distance: b, Pairs: c.Pairs[b], Mean: viz.JSONFloat(c.Mean[b]), Std: viz.JSONFloat(c.Std[b])})
	}
	return out
}

// JSON returns the report in its JSON form, with meta (image, model, …).
func (r *LocalityReport) JSON(meta map[string]any) LocalityJSON {
	out := LocalityJSON{Meta: meta, GridH: r.GridH, GridW: r.GridW, Layers: r.Layers, FarDistance: viz.FarDistance, Definitions: LocalityDefinitions}
	for _, l := range r.Levels {
		if l == nil {
			continue
		}
		lj := localityLevelJSON{Level: l.Level, Name: l.Name, localityStatsJSON: statsJSON(l.Curve, l.Stats)}
		if l.HasMirror {
			m := statsJSON(l.MirrorCurve, l.MirrorStats)
			c, p := viz.JSONFloat(l.Match.Content), viz.JSONFloat(l.Match.Position)
			lj.Mirror, lj.ContentMatch, lj.PositionMatch = &m, &c, &p
		}
		out.Levels = append(out.Levels, lj)
	}
	if r.HasPositions {
		p := statsJSON(r.PositionCurve, r.PositionStats)
		out.Positions = &p
	}
	if r.HasPooling {
		out.Pooling = &struct {
			EffectivePatches viz.JSONFloat `json:"effective_patches"`
			TopTenthShare    viz.JSONFloat `json:"top_tenth_share"`
		}{viz.JSONFloat(r.Pooling.Effective), viz.JSONFloat(r.Pooling.TopTenth)}
	}
	if r.MirrorErr != nil {
		out.MirrorError = r.MirrorErr.Error()
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r *LocalityReport) WriteJSON(w io.Writer, meta map[string]any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.JSON(meta)); err != nil {
		return fmt.Errorf("write locality json: %w", err)
	}
	return nil
}

// WriteCSV writes every curve as rows of source (image, mirror or
// positions), level, level name, distance, pairs, mean and std; empty
// cells where a bin has no pairs.
func (r *LocalityReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"source", "level", "level_name", "distance", "pairs", "mean", "std"}) //nolint:errcheck // checked by Flush
	num := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 7, 64)
	}
	rows := func(source, level, name string, c viz.DistanceCurve) {
		for b := 1; b < c.Bins(); b++ {
			cw.Write([]string{source, level, name, strconv.Itoa(b), strconv.Itoa(c.Pairs[b]), num(c.Mean[b]), num(c.Std[b])}) //nolint:errcheck
		}
	}
	for _, l := range r.Levels {
		if l != nil {
			rows("image", strconv.Itoa(l.Level), l.Name, l.Curve)
		}
	}
	for _, l := range r.Levels {
		if l != nil && l.HasMirror {
			rows("mirror", strconv.Itoa(l.Level), l.Name, l.MirrorCurve)
		}
	}
	if r.HasPositions {
		rows("positions", "", "position embeddings", r.PositionCurve)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write locality csv: %w", err)
	}
	return nil
}

// LocalityPicture draws the report for export: the chart of one level,
// the layer × distance table, the locality index and the mirror test by
// layer, and the definitions. title heads it (model, image).
func LocalityPicture(r *LocalityReport, level int, cm viz.Colormap, title []string) (*image.NRGBA, error) {
	if level < 0 || level >= len(r.Levels) || r.Levels[level] == nil {
		return nil, fmt.Errorf("locality picture: level %d is not computed", level)
	}
	curve, err := LocalityChart(r, level).Draw(640, 380)
	if err != nil {
		return nil, err
	}
	bins := r.Bins() - 1
	var rows [][]float64
	var rowLabels []string
	for _, l := range r.Levels {
		if l == nil {
			continue
		}
		row := make([]float64, bins)
		for b := range row {
			row[b] = math.NaN()
			if b+1 < l.Curve.Bins() {
				row[b] = l.Curve.Mean[b+1]
			}
		}
		rows = append(rows, row)
		rowLabels = append(rowLabels, l.Name)
	}
	if r.HasPositions {
		row := make([]float64, bins)
		for b := range row {
			row[b] = math.NaN()
			if b+1 < r.PositionCurve.Bins() {
				row[b] = r.PositionCurve.Mean[b+1]
			}
		}
		rows = append(rows, row)
		rowLabels = append(rowLabels, "positions")
	}
	colLabels := make([]string, bins)
	for b := range colLabels {
		if b == 0 || (b+1)%5 == 0 {
			colLabels[b] = strconv.Itoa(b + 1)
		}
	}
	cellW := min(max(480/max(bins, 1), 8), 28)
	heat := viz.HeatTable{Values: rows, RowLabels: rowLabels, ColLabels: colLabels, Colormap: cm, Range: HeatRange(r),
		Highlight: level, Title: "Mean similarity: layers x distance (patch units)"}.Draw(cellW, 18)

	n := len(r.Levels)
	nan := func() []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.NaN()
		}
		return v
	}
	idx, midx, pidx, content, position := nan(), nan(), nan(), nan(), nan()
	for i, l := range r.Levels {
		if l == nil {
			continue
		}
		idx[i] = l.Stats.Index
		if l.HasMirror {
			midx[i], content[i], position[i] = l.MirrorStats.Index, l.Match.Content, l.Match.Position
		}
		if r.HasPositions {
			pidx[i] = r.PositionStats.Index
		}
	}
	xlabel := fmt.Sprintf("level (0 = embeddings, %d = post-LN output)", n-1)
	indexChart, err := viz.LineChart{XMin: 0, XMax: n - 1, Title: "Locality index (near - far) by level", XLabel: xlabel, Series: []viz.ChartSeries{
		{Name: "position embeddings", Y: pidx, Color: positionsColor},
		{Name: "mirrored image", Y: midx, Color: mirrorColor},
		{Name: "image", Y: idx, Color: imageColor},
	}}.Draw(640, 300)
	if err != nil {
		return nil, err
	}
	mirrorChart, err := viz.LineChart{XMin: 0, XMax: n - 1, Title: "Mirror test: does a patch match the same content or the same place?", XLabel: xlabel, Series: []viz.ChartSeries{
		{Name: "same place (position)", Y: position, Color: positionsColor},
		{Name: "same content", Y: content, Color: imageColor},
	}}.Draw(640, 300)
	if err != nil {
		return nil, err
	}
	top := viz.HStack(12, curve, heat)
	bottom := viz.HStack(12, indexChart, mirrorChart)
	w := max(top.Rect.Dx(), bottom.Rect.Dx())
	defs := []string{
		"distance: " + LocalityDefinitions["distance"] + ".",
		"near: " + LocalityDefinitions["near"] + "; far: " + LocalityDefinitions["far"] + "; " + LocalityDefinitions["index"] + ".",
		"mirror: " + LocalityDefinitions["mirror"] + ".",
	}
	lv := r.Levels[level]
	numbers := fmt.Sprintf("%s: near %s, far %s, index %s, self-vs-neighbour contrast %s", lv.Name,
		strings.TrimSpace(FormatPlain(lv.Stats.Near)), strings.TrimSpace(FormatPlain(lv.Stats.Far)), FormatSigned(lv.Stats.Index), strings.TrimSpace(FormatPlain(lv.Stats.Contrast)))
	if lv.HasMirror {
		numbers += fmt.Sprintf("; mirror: same content %s, same place %s", strings.TrimSpace(FormatPlain(lv.Match.Content)), strings.TrimSpace(FormatPlain(lv.Match.Position)))
	}
	head := append(append([]string(nil), title...), numbers)
	return viz.VStack(0, viz.TextImage(head, w), top, bottom, viz.TextImage(defs, w)), nil
}

// LocalityChart is the similarity-vs-distance chart of one level: the
// position embeddings, the mirrored image and the image with its spread.
func LocalityChart(r *LocalityReport, level int) viz.LineChart {
	c := viz.LineChart{XMin: 1, XMax: max(r.Bins()-1, 2), XLabel: "distance between patch centres (patch units)"}
	nan := func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	from := func(curve viz.DistanceCurve, band bool) (y, lo, hi []float64) {
		n := c.XMax - c.XMin + 1
		y = nan(n)
		if band {
			lo, hi = nan(n), nan(n)
		}
		for b := c.XMin; b < curve.Bins() && b <= c.XMax; b++ {
			y[b-c.XMin] = curve.Mean[b]
			if band && !math.IsNaN(curve.Std[b]) {
				lo[b-c.XMin], hi[b-c.XMin] = curve.Mean[b]-curve.Std[b], curve.Mean[b]+curve.Std[b]
			}
		}
		return y, lo, hi
	}
	pos := viz.ChartSeries{Name: "position embeddings", Y: nan(c.XMax - c.XMin + 1), Mark: '×', Color: positionsColor}
	if r.HasPositions {
		pos.Y, _, _ = from(r.PositionCurve, false)
	}
	mirror := viz.ChartSeries{Name: "mirrored image", Y: nan(c.XMax - c.XMin + 1), Mark: '○', Color: mirrorColor}
	image := viz.ChartSeries{Name: "image (mean +- std)", Y: nan(c.XMax - c.XMin + 1), Mark: '●', Color: imageColor}
	if lv := r.Levels[level]; lv != nil {
		if lv.HasMirror {
			mirror.Y, _, _ = from(lv.MirrorCurve, false)
		}
		image.Y, image.Lo, image.Hi = from(lv.Curve, true)
		c.Title = "Similarity vs distance - " + lv.Name
	}
	c.Series = append(c.Series, pos, mirror, image)
	return c
}

// HeatRange is the colour range of the layer table: every level's and the
// positions' mean similarities at distance ≥ 1.
func HeatRange(r *LocalityReport) viz.Range {
	var vals []float32
	add := func(c viz.DistanceCurve) {
		for b := 1; b < c.Bins(); b++ {
			if !math.IsNaN(c.Mean[b]) {
				vals = append(vals, float32(c.Mean[b]))
			}
		}
	}
	for _, l := range r.Levels {
		if l != nil {
			add(l.Curve)
		}
	}
	if r.HasPositions {
		add(r.PositionCurve)
	}
	return viz.MinMax(vals)
}

// FormatSigned prints x as "+0.21", or "  n/a".
func FormatSigned(x float64) string {
	if math.IsNaN(x) {
		return "  n/a"
	}
	return fmt.Sprintf("%+.2f", noNegZero(x))
}

// noNegZero rounds what would print as -0.00 to 0.
func noNegZero(x float64) float64 {
	if math.Abs(x) < 0.005 {
		return 0
	}
	return x
}

// FormatPlain prints x in five cells: " 0.63", "-0.05", "  n/a".
func FormatPlain(x float64) string {
	if math.IsNaN(x) {
		return "  n/a"
	}
	return fmt.Sprintf("%5.2f", noNegZero(x))
}

// The series' colours in pictures (the terminal uses the same hues).
var (
	positionsColor = color.NRGBA{189, 147, 249, 255}
	mirrorColor    = color.NRGBA{255, 184, 108, 255}
	imageColor     = color.NRGBA{80, 250, 123, 255}
)
