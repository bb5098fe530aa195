package viz

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// NoLayer and NoHead leave the layer or head out of a Caption.
const (
	NoLayer = -1
	NoHead  = -2
)

// Caption is the text under an exported picture, saying what it shows.
type Caption struct {
	// View names the map ("similarity", "attention", "rollout", ...).
	View string
	// Layer is printed as given; NoLayer omits it.
	Layer int
	// Head is a 0-based head index (printed counting from 1, as people
	// count heads), MeanHeads ("mean") or NoHead (omitted).
	Head int
	// Patch, when not nil, is the query patch.
	Patch *Patch
	// Model is the checkpoint name.
	Model string
	// Extra is appended as is (for example a label text).
	Extra string
}

// Text joins the caption's parts with " | ", e.g.
// "similarity | layer 11 | head mean | patch (3,7) | google/siglip2-base-patch16-224".
func (c Caption) Text() string {
	var parts []string
	if c.View != "" {
		parts = append(parts, c.View)
	}
	if c.Layer != NoLayer {
		parts = append(parts, "layer "+strconv.Itoa(c.Layer))
	}
	switch {
	case c.Head == MeanHeads:
		parts = append(parts, "head mean")
	case c.Head >= 0:
		parts = append(parts, "head "+strconv.Itoa(c.Head+1))
	}
	if c.Patch != nil {
		parts = append(parts, fmt.Sprintf("patch (%d,%d)", c.Patch.Row, c.Patch.Col))
	}
	if c.Model != "" {
		parts = append(parts, c.Model)
	}
	if c.Extra != "" {
		parts = append(parts, c.Extra)
	}
	return strings.Join(parts, " | ")
}

// ExportOptions say how Composite draws an exported picture.
type ExportOptions struct {
	// Overlay is how the map is drawn over the image.
	Overlay OverlayOptions
	// MinLongSide enlarges smaller images (nearest neighbour, by a whole
	// factor, so patches stay crisp) until their long side is at least
	// this many pixels; 0 means DefaultMinLongSide.
	MinLongSide int
	// Caption is written under the picture.
	Caption Caption
}

// DefaultMinLongSide is the long side small images are enlarged to in
// exports.
const DefaultMinLongSide = 512

var (
	panelBG  = color.NRGBA{16, 16, 16, 255}
	panelFG  = color.NRGBA{230, 230, 230, 255}
	barFrame = color.NRGBA{128, 128, 128, 255}
)

// Layout of the panel under the picture, in pixels.
const (
	panelPad  = 8
	barHeight = 16
	lineH     = 15 // basicfont.Face7x13 is 13 pixels high; 2 of leading
)

// Composite draws the export picture: img at full resolution (enlarged to
// at least o.MinLongSide on the long side) with g painted over it as
// Heatmap does, and below it a colour bar from r.Min to r.Max with both
// values written under its ends, and the caption.
func Composite(img image.Image, g Grid, cm Colormap, r Range, o ExportOptions) (*image.NRGBA, error) {
	base, err := exportBase(img, o.MinLongSide)
	if err != nil {
		return nil, err
	}
	heat, err := Heatmap(base, g, cm, r, o.Overlay)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return withPanel(heat, &cm, r, o.Caption.Text()), nil
}

// CompositeRGB is Composite for an already coloured map (PCA): there is no
// colour bar, only the caption.
func CompositeRGB(img image.Image, g ColorGrid, o ExportOptions) (*image.NRGBA, error) {
	base, err := exportBase(img, o.MinLongSide)
	if err != nil {
		return nil, err
	}
	heat, err := HeatmapRGB(base, g, o.Overlay)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return withPanel(heat, nil, Range{}, o.Caption.Text()), nil
}

// exportBase enlarges img by the smallest whole factor that brings its
// long side to minLong.
func exportBase(img image.Image, minLong int) (image.Image, error) {
	if img == nil {
		return nil, fmt.Errorf("export: no image")
	}
	if minLong <= 0 {
		minLong = DefaultMinLongSide
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("export: image is empty (%d×%d)", w, h)
	}
	long := max(w, h)
	if long >= minLong {
		return img, nil
	}
	k := ceilDiv(minLong, long)
	return imaging.Resize(img, w*k, h*k, imaging.NearestNeighbor), nil
}

// withPanel adds the panel (colour bar if cm is not nil, caption) under
// pic.
func withPanel(pic *image.NRGBA, cm *Colormap, r Range, caption string) *image.NRGBA {
	w := pic.Rect.Dx()
	face := basicfont.Face7x13
	charW := face.Advance
	maxChars := max(1, (w-2*panelPad)/charW)
	lines := wrapText(caption, maxChars)
	panelH := panelPad
	if cm != nil {
		panelH += barHeight + 4 + lineH + panelPad
	}
	panelH += len(lines)*lineH + panelPad
	out := image.NewNRGBA(image.Rect(0, 0, w, pic.Rect.Dy()+panelH))
	draw.Draw(out, pic.Rect, pic, image.Point{}, draw.Src)
	panel := image.Rect(0, pic.Rect.Dy(), w, out.Rect.Dy())
	draw.Draw(out, panel, image.NewUniform(panelBG), image.Point{}, draw.Src)
	y := panel.Min.Y + panelPad
	if cm != nil {
		x0, x1 := panelPad, w-panelPad
		if x1-x0 < 2 {
			x0, x1 = 0, w
		}
		bar := image.Rect(x0, y, x1, y+barHeight)
		drawColorBar(out, bar, *cm)
		y = bar.Max.Y + 4
		lo, hi := FormatValue(r.Min), FormatValue(r.Max)
		drawText(out, face, x0, y, lo)
		drawText(out, face, x1-len(hi)*charW, y, hi)
		y += lineH + panelPad
	}
	for _, ln := range lines {
		drawText(out, face, panelPad, y, ln)
		y += lineH
	}
	return out
}

// drawColorBar fills rect with the colormap from left (low) to right
// (high), framed in grey.
func drawColorBar(dst *image.NRGBA, rect image.Rectangle, cm Colormap) {
	n := rect.Dx()
	for x := rect.Min.X; x < rect.Max.X; x++ {
		c := cm.At((float64(x-rect.Min.X) + 0.5) / float64(n))
		if x == rect.Min.X || x == rect.Max.X-1 {
			c = barFrame
		}
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			if y == rect.Min.Y || y == rect.Max.Y-1 {
				dst.SetNRGBA(x, y, barFrame)
			} else {
				dst.SetNRGBA(x, y, c)
			}
		}
	}
}

// drawText writes s with its top-left corner at (x, y).
func drawText(dst draw.Image, face *basicfont.Face, x, y int, s string) {
	d := font.Drawer{
		Dst:  dst,
		Src:  image.NewUniform(panelFG),
		Face: face,
		Dot:  fixed.P(x, y+face.Ascent),
	}
	d.DrawString(s)
}

// wrapText breaks s into lines of at most n characters, at spaces where it
// can. Characters basicfont lacks are replaced by '?'.
func wrapText(s string, n int) []string {
	var clean strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		clean.WriteRune(r)
	}
	words := strings.Fields(clean.String())
	var lines []string
	cur := ""
	for _, w := range words {
		for len(w) > n { // a word longer than a line: hard break
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			lines = append(lines, w[:n])
			w = w[n:]
		}
		switch {
		case cur == "":
			cur = w
		case len(cur)+1+len(w) <= n:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// WritePNG encodes img as PNG to w.
func WritePNG(w io.Writer, img image.Image) error {
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	return nil
}

// HeatmapJSON is the JSON form of an exported map, for analysis outside
// the app. NaN and infinite values are written as null.
type HeatmapJSON struct {
	GridH    int            `json:"grid_h"`
	GridW    int            `json:"grid_w"`
	Values   []JSONFloat    `json:"values"`
	Min      JSONFloat      `json:"min"`
	Max      JSONFloat      `json:"max"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// JSONFloat is a float32 that encodes NaN and ±Inf as JSON null (and
// decodes null as NaN), since JSON has no such numbers.
type JSONFloat float32

// MarshalJSON writes the shortest decimal that reads back as the same
// float32, or null.
func (f JSONFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 32), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (f *JSONFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = JSONFloat(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 32)
	if err != nil {
		return fmt.Errorf("heatmap value %s: %w", b, err)
	}
	*f = JSONFloat(v)
	return nil
}

// WriteHeatmapJSON writes g (row-major values, its finite min and max) and
// meta (free-form: view, layer, model, ...) as one line of JSON.
func WriteHeatmapJSON(w io.Writer, g Grid, meta map[string]any) error {
	if err := g.check(); err != nil {
		return fmt.Errorf("write heatmap json: %w", err)
	}
	r := MinMax(g.Values)
	out := HeatmapJSON{
		GridH:    g.H,
		GridW:    g.W,
		Values:   make([]JSONFloat, len(g.Values)),
		Min:      JSONFloat(r.Min),
		Max:      JSONFloat(r.Max),
		Metadata: meta,
	}
	for i, v := range g.Values {
		out.Values[i] = JSONFloat(v)
	}
	enc := json.NewEncoder(w)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write heatmap json: %w", err)
	}
	return nil
}
