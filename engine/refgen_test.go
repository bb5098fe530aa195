package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// goldenInputs turns a goldens file's pixel values into vision inputs:
// N×3×H×W images for fixed resolution, N×P×patchDim patches plus spatial
// shapes for NaFlex. It returns the valid patch count of every image for
// NaFlex (nil for fixed resolution).
func goldenInputs(t *testing.T, g *golden, m *Model) ([]VisionInput, []int) {
	t.Helper()
	pix, shape := g.floats("inputs.pixel_values")
	if m.Config.Variant == FixedRes {
		return patchesFromCHW(pix, shape[0], shape[2], shape[3], m.Config.Vision.PatchSize), nil
	}
	spatial, _ := g.ints("inputs.spatial_shapes")
	n, rows, width := shape[0], shape[1], shape[2]
	var inputs []VisionInput
	var valid []int
	for b := 0; b < n; b++ {
		in := VisionInput{Patches: pix[b*rows*width : (b+1)*rows*width], Tokens: rows,
			GridH: int(spatial[2*b]), GridW: int(spatial[2*b+1])}
		inputs = append(inputs, in)
		valid = append(valid, in.Valid())
	}
	return inputs, valid
}

// runGoldens checks a model folder against a goldens file from its pixel
// values and token ids.
func runGoldens(t *testing.T, modelDir, goldens string) {
	for _, b := range testBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			g := openGoldenPath(t, goldens)
			m, err := Load(modelDir, Options{Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			inputs, valid := goldenInputs(t, g, m)
			vis, err := m.EncodeImages(inputs, true)
			if err != nil {
				t.Fatal(err)
			}
			txt, err := m.EncodeTexts(idsFromGolden(g), true)
			if err != nil {
				t.Fatal(err)
			}
			checkOutputs(t, g, m, vis, txt, valid)
		})
	}
}

// TestUnseenConfigGoldens covers shapes the shared fixtures do not:
// testdata/refgen (patch 8 and 14, other widths and head counts, exact GELU,
// bicubic, extreme NaFlex aspect ratios).
func TestUnseenConfigGoldens(t *testing.T) {
	dir := filepath.Join("..", "testdata", "refgen")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		goldens := filepath.Join(dir, e.Name(), "goldens.safetensors")
		if _, err := os.Stat(goldens); err != nil {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) { runGoldens(t, filepath.Join(dir, e.Name()), goldens) })
	}
	if n < 4 {
		t.Fatalf("found %d golden cases in %s, want 4", n, dir)
	}
}
