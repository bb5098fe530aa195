package preprocess

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestNormalizeMatchesNumpy compares Normalize with numpy's float32 result
// for every byte value and three mean/std sets (testdata/gen_normalize.py).
func TestNormalizeMatchesNumpy(t *testing.T) {
	b, err := os.ReadFile("testdata/normalize_numpy.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Rescale float64 `json:"rescale"`
		Sets    []struct {
			Name      string
			Mean, Std [3]float64
			Bits      [][3]uint32
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	img := &Image{Width: 256, Height: 1, Pix: make([]uint8, 768)}
	for v := range 256 {
		img.Pix[3*v], img.Pix[3*v+1], img.Pix[3*v+2] = uint8(v), uint8(v), uint8(v)
	}
	if len(ref.Sets) != 3 {
		t.Fatalf("%d sets", len(ref.Sets))
	}
	for _, s := range ref.Sets {
		var mean, std [3]float32
		for c := range 3 {
			mean[c], std[c] = float32(s.Mean[c]), float32(s.Std[c])
		}
		got, err := Normalize(img, ref.Rescale, mean, std)
		if err != nil {
			t.Fatal(err)
		}
		for v := range 256 {
			for c := range 3 {
				if g := math.Float32bits(got[3*v+c]); g != s.Bits[v][c] {
					t.Errorf("%s: value %d channel %d: got %v want %v", s.Name, v, c,
						got[3*v+c], math.Float32frombits(s.Bits[v][c]))
				}
			}
		}
	}
}

func TestToCHW(t *testing.T) {
	// 2x1 image: pixels (1,2,3) and (4,5,6) -> planes [1 4] [2 5] [3 6].
	got, err := ToCHW([]float32{1, 2, 3, 4, 5, 6}, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 4, 2, 5, 3, 6}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
	if _, err := ToCHW(make([]float32, 5), 2, 1); err == nil {
		t.Error("wrong length accepted")
	}
	if _, err := ToCHW(nil, 0, 1); err == nil {
		t.Error("zero width accepted")
	}
}

func TestInvalidImagesAreRejected(t *testing.T) {
	bad := []*Image{nil, {Width: 2, Height: 2, Pix: make([]uint8, 11)}, {Width: 0, Height: 2}, {Width: -1, Height: -1}}
	for _, im := range bad {
		if _, err := Resize(im, 4, 4, Bilinear); err == nil {
			t.Errorf("Resize accepted %+v", im)
		}
		if _, err := Normalize(im, 1, [3]float32{}, [3]float32{1, 1, 1}); err == nil {
			t.Errorf("Normalize accepted %+v", im)
		}
	}
	ok := &Image{Width: 2, Height: 2, Pix: make([]uint8, 12)}
	for _, sz := range [][2]int{{0, 4}, {4, 0}, {-3, 4}, {1 << 20, 1 << 20}} {
		if _, err := Resize(ok, sz[0], sz[1], Bilinear); err == nil {
			t.Errorf("Resize to %v accepted", sz)
		}
	}
	if _, err := Resize(ok, 3, 3, Filter(9)); err == nil {
		t.Error("unknown filter accepted")
	}
}

func TestFilterFromPIL(t *testing.T) {
	tests := []struct {
		in   int
		want Filter
		ok   bool
	}{
		{0, Nearest, true}, {1, Lanczos, true}, {2, Bilinear, true}, {3, Bicubic, true},
		{4, Box, true}, {5, Hamming, true}, {6, 0, false}, {-1, 0, false},
	}
	for _, tc := range tests {
		got, err := FilterFromPIL(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("FilterFromPIL(%d) = %v, %v", tc.in, got, err)
		}
	}
	if Bilinear.String() != "BILINEAR" || Bicubic.String() != "BICUBIC" {
		t.Error("names")
	}
}
