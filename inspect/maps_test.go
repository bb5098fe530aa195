package inspect

import (
	"context"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

var (
	testAnalysisOnce sync.Once
	testAnalysisVal  *engine.Analysis
	testAnalysisErr  error
)

// testAnalysis is the test model's analysis of testImage(64, 48): a 6×8
// grid of patches, padded to the budget of 50 tokens as NaFlex does.
func testAnalysis(t testing.TB) *engine.Analysis {
	t.Helper()
	m := testModel(t)
	testAnalysisOnce.Do(func() {
		testAnalysisVal, testAnalysisErr = m.Analyze(context.Background(), testImage(64, 48), 0)
	})
	if testAnalysisErr != nil {
		t.Fatal(testAnalysisErr)
	}
	return testAnalysisVal
}

// The maps are checked against computations written here from the
// definitions, in float64, on the captured internals.

func naiveCosine(f []float32, dim, q, i int) float64 {
	var dot, qq, ii float64
	for k := range dim {
		a, b := float64(f[q*dim+k]), float64(f[i*dim+k])
		dot += a * b
		qq += a * a
		ii += b * b
	}
	if qq == 0 || ii == 0 {
		return 0
	}
	return dot / math.Sqrt(qq*ii)
}

func TestSimilarityMatchesNaiveCosine(t *testing.T) {
	a := testAnalysis(t)
	maps := NewMaps(a)
	rows, cols := maps.Grid()
	if rows*cols != a.Valid() || a.Tokens() <= a.Valid() {
		t.Fatalf("test image should give a padded NaFlex input: grid %d×%d, valid %d, tokens %d", rows, cols, a.Valid(), a.Tokens())
	}
	for _, level := range []int{0, 1, a.Layers(), a.Layers() + 1} {
		for _, p := range []viz.Patch{{Row: 0, Col: 0}, {Row: 2, Col: 5}, {Row: rows - 1, Col: cols - 1}} {
			m, err := maps.Compute(MapRequest{Kind: MapSimilarity, Level: level, Patch: p})
			if err != nil {
				t.Fatal(err)
			}
			f, err := a.Features(level)
			if err != nil {
				t.Fatal(err)
			}
			q := p.Row*cols + p.Col
			for i, got := range m.Grid.Values {
				if want := naiveCosine(f, a.Hidden(), q, i); !closeTo(float64(got), want, 1e-6, 1e-5) {
					t.Fatalf("level %d patch %v: sim[%d] = %v, want %v", level, p, i, got, want)
				}
			}
			if v := m.Grid.Values[q]; !closeTo(float64(v), 1, 1e-6, 0) {
				t.Errorf("a patch's similarity to itself is %v, want 1", v)
			}
		}
	}
	// Level L+1 is the post-LayerNorm output, which differs from block L's.
	last, _ := maps.Compute(MapRequest{Kind: MapSimilarity, Level: a.Layers(), Patch: viz.Patch{Row: 1, Col: 1}})
	post, _ := maps.Compute(MapRequest{Kind: MapSimilarity, Level: a.Layers() + 1, Patch: viz.Patch{Row: 1, Col: 1}})
	if equalFloats(last.Grid.Values, post.Grid.Values) {
		t.Error("the post-LN level gives the same map as the last block: levels are mixed up")
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAttentionAndPoolingMatchCapturedRows(t *testing.T) {
	a := testAnalysis(t)
	maps := NewMaps(a)
	_, cols := maps.Grid()
	T, H, V := a.Tokens(), a.Heads(), a.Valid()
	p := viz.Patch{Row: 3, Col: 2}
	q := p.Row*cols + p.Col
	for level := 1; level <= a.Layers(); level++ {
		attn, err := a.Attention(level - 1) // level k shows block k
		if err != nil {
			t.Fatal(err)
		}
		for _, head := range []int{viz.MeanHeads, 0, H - 1} {
			m, err := maps.Compute(MapRequest{Kind: MapAttention, Level: level, Head: head, Patch: p})
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			for j, got := range m.Grid.Values {
				var want float64
				if head == viz.MeanHeads {
					for h := range H {
						want += float64(attn[(h*T+q)*T+j]) / float64(H)
					}
				} else {
					want = float64(attn[(head*T+q)*T+j])
				}
				if !closeTo(float64(got), want, 1e-7, 1e-6) {
					t.Fatalf("block %d head %d: attn[%d] = %v, want %v", level, head, j, got, want)
				}
				sum += float64(got)
			}
			// Padding keys get no attention, so the valid row sums to 1.
			if !closeTo(sum, 1, 1e-5, 0) {
				t.Errorf("block %d head %d: attention row sums to %v over %d valid patches, want 1", level, head, sum, V)
			}
		}
	}
	pool, err := a.PoolingAttention()
	if err != nil {
		t.Fatal(err)
	}
	for _, head := range []int{viz.MeanHeads, 1} {
		m, err := maps.Compute(MapRequest{Kind: MapPooling, Head: head})
		if err != nil {
			t.Fatal(err)
		}
		for j, got := range m.Grid.Values {
			var want float64
			if head == viz.MeanHeads {
				for h := range H {
					want += float64(pool[h*T+j]) / float64(H)
				}
			} else {
				want = float64(pool[head*T+j])
			}
			if !closeTo(float64(got), want, 1e-7, 1e-6) {
				t.Fatalf("pooling head %d: [%d] = %v, want %v", head, j, got, want)
			}
		}
	}
}

// naiveRollout multiplies the full residual-mixed attention matrices in
// float64, exactly as Abnar & Zuidema define rollout.
func naiveRollout(t *testing.T, a *engine.Analysis, upTo, query int) []float64 {
	T, H, V := a.Tokens(), a.Heads(), a.Valid()
	r := make([][]float64, V) // starts as the identity
	for i := range r {
		r[i] = make([]float64, V)
		r[i][i] = 1
	}
	for l := 0; l < upTo; l++ {
		attn, err := a.Attention(l)
		if err != nil {
			t.Fatal(err)
		}
		m := make([][]float64, V)
		for i := range V {
			m[i] = make([]float64, V)
			var sum float64
			for j := range V {
				var mean float64
				for h := range H {
					mean += float64(attn[(h*T+i)*T+j])
				}
				m[i][j] = 0.5 * mean / float64(H)
				if i == j {
					m[i][j] += 0.5
				}
				sum += m[i][j]
			}
			for j := range V {
				m[i][j] /= sum
			}
		}
		next := make([][]float64, V) // m · r
		for i := range V {
			next[i] = make([]float64, V)
			for k := range V {
				for j := range V {
					next[i][j] += m[i][k] * r[k][j]
				}
			}
		}
		r = next
	}
	return r[query]
}

func TestRolloutMatchesNaiveMatrixProduct(t *testing.T) {
	a := testAnalysis(t)
	maps := NewMaps(a)
	if maps.Cheap(MapRequest{Kind: MapRollout, Level: 1}) {
		t.Error("rollout should run off the UI loop")
	}
	_, cols := maps.Grid()
	for _, level := range []int{1, 2, a.Layers()} {
		p := viz.Patch{Row: 4, Col: 6}
		m, err := maps.Compute(MapRequest{Kind: MapRollout, Level: level, Patch: p})
		if err != nil {
			t.Fatal(err)
		}
		want := naiveRollout(t, a, level, p.Row*cols+p.Col)
		for j, got := range m.Grid.Values {
			if !closeTo(float64(got), want[j], 1e-6, 1e-4) {
				t.Fatalf("rollout through %d blocks: [%d] = %v, want %v", level, j, got, want[j])
			}
		}
	}
}

// TestLabelMapOfOnePatchIsTheImageScore checks the label map against the
// real pooling head: with a single patch the head has one token to attend
// to, so the image embedding is exactly that patch pooled on its own, and
// the map's one value must be the label's logit for the whole image.
func TestLabelMapOfOnePatchIsTheImageScore(t *testing.T) {
	m := testModel(t)
	a, err := m.Analyze(context.Background(), testImage(8, 8), 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.Valid() != 1 {
		t.Fatalf("an 8×8 image should be one 8-pixel patch, got %d", a.Valid())
	}
	labels, _, err := m.EncodeLabels(context.Background(), []string{"cat", "abc"}, engine.PromptOptions{Template: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	scores, err := m.ScoreLabels(a.ImageEmbedding(), labels)
	if err != nil {
		t.Fatal(err)
	}
	maps := NewMaps(a)
	for i := range labels {
		lm, err := maps.Compute(MapRequest{Kind: MapLabel, Label: &labels[i]})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := lm.Grid.Values[0], scores[i].Logit; !closeTo(float64(got), float64(want), 1e-4, 1e-4) {
			t.Errorf("label %q: one-patch map = %v, image logit = %v", labels[i].Text, got, want)
		}
	}
}

func TestLabelMapIsScaledCosineOfPatchEmbeddings(t *testing.T) {
	a := testAnalysis(t)
	m := testModel(t)
	labels, _, err := m.EncodeLabels(context.Background(), []string{"cat"}, engine.PromptOptions{Template: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	maps := NewMaps(a)
	r := MapRequest{Kind: MapLabel, Label: &labels[0]}
	lm, err := maps.Compute(r)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Cheap(r) {
		t.Error("once patch embeddings exist, label maps should be cheap")
	}
	pe, err := a.PatchEmbeddings()
	if err != nil {
		t.Fatal(err)
	}
	d := a.Hidden()
	scale := math.Exp(float64(m.LogitScale))
	for p, got := range lm.Grid.Values {
		var dot, pp, ll float64
		for k := range d {
			x, y := float64(pe[p*d+k]), float64(labels[0].Embed[k])
			dot += x * y
			pp += x * x
			ll += y * y
		}
		want := dot/math.Sqrt(pp*ll)*scale + float64(m.LogitBias)
		if !closeTo(float64(got), want, 1e-4, 1e-5) {
			t.Fatalf("label map [%d] = %v, want %v", p, got, want)
		}
	}
}

// naiveTopEigen returns the leading eigenvectors of a symmetric matrix by
// cyclic Jacobi rotations (a small matrix: the covariance of 32 features).
func naiveTopEigen(c [][]float64, k int) ([]float64, [][]float64) {
	n := len(c)
	a := make([][]float64, n)
	v := make([][]float64, n)
	for i := range n {
		a[i] = append([]float64(nil), c[i]...)
		v[i] = make([]float64, n)
		v[i][i] = 1
	}
	for sweep := 0; sweep < 200; sweep++ {
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if math.Abs(a[p][q]) < 1e-300 {
					continue
				}
				th := 0.5 * math.Atan2(2*a[p][q], a[q][q]-a[p][p])
				cs, sn := math.Cos(th), math.Sin(th)
				for r := range n {
					ap, aq := a[r][p], a[r][q]
					a[r][p], a[r][q] = cs*ap-sn*aq, sn*ap+cs*aq
				}
				for r := range n {
					ap, aq := a[p][r], a[q][r]
					a[p][r], a[q][r] = cs*ap-sn*aq, sn*ap+cs*aq
				}
				for r := range n {
					vp, vq := v[r][p], v[r][q]
					v[r][p], v[r][q] = cs*vp-sn*vq, sn*vp+cs*vq
				}
			}
		}
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return a[idx[i]][idx[i]] > a[idx[j]][idx[j]] })
	vals := make([]float64, k)
	vecs := make([][]float64, k)
	for c := range k {
		vals[c] = a[idx[c]][idx[c]]
		vecs[c] = make([]float64, n)
		for r := range n {
			vecs[c][r] = v[r][idx[c]]
		}
	}
	return vals, vecs
}

func TestPCAMatchesNaiveEigendecomposition(t *testing.T) {
	a := testAnalysis(t)
	maps := NewMaps(a)
	level := 2
	m, err := maps.Compute(MapRequest{Kind: MapPCA, Level: level})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := a.Features(level)
	d, n := a.Hidden(), a.Valid()
	mean := make([]float64, d)
	for i := range n {
		for k := range d {
			mean[k] += float64(f[i*d+k]) / float64(n)
		}
	}
	cov := make([][]float64, d)
	for r := range d {
		cov[r] = make([]float64, d)
	}
	var trace float64
	for i := range n {
		for r := range d {
			xr := float64(f[i*d+r]) - mean[r]
			for c := range d {
				cov[r][c] += xr * (float64(f[i*d+c]) - mean[c])
			}
		}
	}
	for r := range d {
		trace += cov[r][r]
	}
	vals, vecs := naiveTopEigen(cov, 3)
	for c := range 3 {
		// Same direction up to sign; same share of the variance.
		var dot float64
		for k := range d {
			dot += vecs[c][k] * float64(m.PCA.Components[c][k])
		}
		if math.Abs(math.Abs(dot)-1) > 1e-3 {
			t.Errorf("component %d: |cos| to the naive eigenvector = %v, want 1", c+1, math.Abs(dot))
		}
		if got, want := m.PCA.ExplainedRatio[c], vals[c]/trace; !closeTo(got, want, 1e-5, 1e-4) {
			t.Errorf("component %d explains %v of the variance, naive %v", c+1, got, want)
		}
	}
	// Colours: each channel is its component's score scaled min→0, max→255.
	for c := range 3 {
		scores := make([]float64, n)
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range n {
			var s float64
			for k := range d {
				s += (float64(f[i*d+k]) - mean[k]) * float64(m.PCA.Components[c][k])
			}
			scores[i] = s
			lo, hi = math.Min(lo, s), math.Max(hi, s)
		}
		for i := range n {
			want := 255 * (scores[i] - lo) / (hi - lo)
			ch := [3]uint8{m.Colors.Colors[i].R, m.Colors.Colors[i].G, m.Colors.Colors[i].B}[c]
			if math.Abs(float64(ch)-want) > 1.01 {
				t.Fatalf("patch %d channel %d = %d, want %.1f", i, c, ch, want)
			}
		}
	}
	if m.Colors.H*m.Colors.W != n {
		t.Errorf("colour grid %d×%d for %d patches", m.Colors.H, m.Colors.W, n)
	}
}

func TestMapRequestsOutOfRange(t *testing.T) {
	a := testAnalysis(t)
	maps := NewMaps(a)
	L := a.Layers()
	cases := []struct {
		r    MapRequest
		want string
	}{
		{MapRequest{Kind: MapSimilarity, Level: L + 2}, "outside 0…4"},
		{MapRequest{Kind: MapSimilarity, Level: -1}, "0 = embeddings"},
		{MapRequest{Kind: MapAttention, Level: 0, Head: viz.MeanHeads}, "1 = first block"},
		{MapRequest{Kind: MapRollout, Level: L + 1}, "outside 1…3"},
		{MapRequest{Kind: MapAttention, Level: 1, Head: 4}, "head 5 is outside 1…4"},
		{MapRequest{Kind: MapSimilarity, Level: 1, Patch: viz.Patch{Row: 6, Col: 0}}, "outside the 6×8 patch grid"},
		{MapRequest{Kind: MapLabel}, "no encoded label"},
		{MapRequest{Kind: MapKind(42)}, "unknown map kind"},
	}
	for _, c := range cases {
		_, err := maps.Compute(c.r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want it to say %q", c.r, err, c.want)
		}
	}
}

func TestParseMapKind(t *testing.T) {
	for k := MapKind(0); k < numMapKinds; k++ {
		got, err := ParseMapKind(strings.ToUpper(k.String()))
		if err != nil || got != k {
			t.Errorf("ParseMapKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseMapKind("heat"); err == nil || !strings.Contains(err.Error(), "similarity, attention, pooling, rollout, label, pca") {
		t.Errorf("unknown view: err = %v", err)
	}
}

func TestRangeLeavesTheQueryPatchOut(t *testing.T) {
	a := testAnalysis(t)
	maps := NewMaps(a)
	m, err := maps.Compute(MapRequest{Kind: MapSimilarity, Level: 2, Patch: viz.Patch{Row: 0, Col: 0}})
	if err != nil {
		t.Fatal(err)
	}
	var lo, hi float32 = 2, -2
	for _, v := range m.Grid.Values[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	if m.Range.Min != lo || m.Range.Max != hi || hi >= 1 {
		t.Errorf("range %+v, want the other patches' [%v, %v] (the query's own 1 left out)", m.Range, lo, hi)
	}
	p, _ := maps.Compute(MapRequest{Kind: MapPooling, Head: viz.MeanHeads})
	if p.Range != viz.MinMax(p.Grid.Values) {
		t.Errorf("pooling has no query patch: range %+v", p.Range)
	}
	if r := rangeWithout([]float32{5}, 0, true); r.Min != 5 || r.Max != 5 {
		t.Errorf("one value: %+v", r)
	}
}
