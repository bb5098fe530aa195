package viz

import (
	"image"
	"image/color"
	"testing"
)

// A picture in one strong colour, so any of its colour left in a map shows.
func orangeImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 250, 140, 20, 255
	}
	return img
}

func TestDisplaysKeepTheMapsColoursHonest(t *testing.T) {
	img := orangeImage(40, 20)
	m := &MapLayer{Grid: Grid{H: 1, W: 2, Values: []float32{0, 1}}, Colormap: Viridis, Range: Range{Min: 0, Max: 1}}
	lut := Viridis.Table()
	low, high := lut[0], lut[255]
	at := func(p *image.NRGBA, x, y int) color.NRGBA { return p.NRGBAAt(x, y) }

	mapOnly, err := ShowMap(img, m, DisplayMap, OverlayOptions{Opacity: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if at(mapOnly, 5, 10) != low || at(mapOnly, 35, 10) != high {
		t.Errorf("map display: %v %v, want exactly the colour bar's ends %v %v", at(mapOnly, 5, 10), at(mapOnly, 35, 10), low, high)
	}

	over, err := ShowMap(img, m, DisplayOverlay, OverlayOptions{Opacity: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	// Over a grey picture the blend is a mix of the map colour and a grey:
	// the differences between channels are the map's, scaled by the
	// opacity; an orange base would have added its own (R ≫ B).
	grey := Greyscale(img).NRGBAAt(0, 0)
	for _, c := range []struct {
		x    int
		want color.NRGBA
	}{{5, low}, {35, high}} {
		got := at(over, c.x, 10)
		for _, pair := range [][2]int{{0, 1}, {1, 2}, {0, 2}} {
			ch := func(k color.NRGBA, i int) float64 { return float64([]uint8{k.R, k.G, k.B}[i]) }
			d := ch(got, pair[0]) - ch(got, pair[1])
			want := 0.6 * (ch(c.want, pair[0]) - ch(c.want, pair[1]))
			if d < want-2 || d > want+2 {
				t.Errorf("overlay at x=%d: %v; channel difference %d-%d = %.0f, want %.0f (0.6 × the map's; grey base %v)", c.x, got, pair[0], pair[1], d, want, grey)
			}
		}
	}

	side, err := ShowMap(img, m, DisplaySide, OverlayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if side.Rect.Dx() != 2*40+SideGap(40) || side.Rect.Dy() != 20 {
		t.Errorf("side by side: %v", side.Rect)
	}
	if at(side, 5, 10) != img.NRGBAAt(5, 10) || at(side, 40+SideGap(40)+35, 10) != high {
		t.Errorf("side by side: image %v, map %v", at(side, 5, 10), at(side, 40+SideGap(40)+35, 10))
	}

	only, err := ShowMap(img, m, DisplayImage, OverlayOptions{Opacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if at(only, 5, 10) != img.NRGBAAt(5, 10) {
		t.Errorf("image display changed the image: %v", at(only, 5, 10))
	}
}

func TestParseDisplay(t *testing.T) {
	for d := DisplayMap; d < numDisplays; d++ {
		if got, err := ParseDisplay(d.String()); err != nil || got != d {
			t.Errorf("ParseDisplay(%q) = %v, %v", d.String(), got, err)
		}
	}
	if _, err := ParseDisplay("blend"); err == nil {
		t.Error("unknown display accepted")
	}
	if DisplayImage.Next() != DisplayMap {
		t.Error("Next does not cycle")
	}
}
