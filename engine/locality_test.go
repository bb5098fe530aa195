package engine

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// localityTestModel is a small random NaFlex model: 8-pixel patches, a 4×4
// position grid, 2 blocks.
func localityTestModel(t *testing.T, opts Options) *Model {
	t.Helper()
	cfg, err := ParseConfig([]byte(`{"model_type":"siglip2","vision_config":{"hidden_size":16,"intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":2,"num_patches":16,"patch_size":8},"text_config":{"hidden_size":16,"intermediate_size":20,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":50,"max_position_embeddings":8}}`))
	if err != nil {
		t.Fatal(err)
	}
	pre := DefaultPreprocessor(cfg)
	pre.MaxNumPatches = 40
	m, err := NewRandom(cfg, pre, 11, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// stripes is a w×h picture of coloured vertical stripes with a bright
// square, so patches differ.
func stripes(w, h int) *preprocess.Image {
	img, _ := preprocess.NewImage(w, h)
	for y := range h {
		for x := range w {
			i := 3 * (y*w + x)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = uint8(30*(x/9)), uint8(200-3*y), uint8(90+x)
			if x > w/3 && x < w/2 && y > h/4 && y < h/2 {
				img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 250, 250, 40
			}
		}
	}
	return img
}

func naiveCos(x []float32, d, i, j int) float64 {
	var dot, ii, jj float64
	for k := range d {
		a, b := float64(x[i*d+k]), float64(x[j*d+k])
		dot += a * b
		ii += a * a
		jj += b * b
	}
	if ii == 0 || jj == 0 {
		return 0
	}
	return dot / math.Sqrt(ii*jj)
}

func TestCosineGramMatchesNaiveCosine(t *testing.T) {
	for _, b := range testBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			m := localityTestModel(t, Options{Backend: b})
			rng := rand.New(rand.NewSource(3))
			const n, d = 37, 23
			x := make([]float32, n*d)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * 3)
			}
			for k := range d { // row 5 is dead: similarity 0 to all, itself included
				x[5*d+k] = 0
			}
			g, err := m.CosineGram(x, n, d)
			if err != nil {
				t.Fatal(err)
			}
			if len(g) != n*n {
				t.Fatalf("%d values, want %d", len(g), n*n)
			}
			for i := range n {
				for j := range n {
					want := naiveCos(x, d, i, j)
					if got := float64(g[i*n+j]); math.Abs(got-want) > 2e-6 {
						t.Fatalf("G[%d,%d] = %v, want %v", i, j, got, want)
					}
				}
			}
			if g[5*n+5] != 0 || g[6*n+6] < 0.999999 {
				t.Errorf("diagonal: dead row %v (want 0), live row %v (want 1)", g[5*n+5], g[6*n+6])
			}
		})
	}
}

func TestCosineGramRejectsShortInput(t *testing.T) {
	m := localityTestModel(t, Options{Backend: naive.New()})
	for _, c := range []struct{ n, d, len int }{{0, 4, 0}, {3, 0, 0}, {3, 4, 11}} {
		if _, err := m.CosineGram(make([]float32, c.len), c.n, c.d); err == nil {
			t.Errorf("n=%d d=%d with %d values: no error", c.n, c.d, c.len)
		}
	}
}

func TestSimilarityMatrixCoversValidPatchesOnly(t *testing.T) {
	m := localityTestModel(t, Options{Backend: naive.New()})
	a, err := m.Analyze(context.Background(), stripes(56, 40), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	v := a.Valid()
	if a.Tokens() <= v {
		t.Fatalf("want a padded NaFlex input: %d tokens, %d valid", a.Tokens(), v)
	}
	for level := range a.FeatureLevels() {
		g, err := a.SimilarityMatrix(level)
		if err != nil {
			t.Fatal(err)
		}
		if len(g) != v*v {
			t.Fatalf("level %d: %d values, want %d² (valid patches only)", level, len(g), v)
		}
		f, _ := a.Features(level)
		for _, ij := range [][2]int{{0, 1}, {3, v - 1}, {v - 1, v - 2}, {7, 7}} {
			want := naiveCos(f, a.Hidden(), ij[0], ij[1])
			if got := float64(g[ij[0]*v+ij[1]]); math.Abs(got-want) > 2e-6 {
				t.Errorf("level %d G[%v] = %v, want %v", level, ij, got, want)
			}
		}
	}
	if _, err := a.SimilarityMatrix(a.FeatureLevels()); err == nil {
		t.Error("a level past the post-LN output gave no error")
	}
}

func TestPositionSimilarityIsTheResizedTable(t *testing.T) {
	m := localityTestModel(t, Options{Backend: naive.New()})
	a, err := m.Analyze(context.Background(), stripes(56, 40), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	pos, err := a.Positions()
	if err != nil {
		t.Fatal(err)
	}
	v, d := a.Valid(), a.Hidden()
	if len(pos) != v*d {
		t.Fatalf("%d position values, want %d×%d", len(pos), v, d)
	}
	// Layer 0 is patch embedding + position embedding: subtracting the
	// patch embedding of a patch (computed here from its pixels) leaves
	// the position row.
	w, _ := m.weights.Float32("vision_model.embeddings.patch_embedding.weight", d, m.Config.Vision.PatchDim())
	bias, _ := m.weights.Float32("vision_model.embeddings.patch_embedding.bias", d)
	h0, _ := a.Features(0)
	pd := m.Config.Vision.PatchDim()
	for _, p := range []int{0, v / 2, v - 1} {
		patch := a.Prepared.Input.Patches[p*pd : (p+1)*pd]
		for o := range d {
			emb := float64(bias[o])
			for k, x := range patch {
				emb += float64(w[o*pd+k]) * float64(x)
			}
			if got, want := float64(pos[p*d+o]), float64(h0[p*d+o])-emb; math.Abs(got-want) > 1e-4 {
				t.Fatalf("patch %d feature %d: position %v, embeddings minus patch embedding %v", p, o, got, want)
			}
		}
	}
	g, err := a.PositionSimilarity()
	if err != nil {
		t.Fatal(err)
	}
	for _, ij := range [][2]int{{0, 1}, {2, v - 1}} {
		if got, want := float64(g[ij[0]*v+ij[1]]), naiveCos(pos, d, ij[0], ij[1]); math.Abs(got-want) > 2e-6 {
			t.Errorf("position G[%v] = %v, want %v", ij, got, want)
		}
	}
}

func TestFixedResCopyMatchesNaFlexOnASquareImage(t *testing.T) {
	m := localityTestModel(t, Options{Backend: naive.New()})
	fixed, err := FixedResFromNaFlex(m, 48, Options{Backend: naive.New()})
	if err != nil {
		t.Fatal(err)
	}
	if fixed.Config.Variant != FixedRes || fixed.Vision.FixedGrid() != 6 {
		t.Fatalf("copy is %v with a %d grid, want fixed-res 6×6", fixed.Config.Variant, fixed.Vision.FixedGrid())
	}
	img := stripes(48, 48)
	af, err := fixed.Analyze(context.Background(), img, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer af.Release()
	an, err := m.Analyze(context.Background(), img, 36) // a 48×48 image with 36 patches: a 6×6 grid, no padding
	if err != nil {
		t.Fatal(err)
	}
	defer an.Release()
	if r, c := an.Grid(); r != 6 || c != 6 || an.Tokens() != 36 {
		t.Fatalf("NaFlex grid %d×%d with %d tokens, want 6×6 and 36", r, c, an.Tokens())
	}
	for i, v := range an.ImageEmbedding() {
		if got := af.ImageEmbedding()[i]; math.Abs(float64(got-v)) > 1e-5 {
			t.Fatalf("embedding[%d]: fixed copy %v, NaFlex %v", i, got, v)
		}
	}
	// A wide image is squashed: the fixed copy still sees a 6×6 grid.
	wide, err := fixed.Analyze(context.Background(), stripes(96, 40), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wide.Release()
	if r, c := wide.Grid(); r != 6 || c != 6 || wide.Prepared.Resized.Width != 48 || wide.Prepared.Resized.Height != 48 {
		t.Errorf("wide image: grid %d×%d, resized %d×%d; want 6×6 and 48×48", r, c, wide.Prepared.Resized.Width, wide.Prepared.Resized.Height)
	}
	if _, err := FixedResFromNaFlex(fixed, 48, Options{Backend: cpuBackend}); err == nil {
		t.Error("a copy of a fixed-resolution model gave no error")
	}
	if _, err := FixedResFromNaFlex(m, 4, Options{Backend: cpuBackend}); err == nil {
		t.Error("an image smaller than a patch gave no error")
	}
}

// BenchmarkCosineGram is one level's similarity matrix at base size and
// the largest common NaFlex budget: 1024 patches × 768 features on the CPU
// backend (1.6 GFLOP).
func BenchmarkCosineGram(b *testing.B) {
	cfg, err := ParseConfig([]byte(`{"model_type":"siglip2","vision_config":{"hidden_size":16,"intermediate_size":24,"num_hidden_layers":1,"num_attention_heads":2,"num_patches":16,"patch_size":8},"text_config":{"hidden_size":16,"intermediate_size":20,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":50,"max_position_embeddings":8}}`))
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewRandom(cfg, DefaultPreprocessor(cfg), 1, Options{Backend: cpuBackend})
	if err != nil {
		b.Fatal(err)
	}
	const n, d = 1024, 768
	x := make([]float32, n*d)
	rng := rand.New(rand.NewSource(1))
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.CosineGram(x, n, d); err != nil {
			b.Fatal(err)
		}
	}
}
