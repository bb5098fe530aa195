package engine

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// The goldens were produced by Hugging Face transformers' own SigLIP code
// (testdata/reference/README.md). Tolerances are the project's: hidden
// states, pooled outputs, embeddings and logits within 1e-4 + 1e-4·|want|,
// attention probabilities within 1e-5. Never loosen them; find the bug.
const (
	tolAbs   = 1e-4
	tolRel   = 1e-4
	tolProbs = 1e-5
)

var referenceDir = filepath.Join("..", "testdata", "reference")

type golden struct {
	t *testing.T
	f *safetensors.File
}

func openGolden(t *testing.T, name string) *golden {
	t.Helper()
	return openGoldenPath(t, filepath.Join(referenceDir, "goldens", name))
}

func openGoldenPath(t *testing.T, path string) *golden {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &golden{t, f}
}

func (g *golden) floats(name string) ([]float32, []int) {
	g.t.Helper()
	v, info, err := g.f.Float32(name)
	if err != nil {
		g.t.Fatal(err)
	}
	return v, info.Shape
}

func (g *golden) ints(name string) ([]int64, []int) {
	g.t.Helper()
	v, info, err := g.f.Int64(name)
	if err != nil {
		g.t.Fatal(err)
	}
	return v, info.Shape
}

// closeTo compares got with want element by element; skip, when not nil,
// excludes elements (NaFlex padding rows).
func closeTo(t *testing.T, what string, got, want []float32, abs, rel float64, skip func(i int) bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	worst, at, n := 0.0, -1, 0
	for i := range want {
		if skip != nil && skip(i) {
			continue
		}
		n++
		d := math.Abs(float64(got[i]) - float64(want[i]))
		lim := abs + rel*math.Abs(float64(want[i]))
		if math.IsNaN(float64(got[i])) || !(d <= lim) { // a NaN on either side fails
			if at < 0 || d/lim > worst {
				worst, at = d/lim, i
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: nothing compared", what)
	}
	if at >= 0 {
		t.Errorf("%s: element %d = %.7g, want %.7g (|diff| %.3g is %.2f× the tolerance)", what, at, got[at], want[at],
			math.Abs(float64(got[at])-float64(want[at])), worst)
	}
}

// patchesFromCHW cuts N×3×H×W pixel values into rows of (py, px, channel)
// patches, independently of the engine's preprocessing.
func patchesFromCHW(pix []float32, n, h, w, p int) []VisionInput {
	gh, gw := h/p, w/p
	var out []VisionInput
	for b := 0; b < n; b++ {
		in := VisionInput{Tokens: gh * gw, GridH: gh, GridW: gw}
		for gy := 0; gy < gh; gy++ {
			for gx := 0; gx < gw; gx++ {
				for py := 0; py < p; py++ {
					for px := 0; px < p; px++ {
						for c := 0; c < 3; c++ {
							in.Patches = append(in.Patches, pix[((b*3+c)*h+gy*p+py)*w+gx*p+px])
						}
					}
				}
			}
		}
		out = append(out, in)
	}
	return out
}

func idsFromGolden(g *golden) [][]int {
	ids, shape := g.ints("inputs.input_ids")
	rows := make([][]int, shape[0])
	for r := range rows {
		for _, id := range ids[r*shape[1] : (r+1)*shape[1]] {
			rows[r] = append(rows[r], int(id))
		}
	}
	return rows
}

func loadReference(t *testing.T, name string, b compute.Backend) *Model {
	t.Helper()
	m, err := Load(filepath.Join(referenceDir, name), Options{Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// checkOutputs compares every golden tensor the engine produces.
//
// skipImages names batch items whose reference values are known to be wrong
// (see TestUnseenConfigGoldens); every vision value of those images and
// their logits are left out.
func checkOutputs(t *testing.T, g *golden, m *Model, vis *VisionOutput, txt *TextOutput, validRows []int, skipImages map[int]bool) {
	t.Helper()
	tokens := vis.Tokens
	padded := func(width int) func(i int) bool { // element i of a batch × tokens × width tensor
		return func(i int) bool {
			b, r := i/(tokens*width), (i/width)%tokens
			return skipImages[b] || (validRows != nil && r >= validRows[b])
		}
	}
	perImage := func(n int) func(i int) bool { return func(i int) bool { return skipImages[i/n] } }
	d := vis.Hidden
	for l := 0; l <= m.Config.Vision.Layers; l++ {
		want, _ := g.floats(fmt.Sprintf("vision.hidden_states.%d", l))
		var got []float32
		for b := 0; b < vis.Batch; b++ {
			h, err := vis.Internals.HiddenState(l, b)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, h...)
		}
		closeTo(t, fmt.Sprintf("vision.hidden_states.%d", l), got, want, tolAbs, tolRel, padded(d))
	}
	heads := m.Config.Vision.Heads
	for l := 0; l < m.Config.Vision.Layers; l++ {
		want, _ := g.floats(fmt.Sprintf("vision.attentions.%d", l))
		var got []float32
		for b := 0; b < vis.Batch; b++ {
			a, err := vis.Internals.Attention(l, b)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, a...)
		}
		// Padded query rows are meaningless; padded keys must be 0 and are compared.
		skip := func(i int) bool {
			b, q := i/(heads*tokens*tokens), (i/tokens)%tokens
			return skipImages[b] || (validRows != nil && q >= validRows[b])
		}
		closeTo(t, fmt.Sprintf("vision.attentions.%d", l), got, want, tolProbs, 0, skip)
	}
	want, _ := g.floats("vision.last_hidden_state")
	closeTo(t, "vision.last_hidden_state", vis.LastHidden, want, tolAbs, tolRel, padded(d))
	want, _ = g.floats("vision.pooler_output")
	closeTo(t, "vision.pooler_output", vis.Pooled, want, tolAbs, tolRel, perImage(d))
	want, _ = g.floats("image_embeds")
	closeTo(t, "image_embeds", vis.Embeds, want, tolAbs, tolRel, perImage(d))

	for l := 0; l <= m.Config.Text.Layers; l++ {
		want, _ := g.floats(fmt.Sprintf("text.hidden_states.%d", l))
		var got []float32
		for b := 0; b < txt.Batch; b++ {
			h, err := txt.Internals.HiddenState(l, b)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, h...)
		}
		closeTo(t, fmt.Sprintf("text.hidden_states.%d", l), got, want, tolAbs, tolRel, nil)
	}
	for l := 0; l < m.Config.Text.Layers; l++ {
		want, _ := g.floats(fmt.Sprintf("text.attentions.%d", l))
		var got []float32
		for b := 0; b < txt.Batch; b++ {
			a, err := txt.Internals.Attention(l, b)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, a...)
		}
		closeTo(t, fmt.Sprintf("text.attentions.%d", l), got, want, tolProbs, 0, nil)
	}
	want, _ = g.floats("text.last_hidden_state")
	closeTo(t, "text.last_hidden_state", txt.LastHidden, want, tolAbs, tolRel, nil)
	want, _ = g.floats("text.pooler_output")
	closeTo(t, "text.pooler_output", txt.Pooled, want, tolAbs, tolRel, nil)
	want, _ = g.floats("text_embeds")
	closeTo(t, "text_embeds", txt.Embeds, want, tolAbs, tolRel, nil)

	logits, err := m.Logits(vis.Embeds, txt.Embeds)
	if err != nil {
		t.Fatal(err)
	}
	want, _ = g.floats("logits_per_image")
	closeTo(t, "logits_per_image", logits, want, tolAbs, tolRel, perImage(txt.Batch))
	want, _ = g.floats("probs_per_image")
	closeTo(t, "probs_per_image", Probabilities(logits), want, tolAbs, tolRel, perImage(txt.Batch))
}

// TestFixedGoldensFromPixels runs the towers on the goldens' own pixel
// values, so a mismatch here is the model's, not the preprocessing's.
func TestFixedGoldensFromPixels(t *testing.T) {
	for _, b := range testBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			g := openGolden(t, "fixed.safetensors")
			m := loadReference(t, "siglip2_fixed", b)
			pix, shape := g.floats("inputs.pixel_values")
			inputs := patchesFromCHW(pix, shape[0], shape[2], shape[3], m.Config.Vision.PatchSize)
			vis, err := m.EncodeImages(context.Background(), inputs, true)
			if err != nil {
				t.Fatal(err)
			}
			txt, err := m.EncodeTexts(context.Background(), idsFromGolden(g), true)
			if err != nil {
				t.Fatal(err)
			}
			checkOutputs(t, g, m, vis, txt, nil, nil)
		})
	}
}

// TestNaFlexGoldensFromPixels runs the NaFlex towers on the goldens' own
// patches for both max_num_patches settings.
func TestNaFlexGoldensFromPixels(t *testing.T) {
	for _, file := range []string{"naflex_mnp16.safetensors", "naflex_mnp64.safetensors"} {
		t.Run(file, func(t *testing.T) {
			runGoldens(t, filepath.Join(referenceDir, "siglip2_naflex"), filepath.Join(referenceDir, "goldens", file), nil)
		})
	}
}
