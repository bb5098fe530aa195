package preprocess

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
)

const refDir = "../testdata/reference"

// goldenImages are the inputs of the reference goldens, in batch order.
var goldenImages = []string{"img0_97x61_rgb.png", "img1_40x120_rgb.png", "img2_64x64_rgb.png", "img3_53x37_rgba.png"}

// TestFixedResolutionGoldens reproduces SiglipImageProcessor's output for
// the fixed-resolution reference model: bilinear resize to 64x64 equals
// inputs.resized_u8.i byte for byte and rescale/normalize/CHW equals
// inputs.pixel_values bit for bit.
func TestFixedResolutionGoldens(t *testing.T) {
	g := readSafetensors(t, filepath.Join(refDir, "goldens", "fixed.safetensors"))
	pv := g["inputs.pixel_values"]
	want := pv.f32(t)
	if fmt.Sprint(pv.Shape) != "[4 3 64 64]" {
		t.Fatalf("pixel_values shape %v", pv.Shape)
	}
	per := 3 * 64 * 64
	for i, name := range goldenImages {
		img, err := Load(filepath.Join(refDir, "images", name), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Resize(img, 64, 64, Bilinear)
		if err != nil {
			t.Fatal(err)
		}
		wantU8 := g[fmt.Sprintf("inputs.resized_u8.%d", i)].u8(t)
		if j := firstDiff(res.Pix, wantU8); j >= 0 {
			t.Errorf("%s: resized bytes differ from PIL at byte %d (%d differ)", name, j, countDiff(res.Pix, wantU8))
		}
		hwc, err := Normalize(res, 0.00392156862745098, [3]float32{0.5, 0.5, 0.5}, [3]float32{0.5, 0.5, 0.5})
		if err != nil {
			t.Fatal(err)
		}
		chw, err := ToCHW(hwc, 64, 64)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range chw {
			if math.Float32bits(v) != math.Float32bits(want[i*per+j]) {
				t.Errorf("%s: pixel_values[%d] = %v, want %v", name, j, v, want[i*per+j])
				break
			}
		}
	}
}

// TestNaFlexResizeGoldens checks Resize against the PIL outputs stored in
// the NaFlex goldens (target sizes taken from the goldens' shapes; the
// size search itself is tested in package naflex).
func TestNaFlexResizeGoldens(t *testing.T) {
	for _, file := range []string{"naflex_mnp16.safetensors", "naflex_mnp64.safetensors"} {
		g := readSafetensors(t, filepath.Join(refDir, "goldens", file))
		for i, name := range goldenImages {
			want := g[fmt.Sprintf("inputs.resized_u8.%d", i)]
			h, w := want.Shape[0], want.Shape[1]
			img, err := Load(filepath.Join(refDir, "images", name), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Resize(img, w, h, Bilinear)
			if err != nil {
				t.Fatal(err)
			}
			if j := firstDiff(res.Pix, want.u8(t)); j >= 0 {
				t.Errorf("%s %s -> %dx%d: differs from PIL at byte %d", file, name, w, h, j)
			}
		}
	}
}
