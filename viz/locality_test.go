package viz

import (
	"math"
	"testing"
)

// naiveLocality recomputes the curve and index from the definitions, on
// the valid gridH·gridW block only: distances with math.Hypot, bins by
// floor(d + 0.5), statistics in two passes over collected values.
func naiveLocality(sim []float32, n, gridH, gridW int) (map[int][]float64, []float64, []float64, float64) {
	byBin := map[int][]float64{}
	var near, far []float64
	valid := gridH * gridW
	for i := range valid {
		for j := range valid {
			if j <= i {
				continue
			}
			dr := float64(j/gridW - i/gridW)
			dc := float64(j%gridW - i%gridW)
			d := math.Hypot(dr, dc)
			v := float64(sim[i*n+j])
			byBin[int(math.Floor(d+0.5))] = append(byBin[int(math.Floor(d+0.5))], v)
			if math.Abs(dr)+math.Abs(dc) == 1 {
				near = append(near, v)
			}
			if d >= FarDistance-1e-9 {
				far = append(far, v)
			}
		}
	}
	// Self-vs-neighbour contrast, patch by patch.
	var contrast []float64
	for i := range valid {
		var nb []float64
		for j := range valid {
			dr, dc := j/gridW-i/gridW, j%gridW-i%gridW
			if dr*dr+dc*dc == 1 {
				nb = append(nb, float64(sim[i*n+j]))
			}
		}
		if len(nb) > 0 {
			contrast = append(contrast, float64(sim[i*n+i])-meanOf(nb))
		}
	}
	return byBin, near, far, meanOf(contrast)
}

func meanOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func stdOf(v []float64) float64 {
	m := meanOf(v)
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(v)))
}

// symmetricSim is an n×n matrix whose valid block is symmetric with a unit
// diagonal and whose padding rows and columns hold a value no similarity
// can have (so counting one would show).
func symmetricSim(seed uint64, n, valid int) []float32 {
	r := randFloats(seed, n*n)
	sim := make([]float32, n*n)
	for i := range n {
		for j := range n {
			switch {
			case i >= valid || j >= valid:
				sim[i*n+j] = 100
			case i == j:
				sim[i*n+j] = 1
			case j > i:
				sim[i*n+j] = r[i*n+j]
			default:
				sim[i*n+j] = r[j*n+i]
			}
		}
	}
	return sim
}

func sameFloat(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func TestLocalityStatsMatchNaiveDefinition(t *testing.T) {
	cases := []struct {
		name         string
		gridH, gridW int
		n            int // matrix side: > gridH·gridW means NaFlex padding
	}{
		{"square 6x6", 6, 6, 36},
		{"odd 3x5", 3, 5, 15},
		{"one row", 1, 9, 9},
		{"one column", 7, 1, 7},
		{"NaFlex 6x8 padded to 50", 6, 8, 50},
		{"NaFlex 5x7 padded to 64", 5, 7, 64},
		{"single patch padded", 1, 1, 4},
	}
	for k, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := symmetricSim(uint64(k+1), c.n, c.gridH*c.gridW)
			curve, loc, err := LocalityStats(sim, c.n, c.gridH, c.gridW)
			if err != nil {
				t.Fatal(err)
			}
			byBin, near, far, contrast := naiveLocality(sim, c.n, c.gridH, c.gridW)
			maxBin := 0
			for b := range byBin {
				maxBin = max(maxBin, b)
			}
			if curve.Bins() != maxBin+1 {
				t.Fatalf("%d bins, want %d", curve.Bins(), maxBin+1)
			}
			total := 0
			for b := range curve.Bins() {
				vals := byBin[b]
				total += curve.Pairs[b]
				if curve.Pairs[b] != len(vals) {
					t.Fatalf("bin %d: %d pairs, want %d", b, curve.Pairs[b], len(vals))
				}
				if len(vals) == 0 {
					if !math.IsNaN(curve.Mean[b]) || !math.IsNaN(curve.Std[b]) {
						t.Errorf("empty bin %d: mean %v std %v, want NaN", b, curve.Mean[b], curve.Std[b])
					}
					continue
				}
				if !sameFloat(curve.Mean[b], meanOf(vals), 1e-9) || !sameFloat(curve.Std[b], stdOf(vals), 1e-7) {
					t.Errorf("bin %d: mean %v std %v, want %v %v", b, curve.Mean[b], curve.Std[b], meanOf(vals), stdOf(vals))
				}
			}
			v := c.gridH * c.gridW
			if total != v*(v-1)/2 {
				t.Errorf("%d pairs in all, want every unordered valid pair (%d)", total, v*(v-1)/2)
			}
			if curve.Pairs[0] != 0 {
				t.Errorf("bin 0 holds %d pairs; a patch is never paired with itself", curve.Pairs[0])
			}
			if loc.NearPairs != len(near) || loc.FarPairs != len(far) {
				t.Errorf("near/far pairs %d/%d, want %d/%d", loc.NearPairs, loc.FarPairs, len(near), len(far))
			}
			if !sameFloat(loc.Near, meanOf(near), 1e-9) || !sameFloat(loc.Far, meanOf(far), 1e-9) ||
				!sameFloat(loc.Index, meanOf(near)-meanOf(far), 1e-9) || !sameFloat(loc.Contrast, contrast, 1e-9) {
				t.Errorf("locality %+v; want near %v far %v contrast %v", loc, meanOf(near), meanOf(far), contrast)
			}
		})
	}
}

// A similarity that falls with distance has a positive index and a
// falling curve; one that ignores distance has index 0.
func TestLocalityOfKnownMatrices(t *testing.T) {
	const h, w = 6, 7
	n := h * w
	decay := make([]float32, n*n)
	flat := make([]float32, n*n)
	for i := range n {
		for j := range n {
			d := math.Hypot(float64(i/w-j/w), float64(i%w-j%w))
			decay[i*n+j] = float32(math.Exp(-d / 2))
			flat[i*n+j] = 0.3
			if i == j {
				flat[i*n+j] = 1
			}
		}
	}
	curve, loc, err := LocalityStats(decay, n, h, w)
	if err != nil {
		t.Fatal(err)
	}
	if !(loc.Index > 0.5) || !sameFloat(loc.Near, math.Exp(-0.5), 1e-6) {
		t.Errorf("decaying similarity: %+v", loc)
	}
	for b := 2; b < curve.Bins(); b++ {
		if curve.Mean[b] >= curve.Mean[b-1] {
			t.Errorf("curve does not fall at bin %d: %v", b, curve.Mean)
		}
	}
	_, loc, _ = LocalityStats(flat, n, h, w)
	if !sameFloat(loc.Index, 0, 1e-7) || !sameFloat(loc.Contrast, 0.7, 1e-7) {
		t.Errorf("flat similarity: index %v contrast %v, want 0 and 0.7", loc.Index, loc.Contrast)
	}
}

func TestLocalityStatsRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		n, h, w, len int
	}{{4, 0, 2, 16}, {4, 3, 2, 16}, {4, 2, 2, 15}} {
		if _, _, err := LocalityStats(make([]float32, c.len), c.n, c.h, c.w); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestMatchMirrorMatchesNaive(t *testing.T) {
	const h, w, dim, tokens = 3, 5, 4, 20
	f := randFloats(7, tokens*dim)
	g := randFloats(8, tokens*dim)
	got, err := MatchMirror(f, g, dim, h, w)
	if err != nil {
		t.Fatal(err)
	}
	cos := func(a, b []float32) float64 {
		var d, aa, bb float64
		for k := range a {
			d += float64(a[k]) * float64(b[k])
			aa += float64(a[k]) * float64(a[k])
			bb += float64(b[k]) * float64(b[k])
		}
		return d / math.Sqrt(aa*bb)
	}
	var content, position float64
	for r := range h {
		for c := range w {
			fi := f[(r*w+c)*dim:][:dim]
			content += cos(fi, g[(r*w+(w-1-c))*dim:][:dim])
			position += cos(fi, g[(r*w+c)*dim:][:dim])
		}
	}
	if !sameFloat(got.Content, content/15, 1e-6) || !sameFloat(got.Position, position/15, 1e-6) {
		t.Errorf("got %+v, want content %v position %v", got, content/15, position/15)
	}
	// Features that are the mirror of each other match on content fully.
	mirror := make([]float32, len(f))
	for r := range h {
		for c := range w {
			copy(mirror[(r*w+c)*dim:][:dim], f[(r*w+w-1-c)*dim:][:dim])
		}
	}
	if m, _ := MatchMirror(f, mirror, dim, h, w); !sameFloat(m.Content, 1, 1e-6) || m.Position >= 1 {
		t.Errorf("mirrored features: %+v, want content 1 and position below it", m)
	}
	if _, err := MatchMirror(f, g[:10], dim, h, w); err == nil {
		t.Error("short mirror features: no error")
	}
}

func TestFocusOf(t *testing.T) {
	uniform := make([]float32, 20)
	for i := range uniform {
		uniform[i] = 0.05
	}
	f, err := FocusOf(uniform)
	if err != nil || !sameFloat(f.Effective, 20, 1e-9) || !sameFloat(f.TopTenth, 0.1, 1e-9) {
		t.Errorf("uniform: %+v %v, want 20 patches and 10%%", f, err)
	}
	peaked := make([]float32, 20)
	peaked[3] = 2 // unnormalised on purpose
	if f, _ := FocusOf(peaked); !sameFloat(f.Effective, 1, 1e-9) || !sameFloat(f.TopTenth, 1, 1e-9) {
		t.Errorf("one patch: %+v", f)
	}
	if _, err := FocusOf(make([]float32, 5)); err == nil {
		t.Error("all-zero attention: no error")
	}
}

func TestContrastMapOfKnownSimilarities(t *testing.T) {
	const h, w = 5, 6
	n := h * w
	dist2 := func(i, j int) int {
		dr, dc := i/w-j/w, i%w-j%w
		return dr*dr + dc*dc
	}
	// Neighbours alike (1), everything else unlike (0): a patch with far
	// patches has contrast 1; one with none (no pair ≥ 4 apart) NaN.
	sim := make([]float32, n*n)
	for i := range n {
		for j := range n {
			if dist2(i, j) <= 1 {
				sim[i*n+j] = 1
			}
		}
	}
	got, err := ContrastMap(sim, n, h, w)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		hasFar := false
		for j := range n {
			hasFar = hasFar || dist2(i, j) >= FarDistance*FarDistance
		}
		switch {
		case !hasFar && !math.IsNaN(float64(v)):
			t.Errorf("patch %d has no far patch: %v, want NaN", i, v)
		case hasFar && v != 1:
			t.Errorf("patch %d: %v, want 1", i, v)
		}
	}
	// Every pair equally alike: distance does not matter anywhere.
	for i := range sim {
		sim[i] = 0.3
	}
	got, _ = ContrastMap(sim, n, h, w)
	for i, v := range got {
		if !math.IsNaN(float64(v)) && math.Abs(float64(v)) > 1e-7 {
			t.Errorf("uniform similarity: patch %d contrast %v, want 0", i, v)
		}
	}
	if _, err := ContrastMap(sim[:10], n, h, w); err == nil {
		t.Error("a short matrix was accepted")
	}
}
