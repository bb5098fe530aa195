package naflex

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// TestNaFlexPipelineGoldens runs the whole Siglip2ImageProcessor pipeline
// (preprocess for decoding, resizing and normalising; this package for the
// size search and patches) on the reference images and compares
// inputs.spatial_shapes, inputs.pixel_attention_mask and inputs.pixel_values
// of the NaFlex goldens exactly. (Only this test imports preprocess; the
// package itself does not.)
func TestNaFlexPipelineGoldens(t *testing.T) {
	images := []string{"img0_97x61_rgb.png", "img1_40x120_rgb.png", "img2_64x64_rgb.png", "img3_53x37_rgba.png"}
	for _, c := range []struct {
		file string
		mnp  int
	}{{"naflex_mnp16.safetensors", 16}, {"naflex_mnp64.safetensors", 64}} {
		g := readSafetensors(t, filepath.Join("..", "testdata", "reference", "goldens", c.file))
		pv := g["inputs.pixel_values"]
		if fmt.Sprint(pv.Shape) != fmt.Sprintf("[4 %d 768]", c.mnp) {
			t.Fatalf("%s: pixel_values shape %v", c.file, pv.Shape)
		}
		wantPV := pv.f32(t)
		wantMask := g["inputs.pixel_attention_mask"].i32(t)
		wantShapes := g["inputs.spatial_shapes"].i64(t)
		per := c.mnp * 768
		for i, name := range images {
			img, err := preprocess.Load(filepath.Join("..", "testdata", "reference", "images", name), preprocess.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			th, tw, err := TargetSize(img.Height, img.Width, 16, c.mnp)
			if err != nil {
				t.Fatal(err)
			}
			res, err := preprocess.Resize(img, tw, th, preprocess.Bilinear)
			if err != nil {
				t.Fatal(err)
			}
			hwc, err := preprocess.Normalize(res, 0.00392156862745098, [3]float32{0.5, 0.5, 0.5}, [3]float32{0.5, 0.5, 0.5})
			if err != nil {
				t.Fatal(err)
			}
			patches, mask, gh, gw, err := Patchify(hwc, th, tw, 16, c.mnp)
			if err != nil {
				t.Fatal(err)
			}
			if int64(gh) != wantShapes[2*i] || int64(gw) != wantShapes[2*i+1] {
				t.Errorf("%s %s: grid %dx%d, golden %dx%d", c.file, name, gh, gw, wantShapes[2*i], wantShapes[2*i+1])
			}
			for j := range mask {
				if mask[j] != wantMask[i*c.mnp+j] {
					t.Errorf("%s %s: mask[%d] = %d, golden %d", c.file, name, j, mask[j], wantMask[i*c.mnp+j])
					break
				}
			}
			for j, v := range patches {
				if math.Float32bits(v) != math.Float32bits(wantPV[i*per+j]) {
					t.Errorf("%s %s: pixel_values[%d] = %v, golden %v", c.file, name, j, v, wantPV[i*per+j])
					break
				}
			}
		}
	}
}
