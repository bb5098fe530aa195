package engine

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// setHost writes v into element i of a backend tensor the naive backend
// keeps in host memory: the way a test injects a fault that Load's checks
// would have refused.
func setHost(t *testing.T, x compute.Tensor, i int, v float32) {
	t.Helper()
	if x.Host == nil {
		t.Fatal("tensor is not in host memory")
	}
	x.Host[i] = v
}

// goldenVisionInputs returns the reference goldens' inputs for a model.
func goldenVisionInputs(t *testing.T, m *Model, goldens string) []VisionInput {
	t.Helper()
	inputs, _ := goldenInputs(t, openGolden(t, goldens), m)
	return inputs
}

// TestCheckVisionFindsTheFirstStage pokes a NaN or an infinity into one
// place of a loaded model (or its input) and checks that CheckVision names
// that place: the first stage where a non-finite value appears.
func TestCheckVisionFindsTheFirstStage(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		name    string
		poke    func(t *testing.T, m *Model, in []VisionInput)
		capture bool
		inputs  bool
		stage   string
		level   int
		located bool
	}{
		{"pixel value", func(t *testing.T, m *Model, in []VisionInput) { in[1].Patches[5*768+3] = nan },
			true, true, "image pixel values", -1, true},
		{"position embedding", func(t *testing.T, m *Model, in []VisionInput) { setHost(t, m.Vision.Positions, 64*7+2, inf) },
			true, true, "vision embeddings (patch + position)", 0, true},
		{"block 2's MLP", func(t *testing.T, m *Model, in []VisionInput) {
			setHost(t, m.Vision.Encoder.Layers[1].MLP.FC2.Bias, 0, nan)
		},
			true, true, "vision block 2 of 3 output", 2, true},
		{"block 3's attention", func(t *testing.T, m *Model, in []VisionInput) {
			setHost(t, m.Vision.Encoder.Layers[2].SelfAttention.Out.Bias, 9, -inf)
		}, true, false, "vision block 3 of 3 output", 3, true},
		{"post-layernorm", func(t *testing.T, m *Model, in []VisionInput) { setHost(t, m.Vision.PostLayerNorm.Bias, 4, nan) },
			true, true, "vision post-layernorm", 4, true},
		{"pooling head", func(t *testing.T, m *Model, in []VisionInput) { setHost(t, m.Vision.Head.MLP.FC2.Bias, 3, inf) },
			true, true, "pooling head", -1, true},
		{"block 2, nothing captured, inputs given: run again with capture",
			func(t *testing.T, m *Model, in []VisionInput) {
				setHost(t, m.Vision.Encoder.Layers[1].MLP.FC2.Bias, 0, nan)
			},
			false, true, "vision block 2 of 3 output", 2, true},
		{"block 2, nothing captured, no inputs: the tower as a whole",
			func(t *testing.T, m *Model, in []VisionInput) {
				setHost(t, m.Vision.Encoder.Layers[1].MLP.FC2.Bias, 0, nan)
			},
			false, false, "the vision tower (a block or the final LayerNorm)", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadReference(t, "siglip2_fixed", naive.New())
			inputs := goldenVisionInputs(t, m, "fixed.safetensors")
			tc.poke(t, m, inputs)
			out, err := m.EncodeImages(context.Background(), inputs, tc.capture)
			if err != nil {
				t.Fatal(err)
			}
			if out.Internals != nil {
				defer out.Internals.Release()
			}
			var given []VisionInput
			if tc.inputs {
				given = inputs
			}
			err = m.CheckVision(context.Background(), given, out)
			var nf *NonFiniteError
			if !errors.As(err, &nf) {
				t.Fatalf("CheckVision = %v, want a *NonFiniteError", err)
			}
			if nf.Stage != tc.stage || nf.Level != tc.level || nf.Located != tc.located {
				t.Errorf("stage %q level %d located %v, want %q level %d located %v", nf.Stage, nf.Level, nf.Located, tc.stage, tc.level, tc.located)
			}
			if !math.IsNaN(float64(nf.Value)) && !math.IsInf(float64(nf.Value), 0) {
				t.Errorf("Value %v is finite", nf.Value)
			}
			if !strings.Contains(err.Error(), tc.stage) {
				t.Errorf("message %q does not name the stage", err)
			}
		})
	}
}

// TestCheckVisionWhereItAppears checks the item and row of the first
// non-finite value: image 1, patch 5 for a NaN poked into its pixels.
func TestCheckVisionWhereItAppears(t *testing.T) {
	m := loadReference(t, "siglip2_fixed", naive.New())
	inputs := goldenVisionInputs(t, m, "fixed.safetensors")
	inputs[1].Patches[5*768+3] = float32(math.NaN())
	out, err := m.EncodeImages(context.Background(), inputs, false)
	if err != nil {
		t.Fatal(err)
	}
	var nf *NonFiniteError
	if !errors.As(m.CheckVision(context.Background(), inputs, out), &nf) || nf.Item != 1 || nf.Row != 5 {
		t.Fatalf("got %+v, want image 1, row 5", nf)
	}
	if msg := nf.Error(); !strings.Contains(msg, "NaN first appears in image pixel values (item 1, position 5)") || !strings.Contains(msg, "preprocessor_config.json") {
		t.Errorf("message %q", msg)
	}
}

// TestChecksPassFiniteOutputs: unmodified reference models give no error.
func TestChecksPassFiniteOutputs(t *testing.T) {
	for _, name := range []string{"siglip2_fixed", "siglip2_naflex"} {
		m := loadReference(t, name, naive.New())
		g := map[string]string{"siglip2_fixed": "fixed.safetensors", "siglip2_naflex": "naflex_mnp16.safetensors"}[name]
		out, err := m.EncodeImages(context.Background(), goldenVisionInputs(t, m, g), true)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.CheckVision(context.Background(), nil, out); err != nil {
			t.Errorf("%s: CheckVision: %v", name, err)
		}
		txt, err := m.EncodeTexts(context.Background(), idsFromGolden(openGolden(t, g)), true)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.CheckText(txt); err != nil {
			t.Errorf("%s: CheckText: %v", name, err)
		}
		logits, err := m.Logits(out.Embeds, txt.Embeds)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.CheckLogits(logits, out.Embeds, txt.Embeds); err != nil {
			t.Errorf("%s: CheckLogits: %v", name, err)
		}
		out.Internals.Release()
		txt.Internals.Release()
	}
}

// TestCheckTextAndLabels pokes the text tower and checks CheckText (with
// capture) and CheckLabels (which encodes the first bad label again with
// capture) name the block, and the label.
func TestCheckTextAndLabels(t *testing.T) {
	for _, tc := range []struct {
		name  string
		poke  func(t *testing.T, m *Model)
		stage string
		level int
	}{
		{"position embedding", func(t *testing.T, m *Model) { m.Text.positions[64*2+5] = float32(math.Inf(-1)) }, "text embeddings (token + position)", 0},
		{"block 1", func(t *testing.T, m *Model) {
			setHost(t, m.Text.Encoder.Layers[0].MLP.FC1.Bias, 7, float32(math.NaN()))
		}, "text block 1 of 2 output", 1},
		{"final layer norm", func(t *testing.T, m *Model) { setHost(t, m.Text.FinalLayerNorm.Weight, 0, float32(math.NaN())) }, "text final layer norm", 3},
		{"head", func(t *testing.T, m *Model) { setHost(t, m.Text.Head.Bias, 0, float32(math.NaN())) }, "text head", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadReference(t, "siglip2_fixed", naive.New())
			ids := idsFromGolden(openGolden(t, "fixed.safetensors"))
			if _, err := m.TextTower(); err != nil { // read when the first text needs it
				t.Fatal(err)
			}
			tc.poke(t, m)
			txt, err := m.EncodeTexts(context.Background(), ids, true)
			if err != nil {
				t.Fatal(err)
			}
			defer txt.Internals.Release()
			var nf *NonFiniteError
			if err := m.CheckText(txt); !errors.As(err, &nf) || nf.Stage != tc.stage || nf.Level != tc.level {
				t.Fatalf("CheckText = %v, want stage %q level %d", err, tc.stage, tc.level)
			}
			plain, err := m.EncodeTexts(context.Background(), ids, false)
			if err != nil {
				t.Fatal(err)
			}
			d := m.Config.Text.ProjectionSize
			labels := make([]Label, len(ids))
			for i := range ids {
				labels[i] = Label{Text: string(rune('a' + i)), IDs: ids[i], Embed: plain.Embeds[i*d : (i+1)*d]}
			}
			err = m.CheckLabels(context.Background(), labels)
			if !errors.As(err, &nf) || !strings.HasPrefix(nf.Stage, tc.stage) || nf.Item != 0 || !strings.Contains(err.Error(), `label "a"`) {
				t.Fatalf("CheckLabels = %v, want stage %q for label 0", err, tc.stage)
			}
		})
	}
}

// TestCheckLogits blames an embedding when one is not finite, and the
// logit computation when they all are (a logit_scale Load would refuse,
// poked into the loaded model).
func TestCheckLogits(t *testing.T) {
	m := loadReference(t, "siglip2_fixed", naive.New())
	d := m.Config.Vision.Hidden
	img := make([]float32, 2*d)
	txt := make([]float32, 3*d)
	for i := range img {
		img[i] = 0.125
	}
	for i := range txt {
		txt[i] = 0.125
	}
	logits, _ := m.Logits(img, txt)
	if err := m.CheckLogits(logits, img, txt); err != nil {
		t.Fatalf("finite logits: %v", err)
	}
	txt[2*d+1] = float32(math.NaN())
	logits, _ = m.Logits(img, txt)
	var nf *NonFiniteError
	if err := m.CheckLogits(logits, img, txt); !errors.As(err, &nf) || nf.Stage != "a text embedding" || nf.Item != 2 {
		t.Fatalf("NaN text embedding: %v", err)
	}
	txt[2*d+1] = 0.125
	m.LogitScale = 100
	logits, _ = m.Logits(img, txt)
	if err := m.CheckLogits(logits, img, txt); !errors.As(err, &nf) || nf.Stage != "logits" || !strings.Contains(err.Error(), "logit_scale 100") {
		t.Fatalf("overflowing logit_scale: %v", err)
	}
}

// TestAnalysisCheckFinite: an analysis holds the internals, so the block
// is named without running the model again.
func TestAnalysisCheckFinite(t *testing.T) {
	m := loadReference(t, "siglip2_naflex", naive.New())
	img := &preprocess.Image{Width: 40, Height: 30, Pix: make([]uint8, 40*30*3)}
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	a, err := m.Analyze(context.Background(), img, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CheckFinite(); err != nil {
		t.Fatalf("clean model: %v", err)
	}
	a.Release()
	setHost(t, m.Vision.Encoder.Layers[1].SelfAttention.QKV.Bias, 3, float32(math.NaN()))
	// Analyze checks its result itself: no analysis of NaNs comes back,
	// only where they first appeared.
	var nf *NonFiniteError
	if _, err = m.Analyze(context.Background(), img, 0); !errors.As(err, &nf) || nf.Stage != "vision block 2 of 2 output" {
		t.Fatalf("Analyze = %v, want the NaN located in block 2 of 2", err)
	}
}
