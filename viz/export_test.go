package viz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCaptionText(t *testing.T) {
	cases := []struct {
		c    Caption
		want string
	}{
		{Caption{View: "similarity", Layer: 11, Head: MeanHeads, Patch: &Patch{3, 7}, Model: "google/siglip2-base-patch16-224"},
			"similarity | layer 11 | head mean | patch (3,7) | google/siglip2-base-patch16-224"},
		{Caption{View: "attention", Layer: 0, Head: 5}, "attention | layer 0 | head 6"}, // heads print from 1
		{Caption{View: "pca", Layer: NoLayer, Head: NoHead, Extra: "PC1 41%"}, "pca | PC1 41%"},
		{Caption{Layer: NoLayer, Head: NoHead}, ""},
	}
	for _, c := range cases {
		if got := c.c.Text(); got != c.want {
			t.Errorf("Text() = %q, want %q", got, c.want)
		}
	}
}

func TestWrapText(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want []string
	}{
		{"a bb ccc", 4, []string{"a bb", "ccc"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"x  y", 10, []string{"x y"}},
		{"héllo", 10, []string{"h?llo"}},
		{"", 5, nil},
	}
	for _, c := range cases {
		got := wrapText(c.in, c.n)
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") || len(got) != len(c.want) {
			t.Errorf("wrapText(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// countColour counts pixels of colour c inside r.
func countColour(img *image.NRGBA, r image.Rectangle, c color.NRGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.NRGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

func TestCompositeLayout(t *testing.T) {
	g := Grid{H: 2, W: 2, Values: []float32{0, 1, 2, 3}}
	small := testImage(20, 10)
	out, err := Composite(small, g, Inferno, Range{0, 3}, ExportOptions{
		Overlay: OverlayOptions{Opacity: 1},
		Caption: Caption{View: "similarity", Layer: 3, Head: MeanHeads, Model: "toy"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// 20 px wide → enlarged ×26 to 520×260.
	if out.Rect.Dx() != 520 || out.Rect.Dy() <= 260 {
		t.Fatalf("size %v, want 520 wide and taller than 260", out.Rect)
	}
	// Opaque blocky map: each quadrant is its value's colour.
	for _, q := range []struct {
		x, y int
		v    float64
	}{{10, 10, 0}, {500, 10, 1}, {10, 250, 2}, {500, 250, 3}} {
		if got, want := out.NRGBAAt(q.x, q.y), Inferno.At(q.v/3); got != want {
			t.Fatalf("(%d,%d) = %v, want %v", q.x, q.y, got, want)
		}
	}
	// The colour bar runs low to high under the picture.
	barY := 260 + panelPad + barHeight/2
	left, right := out.NRGBAAt(panelPad+2, barY), out.NRGBAAt(520-panelPad-3, barY)
	if d := sq(int(left.R)-0) + sq(int(left.G)-0) + sq(int(left.B)-4); d > 400 {
		t.Fatalf("bar left end %v, want inferno's black", left)
	}
	if d := sq(int(right.R)-252) + sq(int(right.G)-255) + sq(int(right.B)-164); d > 400 {
		t.Fatalf("bar right end %v, want inferno's pale yellow", right)
	}
	// Labels under both ends and a caption line have text pixels.
	labelRow := image.Rect(0, 260+panelPad+barHeight+4, 520, 260+panelPad+barHeight+4+lineH)
	leftLabel := labelRow.Intersect(image.Rect(0, 0, 100, 1e6))
	rightLabel := labelRow.Intersect(image.Rect(420, 0, 520, 1e6))
	if countColour(out, leftLabel, panelFG) == 0 || countColour(out, rightLabel, panelFG) == 0 {
		t.Fatal("min/max labels not drawn")
	}
	capRow := image.Rect(0, labelRow.Max.Y+panelPad, 520, out.Rect.Dy())
	if countColour(out, capRow, panelFG) < 50 {
		t.Fatal("caption not drawn")
	}

	big := testImage(600, 400)
	out2, err := CompositeRGB(big, ColorGrid{1, 1, []color.NRGBA{{0, 255, 0, 255}}}, ExportOptions{Overlay: OverlayOptions{Opacity: 0.5}, Caption: Caption{View: "pca", Layer: NoLayer, Head: NoHead}})
	if err != nil {
		t.Fatal(err)
	}
	if out2.Rect.Dx() != 600 || out2.Rect.Dy() != 400+panelPad+lineH+panelPad {
		t.Fatalf("RGB composite size %v, want 600 × (400 + one caption line)", out2.Rect)
	}
	if _, err := Composite(nil, g, Grey, Range{}, ExportOptions{}); err == nil {
		t.Fatal("nil image accepted")
	}
	if _, err := Composite(small, Grid{3, 3, nil}, Grey, Range{}, ExportOptions{}); err == nil {
		t.Fatal("bad grid accepted")
	}
}

func TestWritePNGRoundTrip(t *testing.T) {
	img := noiseImage(4, 7, 5)
	var buf bytes.Buffer
	if err := WritePNG(&buf, img); err != nil {
		t.Fatal(err)
	}
	dec, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, dec, img)
}

func TestWriteHeatmapJSON(t *testing.T) {
	nan := float32(math.NaN())
	g := Grid{H: 2, W: 3, Values: []float32{0.5, -1.25, nan, 3, float32(math.Inf(1)), 0.1}}
	var buf bytes.Buffer
	if err := WriteHeatmapJSON(&buf, g, map[string]any{"view": "similarity", "layer": 4}); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if raw["grid_h"] != 2.0 || raw["grid_w"] != 3.0 || raw["min"] != -1.25 || raw["max"] != 3.0 {
		t.Fatalf("header fields wrong: %v", raw)
	}
	vals := raw["values"].([]any)
	want := []any{0.5, -1.25, nil, 3.0, nil, 0.1}
	for i := range want {
		if vals[i] != want[i] {
			t.Fatalf("values[%d] = %v, want %v", i, vals[i], want[i])
		}
	}
	if m := raw["metadata"].(map[string]any); m["view"] != "similarity" || m["layer"] != 4.0 {
		t.Fatalf("metadata %v", m)
	}
	var back HeatmapJSON
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if float32(back.Values[5]) != 0.1 || back.Values[2] == back.Values[2] {
		t.Fatalf("round trip: %v", back.Values)
	}
	if err := WriteHeatmapJSON(&buf, Grid{2, 2, nil}, nil); err == nil {
		t.Fatal("bad grid accepted")
	}
}

// TestWriteSamplePNGs writes example exports for a person to look at when
// VIZ_SAMPLE_DIR is set; it checks nothing else.
func TestWriteSamplePNGs(t *testing.T) {
	dir := os.Getenv("VIZ_SAMPLE_DIR")
	if dir == "" {
		t.Skip("set VIZ_SAMPLE_DIR to write sample PNGs")
	}
	// A synthetic "photo": sky, sun and ground.
	const s = 224
	img := image.NewNRGBA(image.Rect(0, 0, s, s))
	for y := range s {
		for x := range s {
			c := color.NRGBA{uint8(90 + y/3), uint8(150 + y/4), 235, 255}
			if y > 150 {
				c = color.NRGBA{70, uint8(120 + (x*y)%40), 50, 255}
			}
			if dx, dy := x-160, y-60; dx*dx+dy*dy < 600 {
				c = color.NRGBA{250, 220, 80, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	const gh, gw = 14, 14
	vals := make([]float32, gh*gw)
	for r := range gh {
		for c := range gw {
			dx, dy := float64(c)-10, float64(r)-3.75
			vals[r*gw+c] = float32(math.Exp(-(dx*dx + dy*dy) / 8))
		}
	}
	g := Grid{gh, gw, vals}
	write := func(name string, pic image.Image) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := WritePNG(f, pic); err != nil {
			t.Fatal(err)
		}
	}
	for i, cm := range Colormaps() {
		out, err := Composite(img, g, cm, MinMax(vals), ExportOptions{
			Overlay: OverlayOptions{Opacity: 0.6, Smooth: i%2 == 1, GridLines: i == 0, Cursor: &Patch{4, 10}},
			Caption: Caption{View: "similarity", Layer: 11, Head: MeanHeads, Patch: &Patch{4, 10}, Model: "google/siglip2-base-patch16-224"},
		})
		if err != nil {
			t.Fatal(err)
		}
		write("composite_"+cm.String()+".png", out)
	}
	feats := spectrumData(1, gh*gw, 0, 32, []float64{5, 3, 2})
	pca, err := PCA3(feats, 32, gh*gw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := CompositeRGB(img, ColorGrid{gh, gw, pca.RGB}, ExportOptions{Overlay: OverlayOptions{Opacity: 0.8}, Caption: Caption{View: "pca", Layer: 11, Head: NoHead}})
	if err != nil {
		t.Fatal(err)
	}
	write("composite_pca.png", out)

	// The terminal path, read back from the escape sequences: what a
	// terminal would show at 60×30 cells, each cell drawn 8×16 pixels.
	small, err := CellImage(img, 60, 30)
	if err != nil {
		t.Fatal(err)
	}
	heat, err := Heatmap(small, g, Viridis, MinMax(vals), OverlayOptions{Opacity: 0.6, Smooth: true, Cursor: &Patch{4, 10}})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []ColorMode{TrueColor, ANSI256} {
		lines := Cells(heat, mode)
		shot := image.NewNRGBA(image.Rect(0, 0, 8*heat.Rect.Dx(), 16*len(lines)))
		for r, ln := range lines {
			for c, cl := range parseCells(t, ln) {
				for half, key := range []string{cl.fg, cl.bg} {
					var col color.NRGBA
					if mode == TrueColor {
						var rr, gg, bb int
						fmt.Sscanf(key, "%d;%d;%d", &rr, &gg, &bb)
						col = color.NRGBA{uint8(rr), uint8(gg), uint8(bb), 255}
					} else {
						var idx int
						fmt.Sscanf(key, "%d", &idx)
						cr, cg, cb := XtermColor(uint8(idx))
						col = color.NRGBA{cr, cg, cb, 255}
					}
					for y := 0; y < 8; y++ {
						for x := 0; x < 8; x++ {
							shot.SetNRGBA(8*c+x, 16*r+8*half+y, col)
						}
					}
				}
			}
		}
		write("terminal_"+mode.String()+".png", shot)
	}
}
