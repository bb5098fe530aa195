package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// goldenImages lists the input images of a goldens file.
func goldenImages(t *testing.T, g *golden, fallbackDir string) []string {
	t.Helper()
	if names := g.f.Metadata["images"]; names != "" {
		var paths []string
		for _, n := range strings.Split(names, ",") {
			paths = append(paths, filepath.Join(fallbackDir, n))
		}
		return paths
	}
	var paths []string
	for _, n := range []string{"img0_97x61_rgb.png", "img1_40x120_rgb.png", "img2_64x64_rgb.png", "img3_53x37_rgba.png"} {
		paths = append(paths, filepath.Join(fallbackDir, n))
	}
	return paths
}

// TestEndToEndGoldens starts from the image files: decoding, RGB conversion,
// PIL-exact resize, normalisation, patchify, then the whole model. Inputs
// must match exactly, outputs within the golden tolerances.
func TestEndToEndGoldens(t *testing.T) {
	refImages := filepath.Join(referenceDir, "images")
	refgen := filepath.Join("..", "testdata", "refgen")
	cases := []struct {
		name, model, goldens, images string
		maxPatches                   int
		skip                         map[int]bool
	}{
		{"reference fixed", filepath.Join(referenceDir, "siglip2_fixed"), filepath.Join(referenceDir, "goldens", "fixed.safetensors"), refImages, 0, nil},
		{"reference naflex 16", filepath.Join(referenceDir, "siglip2_naflex"), filepath.Join(referenceDir, "goldens", "naflex_mnp16.safetensors"), refImages, 16, nil},
		{"reference naflex 64", filepath.Join(referenceDir, "siglip2_naflex"), filepath.Join(referenceDir, "goldens", "naflex_mnp64.safetensors"), refImages, 64, nil},
	}
	for _, c := range []string{"fixed_p14_h96", "fixed_p8_h48_erf", "naflex_p8_g5", "naflex_p14_g4"} {
		cases = append(cases, struct {
			name, model, goldens, images string
			maxPatches                   int
			skip                         map[int]bool
		}{c, filepath.Join(refgen, c), filepath.Join(refgen, c, "goldens.safetensors"), filepath.Join(refgen, "images"), 0, torch211SingleColumn[c]})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := openGoldenPath(t, c.goldens)
			m, err := Load(c.model, Options{Backend: cpuBackend})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			var prepared []*PreparedImage
			var inputs []VisionInput
			var valid []int
			for i, path := range goldenImages(t, g, c.images) {
				img, err := preprocess.Load(path, preprocess.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				p, err := m.Prepare(img, c.maxPatches)
				if err != nil {
					t.Fatal(err)
				}
				want, shape := g.ints(fmt.Sprintf("inputs.resized_u8.%d", i))
				if p.Resized.Height != shape[0] || p.Resized.Width != shape[1] {
					t.Fatalf("image %d resized to %dx%d, want %dx%d", i, p.Resized.Width, p.Resized.Height, shape[1], shape[0])
				}
				for j, v := range want {
					if int64(p.Resized.Pix[j]) != v {
						t.Fatalf("image %d: resized byte %d = %d, want %d", i, j, p.Resized.Pix[j], v)
					}
				}
				prepared = append(prepared, p)
				inputs = append(inputs, p.Input)
				valid = append(valid, p.Input.Valid())
			}
			vis, err := m.EncodeImages(context.Background(), inputs, true)
			if err != nil {
				t.Fatal(err)
			}
			ids := idsFromGolden(g)
			txt, err := m.EncodeTexts(context.Background(), ids, true)
			if err != nil {
				t.Fatal(err)
			}
			dump, err := m.DumpTensors(prepared, vis, ids, txt)
			if err != nil {
				t.Fatal(err)
			}
			// Every input tensor of the dump equals the golden exactly.
			for _, tensor := range dump {
				if !strings.HasPrefix(tensor.Name, "inputs.") {
					continue
				}
				info, ok := g.f.Tensors[tensor.Name]
				if !ok {
					t.Errorf("dump has %s, the goldens do not", tensor.Name)
					continue
				}
				if fmt.Sprint(info.Shape) != fmt.Sprint(tensor.Shape) {
					t.Errorf("%s: shape %v, want %v", tensor.Name, tensor.Shape, info.Shape)
					continue
				}
				switch d := tensor.Data.(type) {
				case []float32:
					want, _ := g.floats(tensor.Name)
					for j := range want {
						if d[j] != want[j] {
							t.Errorf("%s[%d] = %v, want exactly %v", tensor.Name, j, d[j], want[j])
							break
						}
					}
				default:
					want, _ := g.ints(tensor.Name)
					got := toInt64s(d)
					for j := range want {
						if got[j] != want[j] {
							t.Errorf("%s[%d] = %v, want %v", tensor.Name, j, got[j], want[j])
							break
						}
					}
				}
			}
			if m.Config.Variant == FixedRes {
				valid = nil
			}
			checkOutputs(t, g, m, vis, txt, valid, c.skip)
			// The dump holds every golden tensor, under the same names and shapes.
			have := map[string]bool{}
			for _, tensor := range dump {
				have[tensor.Name] = true
			}
			for _, name := range g.f.Names() {
				if !have[name] {
					t.Errorf("dump lacks %s", name)
				}
			}
		})
	}
}

func toInt64s(data any) []int64 {
	var out []int64
	switch d := data.(type) {
	case []int64:
		out = d
	case []int32:
		for _, v := range d {
			out = append(out, int64(v))
		}
	case []uint8:
		for _, v := range d {
			out = append(out, int64(v))
		}
	}
	return out
}
