package inspect

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// referenceDir (probe_test.go) holds transformers' reference models and
// goldens.

// naiveNorms are the L2 norms of the first n dim-wide rows, in float64.
func naiveNorms(v []float32, dim, n int) []float64 {
	out := make([]float64, n)
	for i := range n {
		var s float64
		for _, x := range v[i*dim : (i+1)*dim] {
			s += float64(x) * float64(x)
		}
		out[i] = math.Sqrt(s)
	}
	return out
}

// naiveMedian is the middle value (mean of the two middle ones).
func naiveMedian(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// naiveOutliers are the indices above k × median, in index order.
func naiveOutliers(norms []float64, k float64) []int {
	med := naiveMedian(norms)
	var out []int
	for i, n := range norms {
		if n > k*med {
			out = append(out, i)
		}
	}
	return out
}

// outlierIndices are s's outliers as row-major indices, sorted.
func outlierIndices(s *NormStats, cols int) []int {
	var out []int
	for _, o := range s.Outliers {
		out = append(out, o.Patch.Row*cols+o.Patch.Col)
	}
	slices.Sort(out)
	return out
}

// Norms, median and outliers of vectors whose norms are known by hand.
func TestComputeNorms(t *testing.T) {
	// Six 2-d vectors on a 2×3 grid with norms 1, 1, 2, 1, 10, 3 (3-4-5
	// triangles and axis vectors): the median is (1+2)/2 = 1.5.
	vecs := []float32{1, 0, 0, 1, 2, 0, 0.6, 0.8, 6, 8, 0, 3}
	cases := []struct {
		k        float64
		outliers []viz.Patch // largest norm first
	}{
		{3, []viz.Patch{{Row: 1, Col: 1}}},                                       // above 4.5: only 10
		{2, []viz.Patch{{Row: 1, Col: 1}}},                                       // above 3: 3 itself is not above
		{1.2, []viz.Patch{{Row: 1, Col: 1}, {Row: 1, Col: 2}, {Row: 0, Col: 2}}}, // above 1.8
		{7, nil}, // above 10.5: none
	}
	for _, c := range cases {
		s, err := ComputeNorms(vecs, 2, 2, 3, c.k)
		if err != nil {
			t.Fatal(err)
		}
		want := []float32{1, 1, 2, 1, 10, 3}
		for i, n := range s.Norms {
			if math.Abs(float64(n-want[i])) > 1e-6 {
				t.Errorf("k=%g: norm %d = %v, want %v", c.k, i, n, want[i])
			}
		}
		if s.Median != 1.5 || s.Max != 10 || s.MaxPatch != (viz.Patch{Row: 1, Col: 1}) {
			t.Errorf("k=%g: median %v, max %v at %v; want 1.5, 10 at (1,1)", c.k, s.Median, s.Max, s.MaxPatch)
		}
		var got []viz.Patch
		for _, o := range s.Outliers {
			got = append(got, o.Patch)
			if want := o.Norm / 1.5; math.Abs(float64(o.Ratio-want)) > 1e-6 {
				t.Errorf("k=%g: %v ratio %v, want %v", c.k, o.Patch, o.Ratio, want)
			}
		}
		if !slices.Equal(got, c.outliers) {
			t.Errorf("k=%g: outliers %v, want %v", c.k, got, c.outliers)
		}
	}
	// An odd count: the middle value. Vectors past the grid (NaFlex
	// padding) are ignored.
	s, err := ComputeNorms([]float32{3, 1, 2, 100}, 1, 1, 3, 3)
	if err != nil || s.Median != 2 || len(s.Norms) != 3 || len(s.Outliers) != 0 {
		t.Errorf("odd count: %+v, %v", s, err)
	}
	for _, bad := range []struct {
		vecs            []float32
		dim, rows, cols int
		k               float64
		want            string
	}{
		{vecs, 2, 2, 3, 0.5, "from 1 to 100"},
		{vecs, 2, 2, 3, math.NaN(), "outlier threshold"},
		{vecs, 2, 3, 3, 3, "want at least 18"},
		{vecs, 0, 2, 3, 3, "holds nothing"},
	} {
		if _, err := ComputeNorms(bad.vecs, bad.dim, bad.rows, bad.cols, bad.k); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%d-wide %d×%d k=%g: err %v, want %q", bad.dim, bad.rows, bad.cols, bad.k, err, bad.want)
		}
	}
}

// The norm map of every level equals norms recomputed here, in float64,
// from the hidden states of an independent forward pass with capture; the
// outliers are the patches above k × the median recomputed here, with k
// chosen so that some patches are flagged.
func TestNormMapMatchesHiddenStates(t *testing.T) {
	a := testAnalysis(t)
	m := a.Model
	out, err := m.EncodeImages(context.Background(), []engine.VisionInput{a.Prepared.Input}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Internals.Release()
	maps := NewMaps(a)
	rows, cols := maps.Grid()
	d, valid := a.Hidden(), a.Valid()
	for level := 0; level <= a.Layers()+1; level++ {
		hidden := out.LastHidden
		if level <= a.Layers() {
			if hidden, err = out.Internals.HiddenState(level, 0); err != nil {
				t.Fatal(err)
			}
		}
		want := naiveNorms(hidden, d, valid)
		med := naiveMedian(want)
		top := slices.Max(want) / med
		if !(top > 1.01) {
			t.Fatalf("level %d: every norm within 1%% of the median; the test needs some spread", level)
		}
		k := max(1+(top-1)/2, MinOutlierK)
		nm, err := maps.Compute(MapRequest{Kind: MapNorm, Level: level, OutlierK: k})
		if err != nil {
			t.Fatal(err)
		}
		for i, got := range nm.Grid.Values {
			if !closeTo(float64(got), want[i], 1e-6, 1e-6) {
				t.Fatalf("level %d: norm of patch %d = %v, want %v", level, i, got, want[i])
			}
		}
		if !closeTo(float64(nm.Norm.Median), med, 1e-6, 1e-6) {
			t.Errorf("level %d: median %v, want %v", level, nm.Norm.Median, med)
		}
		wantOut := naiveOutliers(want, k)
		if got := outlierIndices(nm.Norm, cols); len(wantOut) == 0 || !slices.Equal(got, wantOut) {
			t.Errorf("level %d, k=%.3f: outliers %v, want %v (non-empty)", level, k, got, wantOut)
		}
		if nm.Grid.H != rows || nm.Grid.W != cols || nm.Norm.K != k {
			t.Errorf("level %d: grid %d×%d, k %v", level, nm.Grid.H, nm.Grid.W, nm.Norm.K)
		}
	}
}

// loadReferenceModel loads one of the transformers reference models.
func loadReferenceModel(t *testing.T, name string) *engine.Model {
	t.Helper()
	m, err := engine.Load(filepath.Join(referenceDir, name), engine.Options{Backend: naive.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func referenceImage(t *testing.T, name string) *preprocess.Image {
	t.Helper()
	img, err := preprocess.Load(filepath.Join(referenceDir, "images", name), preprocess.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func openReference(t *testing.T, path string) *safetensors.File {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(referenceDir, path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// The norm maps of a transformers reference model equal the norms of the
// hidden states transformers itself dumped (image 0 at 64 patches, a
// 6×10 grid padded to 64 tokens), within the goldens' tolerance.
func TestNormMapMatchesTransformersHiddenStates(t *testing.T) {
	m := loadReferenceModel(t, "siglip2_naflex")
	a, err := m.Analyze(context.Background(), referenceImage(t, "img0_97x61_rgb.png"), 64)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	g := openReference(t, "goldens/naflex_mnp64.safetensors")
	rows, cols := a.Grid()
	if rows != 6 || cols != 10 {
		t.Fatalf("grid %d×%d, want 6×10", rows, cols)
	}
	maps := NewMaps(a)
	d := a.Hidden()
	for level := 0; level <= a.Layers()+1; level++ {
		name := fmt.Sprintf("vision.hidden_states.%d", level)
		if level == a.Layers()+1 {
			name = "vision.last_hidden_state"
		}
		hs, info, err := g.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		tokens := info.Shape[1]
		want := naiveNorms(hs[:tokens*d], d, rows*cols) // image 0's valid rows
		nm, err := maps.Compute(MapRequest{Kind: MapNorm, Level: level})
		if err != nil {
			t.Fatal(err)
		}
		for i, got := range nm.Grid.Values {
			if !closeTo(float64(got), want[i], 1e-4, 1e-4) {
				t.Fatalf("%s: norm of patch %d = %v, transformers' %v", name, i, got, want[i])
			}
		}
		if med := naiveMedian(want); !closeTo(float64(nm.Norm.Median), med, 1e-4, 1e-4) {
			t.Errorf("%s: median %v, transformers' %v", name, nm.Norm.Median, med)
		}
	}
}

// naivePositionCosines is the cosine of row q of table (n × d) with every
// row, in float64.
func naivePositionCosines(table []float32, d, n, q int) []float64 {
	out := make([]float64, n)
	for i := range n {
		var dot, qq, ii float64
		for k := range d {
			a, b := float64(table[q*d+k]), float64(table[i*d+k])
			dot, qq, ii = dot+a*b, qq+a*a, ii+b*b
		}
		out[i] = dot / math.Sqrt(qq*ii)
	}
	return out
}

// Position maps against the tables they are made of: a fixed-resolution
// model's learned table read straight from its checkpoint, and for NaFlex
// the table transformers resized for the image (its dumped
// vision.pos_embed_resized), at two budgets.
func TestPositionMapMatchesTheTables(t *testing.T) {
	fixedTable, _, err := openReference(t, "siglip2_fixed/model.safetensors").Float32("vision_model.embeddings.position_embedding.weight")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		model, golden string
		budget        int
		table         func(t *testing.T) []float32
		tol           float64
		rows, cols    int
		describes     string
	}{
		{"siglip2_fixed", "", 0, func(*testing.T) []float32 { return fixedTable }, 1e-6, 4, 4, "learned 4×4 table (fixed"},
		{"siglip2_naflex", "naflex_mnp64", 64, nil, 1e-4, 6, 10, "learned 8×8 table, resized"},
		{"siglip2_naflex", "naflex_mnp16", 16, nil, 1e-4, 3, 5, "learned 8×8 table, resized"},
	}
	for _, c := range cases {
		t.Run(c.model+c.golden, func(t *testing.T) {
			m := loadReferenceModel(t, c.model)
			a, err := m.Analyze(context.Background(), referenceImage(t, "img0_97x61_rgb.png"), c.budget)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release()
			rows, cols := a.Grid()
			if rows != c.rows || cols != c.cols {
				t.Fatalf("grid %d×%d, want %d×%d", rows, cols, c.rows, c.cols)
			}
			var table []float32
			if c.table != nil {
				table = c.table(t)
			} else {
				var info safetensors.Info
				if table, info, err = openReference(t, "goldens/"+c.golden+".safetensors").Float32("vision.pos_embed_resized.0"); err != nil {
					t.Fatal(err)
				}
				if info.Shape[0] != rows || info.Shape[1] != cols {
					t.Fatalf("golden table %v, grid %d×%d", info.Shape, rows, cols)
				}
			}
			d, n := a.Hidden(), rows*cols
			wantNorms := naiveNorms(table, d, n)
			maps := NewMaps(a)
			for _, p := range []viz.Patch{{Row: 0, Col: 0}, {Row: rows / 2, Col: cols / 2}, {Row: rows - 1, Col: cols - 1}} {
				pm, err := maps.Compute(MapRequest{Kind: MapPositions, Patch: p})
				if err != nil {
					t.Fatal(err)
				}
				want := naivePositionCosines(table, d, n, p.Row*cols+p.Col)
				for i, got := range pm.Grid.Values {
					if !closeTo(float64(got), want[i], c.tol, c.tol) {
						t.Fatalf("patch %v: cosine to %d = %v, want %v", p, i, got, want[i])
					}
				}
				for i, got := range pm.Norm.Norms {
					if !closeTo(float64(got), wantNorms[i], c.tol, c.tol) {
						t.Fatalf("norm of position %d = %v, want %v", i, got, wantNorms[i])
					}
				}
				if pm.Norm.K != DefaultOutlierK || !slices.Equal(outlierIndices(pm.Norm, cols), naiveOutliers(wantNorms, DefaultOutlierK)) {
					t.Errorf("patch %v: position outliers %v (k %v)", p, pm.Norm.Outliers, pm.Norm.K)
				}
			}
			if got := PositionTable(a); !strings.Contains(got, c.describes) {
				t.Errorf("PositionTable = %q, want it to say %q", got, c.describes)
			}
		})
	}
}

// The profile's attention share is the attention the outliers receive,
// recomputed here from the captured attention of the next block (or the
// pooling head for the last levels).
func TestNormProfileAttentionShare(t *testing.T) {
	a := testAnalysis(t)
	rows, cols := a.Grid()
	prof, err := NormProfile(a, 1.05)
	if err != nil {
		t.Fatal(err)
	}
	if len(prof) != a.FeatureLevels() {
		t.Fatalf("%d levels, want %d", len(prof), a.FeatureLevels())
	}
	checked := 0
	for _, lv := range prof {
		if len(lv.Stats.Outliers) == 0 {
			if !math.IsNaN(lv.AttentionShare) {
				t.Errorf("level %d: no outliers but attention share %v", lv.Level, lv.AttentionShare)
			}
			continue
		}
		var want float64
		if lv.Level < a.Layers() {
			attn, _ := a.Attention(lv.Level)
			T, H := a.Tokens(), a.Heads()
			for h := range H {
				for q := range a.Valid() {
					for _, o := range lv.Stats.Outliers {
						want += float64(attn[(h*T+q)*T+o.Patch.Row*cols+o.Patch.Col])
					}
				}
			}
			want /= float64(H * a.Valid())
		} else {
			pool, _ := a.PoolingAttention()
			for h := range a.Heads() {
				for _, o := range lv.Stats.Outliers {
					want += float64(pool[h*a.Tokens()+o.Patch.Row*cols+o.Patch.Col])
				}
			}
			want /= float64(a.Heads())
		}
		if !closeTo(lv.AttentionShare, want, 1e-9, 1e-6) || !(want > 0) {
			t.Errorf("level %d: attention share %v, want %v", lv.Level, lv.AttentionShare, want)
		}
		if got := float64(len(lv.Stats.Outliers)) / float64(rows*cols); lv.AreaShare != got {
			t.Errorf("level %d: area share %v, want %v", lv.Level, lv.AreaShare, got)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no level had outliers at k = 1.05")
	}
}
