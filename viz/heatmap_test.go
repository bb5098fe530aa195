package viz

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

// testImage is a w×h picture with a different colour at every pixel.
func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), uint8((x + y) % 256), 255})
		}
	}
	return img
}

// naiveBilinear samples the grid at pixel (x, y) of an iw×ih image with
// patch centres at ((c+0.5)/W, (r+0.5)/H), clamping at the borders.
func naiveBilinear(g Grid, iw, ih, x, y int) float64 {
	gx := math.Min(math.Max((float64(x)+0.5)/float64(iw)*float64(g.W)-0.5, 0), float64(g.W-1))
	gy := math.Min(math.Max((float64(y)+0.5)/float64(ih)*float64(g.H)-0.5, 0), float64(g.H-1))
	x0, y0 := int(math.Floor(gx)), int(math.Floor(gy))
	x1, y1 := min(x0+1, g.W-1), min(y0+1, g.H-1)
	fx, fy := gx-float64(x0), gy-float64(y0)
	at := func(r, c int) float64 { return float64(g.Values[r*g.W+c]) }
	top := at(y0, x0)*(1-fx) + at(y0, x1)*fx
	bot := at(y1, x0)*(1-fx) + at(y1, x1)*fx
	return top*(1-fy) + bot*fy
}

func blendNaive(img, c color.NRGBA, a float64) [3]float64 {
	return [3]float64{
		(1-a)*float64(img.R) + a*float64(c.R),
		(1-a)*float64(img.G) + a*float64(c.G),
		(1-a)*float64(img.B) + a*float64(c.B),
	}
}

func assertPixel(t *testing.T, got color.NRGBA, want [3]float64, tol float64, where string) {
	t.Helper()
	g := [3]float64{float64(got.R), float64(got.G), float64(got.B)}
	for i := range 3 {
		if math.Abs(g[i]-want[i]) > tol {
			t.Fatalf("%s: got %v, want ≈ %.1f", where, got, want)
		}
	}
	if got.A != 255 {
		t.Fatalf("%s: alpha %d, want 255", where, got.A)
	}
}

func TestHeatmapBlocky(t *testing.T) {
	g := Grid{H: 2, W: 3, Values: []float32{0, 1, 2, 3, 4, 5}}
	r := Range{Min: 0, Max: 5}
	cases := []struct {
		name    string
		w, h    int
		cm      Colormap
		opacity float64
	}{
		{"odd size, opaque", 7, 5, Viridis, 1},
		{"half", 11, 4, Inferno, 0.5},
		{"smaller than grid", 2, 1, Turbo, 1},
		{"transparent", 9, 9, Grey, 0},
		{"opacity clamped", 5, 5, Grey, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img := testImage(c.w, c.h)
			out, err := Heatmap(img, g, c.cm, r, OverlayOptions{Opacity: c.opacity})
			if err != nil {
				t.Fatal(err)
			}
			if out.Rect != image.Rect(0, 0, c.w, c.h) {
				t.Fatalf("bounds %v, want %dx%d", out.Rect, c.w, c.h)
			}
			a := math.Min(c.opacity, 1)
			for y := range c.h {
				for x := range c.w {
					v := g.Values[naiveBin(y, g.H, c.h)*g.W+naiveBin(x, g.W, c.w)]
					col := c.cm.At(float64(v) / 5)
					assertPixel(t, out.NRGBAAt(x, y), blendNaive(img.NRGBAAt(x, y), col, a), 1, "pixel")
				}
			}
		})
	}
}

func TestHeatmapSmooth(t *testing.T) {
	g := Grid{H: 3, W: 4, Values: []float32{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110}}
	r := Range{Min: 0, Max: 110}
	for _, size := range []image.Point{{16, 12}, {13, 7}, {40, 41}, {3, 2}} {
		img := testImage(size.X, size.Y)
		out, err := Heatmap(img, g, Grey, r, OverlayOptions{Opacity: 1, Smooth: true})
		if err != nil {
			t.Fatal(err)
		}
		for y := range size.Y {
			for x := range size.X {
				v := naiveBilinear(g, size.X, size.Y, x, y) / 110 * 255
				// One step for the 256-entry table, one for rounding.
				assertPixel(t, out.NRGBAAt(x, y), [3]float64{v, v, v}, 1, "smooth pixel")
			}
		}
	}
}

func TestHeatmapNaN(t *testing.T) {
	nan := float32(math.NaN())
	g := Grid{H: 2, W: 2, Values: []float32{nan, 1, 1, 1}}
	img := testImage(8, 8)
	for _, smooth := range []bool{false, true} {
		out, err := Heatmap(img, g, Grey, Range{0, 1}, OverlayOptions{Opacity: 1, Smooth: smooth})
		if err != nil {
			t.Fatal(err)
		}
		for y := range 8 {
			for x := range 8 {
				got := out.NRGBAAt(x, y)
				if x < 4 && y < 4 { // the NaN patch: image shows through
					if want := img.NRGBAAt(x, y); got != want {
						t.Fatalf("smooth=%v (%d,%d) = %v, want image %v", smooth, x, y, got, want)
					}
				} else if got != (color.NRGBA{255, 255, 255, 255}) {
					// Other patches are 1 → white; smooth pixels next to the
					// NaN patch fall back to their own patch's value.
					t.Fatalf("smooth=%v (%d,%d) = %v, want white", smooth, x, y, got)
				}
			}
		}
	}
}

func TestHeatmapGridLinesAndCursor(t *testing.T) {
	g := Grid{H: 2, W: 3, Values: make([]float32, 6)}
	img := testImage(30, 20)
	plain, err := Heatmap(img, g, Grey, Range{0, 1}, OverlayOptions{Opacity: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	lines, err := Heatmap(img, g, Grey, Range{0, 1}, OverlayOptions{Opacity: 0.5, GridLines: true})
	if err != nil {
		t.Fatal(err)
	}
	for y := range 20 {
		for x := range 30 {
			onLine := x == 10 || x == 20 || y == 10 // first pixel of each later patch
			changed := plain.NRGBAAt(x, y) != lines.NRGBAAt(x, y)
			if onLine != changed {
				t.Fatalf("(%d,%d): on grid line %v but changed %v", x, y, onLine, changed)
			}
		}
	}
	cur, err := Heatmap(img, g, Grey, Range{0, 1}, OverlayOptions{Opacity: 0.5, Cursor: &Patch{Row: 1, Col: 2}})
	if err != nil {
		t.Fatal(err)
	}
	white := color.NRGBA{255, 255, 255, 255}
	for y := range 20 {
		for x := range 30 {
			// Patch (1,2) is x 20..29, y 10..19; 10 px → a 1 px outline.
			inPatch := x >= 20 && y >= 10
			edge := inPatch && (x == 20 || x == 29 || y == 10 || y == 19)
			got := cur.NRGBAAt(x, y)
			if edge && got != white {
				t.Fatalf("(%d,%d) = %v, want white outline", x, y, got)
			}
			if !edge && got != plain.NRGBAAt(x, y) {
				t.Fatalf("(%d,%d) changed by the cursor", x, y)
			}
		}
	}
}

func TestHeatmapRGBAndSubImage(t *testing.T) {
	cg := ColorGrid{H: 1, W: 2, Colors: []color.NRGBA{{255, 0, 0, 255}, {0, 0, 255, 255}}}
	big := testImage(20, 10)
	sub := big.SubImage(image.Rect(5, 2, 15, 8)) // 10×6 at an offset
	out, err := HeatmapRGB(sub, cg, OverlayOptions{Opacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if out.Rect != image.Rect(0, 0, 10, 6) {
		t.Fatalf("bounds %v, want 10×6 from the origin", out.Rect)
	}
	for y := range 6 {
		for x := range 10 {
			want := cg.Colors[x/5]
			if got := out.NRGBAAt(x, y); got != want {
				t.Fatalf("(%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
	smooth, err := HeatmapRGB(sub, cg, OverlayOptions{Opacity: 1, Smooth: true})
	if err != nil {
		t.Fatal(err)
	}
	for x := range 10 {
		f := math.Min(math.Max((float64(x)+0.5)/10*2-0.5, 0), 1)
		assertPixel(t, smooth.NRGBAAt(x, 3), [3]float64{255 * (1 - f), 0, 255 * f}, 0.51, "rgb smooth")
	}
}

func TestHeatmapErrors(t *testing.T) {
	img := testImage(4, 4)
	g := Grid{H: 2, W: 2, Values: make([]float32, 4)}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"short grid", func() error { _, err := Heatmap(img, Grid{2, 2, nil}, Grey, Range{}, OverlayOptions{}); return err }, "needs 4 values"},
		{"empty grid", func() error { _, err := Heatmap(img, Grid{0, 2, nil}, Grey, Range{}, OverlayOptions{}); return err }, "positive"},
		{"nil image", func() error { _, err := Heatmap(nil, g, Grey, Range{}, OverlayOptions{}); return err }, "no image"},
		{"empty image", func() error {
			_, err := Heatmap(image.NewNRGBA(image.Rect(0, 0, 0, 3)), g, Grey, Range{}, OverlayOptions{})
			return err
		}, "empty"},
		{"cursor outside", func() error {
			_, err := Heatmap(img, g, Grey, Range{}, OverlayOptions{Cursor: &Patch{2, 0}})
			return err
		}, "cursor patch (2,0)"},
		{"rgb short", func() error { _, err := HeatmapRGB(img, ColorGrid{1, 2, nil}, OverlayOptions{}); return err }, "needs 2 colours"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
