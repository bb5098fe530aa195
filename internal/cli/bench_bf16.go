package cli

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// bf16Error is how far bfloat16 moves what a person sees from float32, on
// one model, image and set of labels.
type bf16Error struct {
	LogitRel       float64 // largest |Δlogit| / |logit|
	ImageCos       float64 // cosine of the two image embeddings
	TextCos        float64 // smallest cosine of two text embeddings
	SimilarityMap  float64 // largest change of a similarity-map value (last level, every patch against every patch)
	LabelMap       float64 // largest change of a label-map value
	Images, Labels int
}

// measureBF16 analyses img with both models (the same weights, float32 and
// bfloat16) and encodes ids with both, and compares.
func measureBF16(ctx context.Context, m32, m16 *engine.Model, img *preprocess.Image, ids [][]int) (bf16Error, error) {
	var e bf16Error
	a32, err := m32.Analyze(ctx, img, 0)
	if err != nil {
		return e, err
	}
	a16, err := m16.Analyze(ctx, img, 0)
	if err != nil {
		return e, err
	}
	t32, err := m32.TextEmbeddings(ctx, ids)
	if err != nil {
		return e, err
	}
	t16, err := m16.TextEmbeddings(ctx, ids)
	if err != nil {
		return e, err
	}
	l32, err := m32.Logits(a32.Vision.Embeds, t32)
	if err != nil {
		return e, err
	}
	l16, err := m16.Logits(a16.Vision.Embeds, t16)
	if err != nil {
		return e, err
	}
	for i := range l32 {
		e.LogitRel = math.Max(e.LogitRel, math.Abs(float64(l16[i]-l32[i]))/math.Abs(float64(l32[i])))
	}
	d := m32.Config.Text.ProjectionSize
	e.ImageCos, e.TextCos, e.Images, e.Labels = cosineOf(a32.Vision.Embeds, a16.Vision.Embeds), 1, 1, len(ids)
	for l := range ids {
		e.TextCos = math.Min(e.TextCos, cosineOf(t32[l*d:(l+1)*d], t16[l*d:(l+1)*d]))
	}
	level := a32.FeatureLevels() - 1
	f32, err := a32.Features(level)
	if err != nil {
		return e, err
	}
	f16, err := a16.Features(level)
	if err != nil {
		return e, err
	}
	n, h := a32.Valid(), a32.Hidden()
	for p := 0; p < n; p++ {
		for q := p; q < n; q++ {
			c32 := cosineOf(f32[p*h:(p+1)*h], f32[q*h:(q+1)*h])
			c16 := cosineOf(f16[p*h:(p+1)*h], f16[q*h:(q+1)*h])
			e.SimilarityMap = math.Max(e.SimilarityMap, math.Abs(c32-c16))
		}
	}
	for l := range ids {
		m32, err := a32.LabelMap(t32[l*d : (l+1)*d])
		if err != nil {
			return e, err
		}
		m16, err := a16.LabelMap(t16[l*d : (l+1)*d])
		if err != nil {
			return e, err
		}
		for i := range m32 {
			e.LabelMap = math.Max(e.LabelMap, math.Abs(float64(m32[i]-m16[i])))
		}
	}
	return e, nil
}

func cosineOf(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// testPhoto is a smooth synthetic photo-sized picture (as bench --cold
// writes to a file).
func testPhoto(w, h int) *preprocess.Image {
	img := &preprocess.Image{Width: w, Height: h, Pix: make([]uint8, w*h*3)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := (y*w + x) * 3
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = uint8(x*255/w), uint8(y*255/h), uint8((x+y)%256)
		}
	}
	return img
}

// benchBF16Error prints bfloat16's error against float32 on a random
// model of size at 224 px: one synthetic photo, ten random labels.
func benchBF16Error(ctx context.Context, stdout, stderr io.Writer, size string, patch int, b32, b16 compute.Backend) error {
	cfg, err := engine.ArchitectureConfig(size, patch, 224, 1000)
	if err != nil {
		return err
	}
	statusLine(stderr, "building random "+size+"@224 weights in float32 and bf16...")
	m32, err := newRandomModel(ctx, cfg, b32)
	if err != nil {
		statusLine(stderr, "")
		return err
	}
	defer m32.Close()
	m16, err := newRandomModel(ctx, cfg, b16)
	statusLine(stderr, "")
	if err != nil {
		return err
	}
	defer m16.Close()
	e, err := measureBF16(ctx, m32, m16, testPhoto(1024, 768), randomIDs(10, cfg))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nbf16 against float32 (%s@224, random weights, a 1024×768 photo, %d random labels):\n", size, e.Labels)
	fmt.Fprintf(stdout, "  logits: largest relative error %.2g; embeddings: cosine %.6f (image), ≥ %.6f (labels)\n", e.LogitRel, e.ImageCos, e.TextCos)
	fmt.Fprintf(stdout, "  heatmaps: largest change of a similarity-map value %.3g, of a label-map value %.3g (values in [-1, 1])\n", e.SimilarityMap, e.LabelMap)
	return nil
}
