package engine

import (
	"context"
	"math"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/cpu"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// bf16 tolerances, the mode's own (float32 keeps the goldens' 1e-4): a
// bfloat16 value carries 8 significant bits (a relative rounding of at most
// 2⁻⁹ ≈ 0.2%), rounded on every weight and on every matrix product's
// input; through the towers that leaves logits within a few percent of
// their value, embeddings nearly parallel to float32's and maps (cosines
// in [−1, 1]) within a few hundredths.
const (
	bf16LogitRel  = 0.05  // |Δlogit| ≤ 5% of |logit|
	bf16Cosine    = 0.999 // cos(bf16 embedding, float32 embedding) ≥
	bf16MapChange = 0.05  // largest change of a similarity or label map value
)

// bf16Backend is the CPU backend in bfloat16, or a skip when this CPU
// cannot run it.
func bf16Backend(t *testing.T) *cpu.Backend {
	t.Helper()
	b, err := cpu.New(cpu.Options{Precision: cpu.PrecisionBF16})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Info().BF16 {
		t.Skipf("skipped: %s", b.Info().PrecisionNote)
	}
	t.Cleanup(b.Close)
	return b
}

// TestBF16AgainstGoldens runs both reference checkpoints in bfloat16 on
// the goldens' inputs and holds logits and embeddings against
// transformers' float32 numbers, and the explorer's maps (the similarity
// map of every patch's neighbourhood at the last level, the label maps)
// against float32 on the same CPU, within the bf16 tolerances above.
func TestBF16AgainstGoldens(t *testing.T) {
	b16 := bf16Backend(t)
	for _, c := range []struct{ model, goldens string }{
		{"siglip2_fixed", "fixed.safetensors"},
		{"siglip2_naflex", "naflex_mnp64.safetensors"},
	} {
		t.Run(c.model, func(t *testing.T) {
			g := openGolden(t, c.goldens)
			m := loadReference(t, c.model, b16)
			inputs, _ := goldenInputs(t, g, m)
			vis, err := m.EncodeImages(context.Background(), inputs, false)
			if err != nil {
				t.Fatal(err)
			}
			txt, err := m.EncodeTexts(context.Background(), idsFromGolden(g), false)
			if err != nil {
				t.Fatal(err)
			}
			logits, err := m.Logits(vis.Embeds, txt.Embeds)
			if err != nil {
				t.Fatal(err)
			}
			wantLogits, _ := g.floats("logits_per_image")
			wantImage, _ := g.floats("image_embeds")
			wantText, _ := g.floats("text_embeds")
			rel := maxRelative(logits, wantLogits)
			cosImage := minCosine(vis.Embeds, wantImage, m.Config.Vision.Hidden)
			cosText := minCosine(txt.Embeds, wantText, m.Config.Text.ProjectionSize)
			t.Logf("bf16 against transformers: logits max relative error %.2e, embeddings cosine ≥ %.6f (image) %.6f (text)", rel, cosImage, cosText)
			if rel > bf16LogitRel || cosImage < bf16Cosine || cosText < bf16Cosine {
				t.Errorf("bf16 outside its tolerance: logits %.3g (≤ %g), cosines %.6f %.6f (≥ %g)", rel, bf16LogitRel, cosImage, cosText, bf16Cosine)
			}
		})
	}
	t.Run("maps", func(t *testing.T) {
		img := testImage()
		m32 := loadReference(t, "siglip2_naflex", cpuBackend)
		m16 := loadReference(t, "siglip2_naflex", b16)
		a32, err := m32.Analyze(context.Background(), img, 0)
		if err != nil {
			t.Fatal(err)
		}
		a16, err := m16.Analyze(context.Background(), img, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids := idsFromGolden(openGolden(t, "naflex_mnp64.safetensors"))
		t32, err := m32.EncodeTexts(context.Background(), ids, false)
		if err != nil {
			t.Fatal(err)
		}
		t16, err := m16.EncodeTexts(context.Background(), ids, false)
		if err != nil {
			t.Fatal(err)
		}
		change := mapChange(t, a32, a16, t32.Embeds, t16.Embeds, m32.Config.Text.ProjectionSize)
		t.Logf("bf16 against float32: largest change of a similarity or label map value %.3g", change)
		if change > bf16MapChange {
			t.Errorf("a map changed by %.3g in bf16 (≤ %g)", change, bf16MapChange)
		}
	})
}

// testImage is a smooth 96×80 picture with some structure.
func testImage() *preprocess.Image {
	w, h := 96, 80
	img := &preprocess.Image{Width: w, Height: h, Pix: make([]uint8, w*h*3)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := (y*w + x) * 3
			img.Pix[i] = uint8(x * 255 / w)
			img.Pix[i+1] = uint8(y * 255 / h)
			if (x/16+y/16)%2 == 0 {
				img.Pix[i+2] = 200
			}
		}
	}
	return img
}

// mapChange is the largest change between two analyses of one image of
// any similarity-map value (each patch against every patch, last level)
// and any label-map value.
func mapChange(t *testing.T, a32, a16 *Analysis, text32, text16 []float32, d int) float64 {
	t.Helper()
	level := a32.FeatureLevels() - 1
	f32, err := a32.Features(level)
	if err != nil {
		t.Fatal(err)
	}
	f16, err := a16.Features(level)
	if err != nil {
		t.Fatal(err)
	}
	n, h := a32.Valid(), a32.Hidden()
	var worst float64
	for p := 0; p < n; p++ {
		for q := 0; q < n; q++ {
			c32 := cosine(f32[p*h:(p+1)*h], f32[q*h:(q+1)*h])
			c16 := cosine(f16[p*h:(p+1)*h], f16[q*h:(q+1)*h])
			worst = math.Max(worst, math.Abs(c32-c16))
		}
	}
	for l := 0; l < len(text32)/d; l++ {
		m32, err := a32.LabelMap(text32[l*d : (l+1)*d])
		if err != nil {
			t.Fatal(err)
		}
		m16, err := a16.LabelMap(text16[l*d : (l+1)*d])
		if err != nil {
			t.Fatal(err)
		}
		for i := range m32 {
			worst = math.Max(worst, math.Abs(float64(m32[i]-m16[i])))
		}
	}
	return worst
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// minCosine is the smallest cosine between matching rows of width d.
func minCosine(a, b []float32, d int) float64 {
	worst := 1.0
	for r := 0; r < len(b)/d; r++ {
		worst = math.Min(worst, cosine(a[r*d:(r+1)*d], b[r*d:(r+1)*d]))
	}
	return worst
}

// maxRelative is the largest |got − want| / |want|.
func maxRelative(got, want []float32) float64 {
	var worst float64
	for i := range want {
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i]))/math.Abs(float64(want[i])))
	}
	return worst
}
