package viz

import (
	"image/color"
	"math"
	"testing"
)

func TestColormapKnownColours(t *testing.T) {
	// Published hex values of matplotlib's maps (ends and middle).
	cases := []struct {
		cm   Colormap
		t    float64
		want color.NRGBA
	}{
		{Viridis, 0, color.NRGBA{0x44, 0x01, 0x54, 255}},
		{Viridis, 0.5, color.NRGBA{0x21, 0x91, 0x8c, 255}},
		{Viridis, 1, color.NRGBA{0xfd, 0xe7, 0x25, 255}},
		{Inferno, 0, color.NRGBA{0x00, 0x00, 0x04, 255}},
		{Inferno, 0.5, color.NRGBA{0xbc, 0x37, 0x54, 255}},
		{Inferno, 1, color.NRGBA{0xfc, 0xff, 0xa4, 255}},
		{Turbo, 0, color.NRGBA{0x30, 0x12, 0x3b, 255}},
		{Turbo, 1, color.NRGBA{0x7a, 0x04, 0x03, 255}},
		{Grey, 0, color.NRGBA{0, 0, 0, 255}},
		{Grey, 0.5, color.NRGBA{128, 128, 128, 255}},
		{Grey, 1, color.NRGBA{255, 255, 255, 255}},
		{Grey, -3, color.NRGBA{0, 0, 0, 255}},      // clamped
		{Grey, 7, color.NRGBA{255, 255, 255, 255}}, // clamped
		{Grey, math.NaN(), color.NRGBA{0, 0, 0, 255}},
		{Grey, 100.0 / 255, color.NRGBA{100, 100, 100, 255}},
		{Coolwarm, 0, color.NRGBA{59, 76, 192, 255}},
		{Coolwarm, 1, color.NRGBA{180, 4, 38, 255}},
	}
	for _, c := range cases {
		if got := c.cm.At(c.t); got != c.want {
			t.Errorf("%v.At(%v) = %v, want %v", c.cm, c.t, got, c.want)
		}
	}
}

func TestColormapPerceptualMapsBrighten(t *testing.T) {
	// Viridis and inferno are monotonic in lightness: luma must not drop
	// by more than rounding from one entry to the next.
	for _, cm := range []Colormap{Viridis, Inferno, Grey} {
		prev := -1
		for i := range 256 {
			c := cm.Index(uint8(i))
			l := 2126*int(c.R) + 7152*int(c.G) + 722*int(c.B)
			if l+30000 < prev {
				t.Fatalf("%v: luma drops at %d (%d after %d)", cm, i, l, prev)
			}
			prev = l
		}
	}
}

func TestColormapNamesAndCycling(t *testing.T) {
	all := Colormaps()
	if len(all) != 5 {
		t.Fatalf("%d colormaps, want 5", len(all))
	}
	names := []string{"viridis", "inferno", "turbo", "grey", "coolwarm"}
	for i, cm := range all {
		if cm.String() != names[i] {
			t.Errorf("colormap %d is %q, want %q", i, cm, names[i])
		}
		want := all[(i+1)%4] // coolwarm is not in the cycle: it goes back to viridis
		if cm == Coolwarm {
			want = Viridis
		}
		if cm.Next() != want {
			t.Errorf("%v.Next() = %v, want %v", cm, cm.Next(), want)
		}
	}
	parse := []struct {
		in   string
		want Colormap
		ok   bool
	}{
		{"viridis", Viridis, true},
		{"Inferno", Inferno, true},
		{" TURBO ", Turbo, true},
		{"gray", Grey, true},
		{"grey", Grey, true},
		{"jet", Viridis, false},
		{"", Viridis, false},
	}
	for _, p := range parse {
		got, err := ParseColormap(p.in)
		if (err == nil) != p.ok || got != p.want {
			t.Errorf("ParseColormap(%q) = %v, %v; want %v, ok=%v", p.in, got, err, p.want, p.ok)
		}
	}
	if bad := Colormap(42); bad.String() != "colormap(42)" || bad.Next() != Viridis || bad.Table() != Viridis.Table() {
		t.Errorf("unknown colormap: %q, next %v", bad, bad.Next())
	}
}

func TestNormalize(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		name     string
		in       []float32
		want     []float32 // NaN means NaN
		min, max float32   // NaN means invalid range
	}{
		{"plain", []float32{2, 4, 3}, []float32{0, 1, 0.5}, 2, 4},
		{"negative", []float32{-1, 1, 0}, []float32{0, 1, 0.5}, -1, 1},
		{"nan kept, ignored in range", []float32{nan, 1, 3}, []float32{nan, 0, 1}, 1, 3},
		{"inf clamps, ignored in range", []float32{inf, -inf, 1, 2}, []float32{1, 0, 0, 1}, 1, 2},
		{"all equal", []float32{5, 5}, []float32{0, 0}, 5, 5},
		{"all nan", []float32{nan, nan}, []float32{nan, nan}, nan, nan},
		{"only inf", []float32{inf, -inf}, []float32{1, 0}, nan, nan},
		{"empty", nil, []float32{}, nan, nan},
	}
	same := func(a, b float32) bool { return a == b || (a != a && b != b) }
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, r := Normalize(c.in)
			if !same(r.Min, c.min) || !same(r.Max, c.max) {
				t.Fatalf("range %v, want {%v %v}", r, c.min, c.max)
			}
			if r.Valid() == (c.min != c.min) {
				t.Fatalf("Valid() = %v for range %v", r.Valid(), r)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d values, want %d", len(got), len(c.want))
			}
			for i := range got {
				if !same(got[i], c.want[i]) {
					t.Fatalf("value %d = %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// Coolwarm is blue below its middle and red above it, palest at the
// middle, so a signed value's sign reads from its hue.
func TestCoolwarmDiverges(t *testing.T) {
	mid := diverging(0.5)
	if mid != (color.NRGBA{221, 221, 221, 255}) {
		t.Errorf("middle %v, want the neutral grey 221", mid)
	}
	for i := range 256 {
		c := Coolwarm.Index(uint8(i))
		switch {
		case i < 120 && !(c.B > c.R):
			t.Errorf("entry %d = %v: below the middle should be blue", i, c)
		case i > 135 && !(c.R > c.B):
			t.Errorf("entry %d = %v: above the middle should be red", i, c)
		}
		if sat := int(max(c.R, c.G, c.B)) - int(min(c.R, c.G, c.B)); sat < int(max(mid.R, mid.G, mid.B))-int(min(mid.R, mid.G, mid.B)) {
			t.Errorf("entry %d = %v is greyer than the middle %v", i, c, mid)
		}
	}
}

func TestSymmetricRange(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		in   []float32
		want Range
	}{
		{[]float32{-0.5, 2, 1}, Range{-2, 2}},
		{[]float32{-3, 0.25, nan, inf}, Range{-3, 3}},
		{[]float32{0, 0}, Range{-1e-6, 1e-6}},
		{nil, Range{-1e-6, 1e-6}},
	}
	for _, c := range cases {
		if got := SymmetricRange(c.in); got != c.want {
			t.Errorf("SymmetricRange(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
