package viz

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// spectrumData returns n×dim features whose columns have very different
// scales (so the covariance spectrum is well separated), plus an offset
// (so centring matters) and padding rows of garbage.
func spectrumData(seed uint64, n, pad, dim int, scales []float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	// A random rotation mixes the scaled axes so components are not
	// aligned with the coordinate axes.
	rot := make([][]float64, dim)
	for i := range rot {
		rot[i] = make([]float64, dim)
		for j := range rot[i] {
			rot[i][j] = r.NormFloat64()
		}
	}
	gramSchmidt(rot)
	out := make([]float32, (n+pad)*dim)
	for i := range n {
		z := make([]float64, dim)
		for k := range dim {
			s := 0.05
			if k < len(scales) {
				s = scales[k]
			}
			z[k] = s * r.NormFloat64()
		}
		for d := range dim {
			v := 3.0 + float64(d)*0.1
			for k := range dim {
				v += z[k] * rot[k][d]
			}
			out[i*dim+d] = float32(v)
		}
	}
	for i := n * dim; i < len(out); i++ {
		out[i] = 1000 // padding: would dominate the PCA if it were used
	}
	return out
}

func gramSchmidt(v [][]float64) {
	for i := range v {
		for j := range i {
			var d float64
			for k := range v[i] {
				d += v[i][k] * v[j][k]
			}
			for k := range v[i] {
				v[i][k] -= d * v[j][k]
			}
		}
		var nn float64
		for _, x := range v[i] {
			nn += x * x
		}
		nn = math.Sqrt(nn)
		for k := range v[i] {
			v[i][k] /= nn
		}
	}
}

// naivePCA forms the covariance explicitly and finds the top three
// eigenpairs by plain power iteration with deflation, in float64.
func naivePCA(f []float32, n, dim int) (vecs [3][]float64, ratios [3]float64, centred [][]float64) {
	mean := make([]float64, dim)
	for i := range n {
		for d := range dim {
			mean[d] += float64(f[i*dim+d]) / float64(n)
		}
	}
	centred = make([][]float64, n)
	for i := range n {
		centred[i] = make([]float64, dim)
		for d := range dim {
			centred[i][d] = float64(f[i*dim+d]) - mean[d]
		}
	}
	cov := make([][]float64, dim)
	var trace float64
	for a := range dim {
		cov[a] = make([]float64, dim)
		for b := range dim {
			for i := range n {
				cov[a][b] += centred[i][a] * centred[i][b]
			}
		}
		trace += cov[a][a]
	}
	r := rand.New(rand.NewPCG(99, 99))
	for k := range min(3, dim) {
		v := make([]float64, dim)
		for d := range v {
			v[d] = r.NormFloat64()
		}
		var lambda float64
		for it := 0; it < 20000; it++ {
			w := make([]float64, dim)
			for a := range dim {
				for b := range dim {
					w[a] += cov[a][b] * v[b]
				}
			}
			for j := range k {
				var d float64
				for a := range dim {
					d += w[a] * vecs[j][a]
				}
				for a := range dim {
					w[a] -= d * vecs[j][a]
				}
			}
			var nn float64
			for _, x := range w {
				nn += x * x
			}
			lambda = math.Sqrt(nn)
			if lambda == 0 {
				break
			}
			var change float64
			for a := range w {
				w[a] /= lambda
				change += (w[a] - v[a]) * (w[a] - v[a])
			}
			v = w
			if change < 1e-30 {
				break
			}
		}
		// Sign convention: the largest-magnitude entry is positive.
		big, sign := 0.0, 1.0
		for _, x := range v {
			if math.Abs(x) > big {
				big, sign = math.Abs(x), math.Copysign(1, x)
			}
		}
		for a := range v {
			v[a] *= sign
		}
		vecs[k] = v
		ratios[k] = lambda / trace
	}
	return vecs, ratios, centred
}

func TestPCA3MatchesNaive(t *testing.T) {
	cases := []struct {
		name        string
		n, pad, dim int
		scales      []float64
	}{
		{"more tokens than dims", 200, 0, 12, []float64{6, 4, 2.5, 1.2, 0.8}},
		{"padding rows ignored", 150, 17, 10, []float64{5, 3, 2, 1}},
		{"fewer tokens than dims", 30, 2, 48, []float64{7, 5, 3, 1.5, 1}},
		{"dim not multiple of 4", 64, 0, 7, []float64{4, 3, 2, 1}},
		{"one dominant direction", 120, 0, 16, []float64{50, 3, 2, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := spectrumData(uint64(len(c.name)), c.n, c.pad, c.dim, c.scales)
			got, err := PCA3(f, c.dim, c.n)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Converged {
				t.Fatalf("not converged after %d iterations on a well-separated spectrum", got.Iterations)
			}
			vecs, ratios, centred := naivePCA(f, c.n, c.dim)
			for k := range 3 {
				if !closeTo(got.ExplainedRatio[k], ratios[k], 1e-9, 1e-6) {
					t.Errorf("ratio %d = %v, want %v", k, got.ExplainedRatio[k], ratios[k])
				}
				for d := range c.dim {
					if !closeTo(float64(got.Components[k][d]), vecs[k][d], 2e-5, 0) {
						t.Fatalf("component %d[%d] = %v, want %v", k, d, got.Components[k][d], vecs[k][d])
					}
				}
			}
			lo, hi := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}, [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
			scores := make([][3]float64, c.n)
			for i := range c.n {
				for k := range 3 {
					for d := range c.dim {
						scores[i][k] += centred[i][d] * vecs[k][d]
					}
					lo[k], hi[k] = math.Min(lo[k], scores[i][k]), math.Max(hi[k], scores[i][k])
				}
			}
			if len(got.Scores) != c.n || len(got.RGB) != c.n {
				t.Fatalf("got %d scores and %d colours, want %d", len(got.Scores), len(got.RGB), c.n)
			}
			for i := range c.n {
				rgb := [3]uint8{got.RGB[i].R, got.RGB[i].G, got.RGB[i].B}
				for k := range 3 {
					scale := hi[k] - lo[k]
					if !closeTo(float64(got.Scores[i][k]), scores[i][k], 1e-4*scale, 1e-5) {
						t.Fatalf("score[%d][%d] = %v, want %v", i, k, got.Scores[i][k], scores[i][k])
					}
					want := (scores[i][k] - lo[k]) / scale * 255
					if math.Abs(float64(rgb[k])-want) > 0.51 {
						t.Fatalf("rgb[%d][%d] = %d, want %.2f", i, k, rgb[k], want)
					}
				}
				if got.RGB[i].A != 255 {
					t.Fatalf("rgb[%d] alpha %d, want 255", i, got.RGB[i].A)
				}
			}
		})
	}
}

func TestPCA3RankDeficient(t *testing.T) {
	// Three points span a plane: two components, the third absent.
	f := []float32{
		0, 0, 0, 0, 0,
		2, 0, 0, 0, 0,
		0, 1, 0, 0, 0,
	}
	got, err := PCA3(f, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	for d, v := range got.Components[2] {
		if v != 0 {
			t.Fatalf("third component [%d] = %v, want 0 (no such direction)", d, v)
		}
	}
	if got.ExplainedRatio[2] != 0 {
		t.Fatalf("third ratio %v, want 0", got.ExplainedRatio[2])
	}
	if s := got.ExplainedRatio[0] + got.ExplainedRatio[1]; !closeTo(s, 1, 1e-9, 0) {
		t.Fatalf("first two ratios sum to %v, want 1", s)
	}
	for i, c := range got.RGB {
		if c.B != 128 {
			t.Fatalf("token %d blue %d, want 128 for a flat component", i, c.B)
		}
	}
	// All identical points: no variance at all.
	same := []float32{1, 2, 1, 2, 1, 2}
	flat, err := PCA3(same, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if flat.ExplainedRatio != [3]float64{} {
		t.Fatalf("ratios %v for constant data, want zeros", flat.ExplainedRatio)
	}
	if flat.RGB[0].R != 128 || flat.RGB[0].G != 128 {
		t.Fatalf("colour %v for constant data, want grey", flat.RGB[0])
	}
}

func TestPCA3Deterministic(t *testing.T) {
	f := spectrumData(5, 90, 0, 20, []float64{3, 2, 1})
	a, err := PCA3(f, 20, 90)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := PCA3(f, 20, 90)
	for i := range a.RGB {
		if a.RGB[i] != b.RGB[i] {
			t.Fatalf("run 2 colour %d = %v, run 1 %v", i, b.RGB[i], a.RGB[i])
		}
	}
}

func TestPCA3Errors(t *testing.T) {
	cases := []struct {
		name       string
		f          []float32
		dim, valid int
		want       string
	}{
		{"one token", []float32{1, 2}, 2, 1, "at least 2"},
		{"bad length", []float32{1, 2, 3}, 2, 1, "whole number"},
		{"valid too big", []float32{1, 2, 3, 4}, 2, 3, "only 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := PCA3(c.f, c.dim, c.valid)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
