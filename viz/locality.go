package viz

import (
	"fmt"
	"math"
	"sort"
)

// Dense-feature locality: how the similarity between two patches' features
// depends on how far apart the patches are.
//
// Distances are Euclidean distances between patch centres on the patch
// grid, in patch units (4-neighbours are 1 apart, diagonal neighbours √2),
// binned to the nearest integer: pair (i, j) falls in bin
// k = round(√(Δrow² + Δcol²)). No distance between grid points is a
// half-integer, so no pair sits on a bin edge. A patch is never paired
// with itself, so bin 0 is always empty; bin 1 holds the 4-neighbours and
// the diagonal neighbours, bin 2 the pairs at 2 and √5, and so on.

// FarDistance is the distance, in patch units, from which a pair counts as
// far apart in the locality index.
const FarDistance = 4

// DistanceCurve is the cosine similarity of patch pairs as a function of
// their distance bin: for bin k, the number of unordered pairs {i, j}
// (i ≠ j, both valid patches) at that distance, and the mean and the
// standard deviation (population, over the pairs) of their similarity.
// Bins without pairs hold NaN.
type DistanceCurve struct {
	Pairs []int
	Mean  []float64
	Std   []float64
}

// Bins is the number of distance bins (the largest bin + 1).
func (c DistanceCurve) Bins() int { return len(c.Pairs) }

// Locality sums up a similarity matrix in a few numbers.
type Locality struct {
	// Near is the mean similarity of 4-neighbour pairs (patches sharing an
	// edge: |Δrow| + |Δcol| = 1).
	Near float64
	// Far is the mean similarity of pairs at distance ≥ FarDistance.
	Far float64
	// Index is Near − Far: how much more alike neighbours are than distant
	// patches. 0 means distance does not matter; NaN when the grid has no
	// neighbours or no far pairs.
	Index float64
	// Contrast is the self-vs-neighbour contrast: the mean over patches
	// that have 4-neighbours of (the patch's similarity to itself − the
	// mean of its similarities to its 4-neighbours). With cosine
	// similarity a patch's similarity to itself is 1, so 0 means
	// neighbours are copies of each other and larger values mean each
	// patch keeps a feature of its own.
	Contrast float64
	// NearPairs and FarPairs count the pairs behind Near and Far.
	NearPairs, FarPairs int
}

// LocalityStats computes the distance curve and the locality numbers of a
// similarity matrix. sim is n × n, row-major, over tokens in row-major grid
// order; the first gridH·gridW tokens are the valid patches and the rest
// (NaFlex padding, when n is larger) are ignored.
func LocalityStats(sim []float32, n, gridH, gridW int) (DistanceCurve, Locality, error) {
	valid := gridH * gridW
	switch {
	case gridH <= 0 || gridW <= 0:
		return DistanceCurve{}, Locality{}, fmt.Errorf("locality: patch grid %d×%d must have positive height and width", gridH, gridW)
	case n < valid:
		return DistanceCurve{}, Locality{}, fmt.Errorf("locality: a %d×%d matrix cannot hold a %d×%d patch grid", n, n, gridH, gridW)
	case len(sim) != n*n:
		return DistanceCurve{}, Locality{}, fmt.Errorf("locality: %d similarity values, want %d×%d", len(sim), n, n)
	}
	// Bin and class of every offset (Δrow ≥ 0, Δcol any sign) by table.
	bins := distanceBin(gridH-1, gridW-1) + 1
	binOf := make([]int, gridH*(2*gridW-1))
	for dr := range gridH {
		for dc := -(gridW - 1); dc < gridW; dc++ {
			binOf[dr*(2*gridW-1)+dc+gridW-1] = distanceBin(dr, dc)
		}
	}
	sum := make([]float64, bins)
	sumSq := make([]float64, bins)
	pairs := make([]int, bins)
	var nearSum, farSum float64
	var nearN, farN int
	far2 := FarDistance * FarDistance
	for i := range valid {
		ri, ci := i/gridW, i%gridW
		row := sim[i*n : i*n+valid]
		for j := i + 1; j < valid; j++ {
			rj, cj := j/gridW, j%gridW
			dr, dc := rj-ri, cj-ci
			v := float64(row[j])
			b := binOf[dr*(2*gridW-1)+dc+gridW-1]
			sum[b] += v
			sumSq[b] += v * v
			pairs[b]++
			d2 := dr*dr + dc*dc
			if d2 == 1 {
				nearSum += v
				nearN++
			}
			if d2 >= far2 {
				farSum += v
				farN++
			}
		}
	}
	curve := DistanceCurve{Pairs: pairs, Mean: make([]float64, bins), Std: make([]float64, bins)}
	for b := range bins {
		if pairs[b] == 0 {
			curve.Mean[b], curve.Std[b] = math.NaN(), math.NaN()
			continue
		}
		m := sum[b] / float64(pairs[b])
		curve.Mean[b] = m
		curve.Std[b] = math.Sqrt(max(sumSq[b]/float64(pairs[b])-m*m, 0))
	}
	loc := Locality{Near: mean(nearSum, nearN), Far: mean(farSum, farN), NearPairs: nearN, FarPairs: farN}
	loc.Index = loc.Near - loc.Far
	loc.Contrast = selfContrast(sim, n, gridH, gridW)
	return curve, loc, nil
}

// distanceBin is round(√(dr² + dc²)).
func distanceBin(dr, dc int) int {
	return int(math.Round(math.Sqrt(float64(dr*dr + dc*dc))))
}

func mean(sum float64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// selfContrast is Locality.Contrast.
func selfContrast(sim []float32, n, gridH, gridW int) float64 {
	var total float64
	var count int
	for r := range gridH {
		for c := range gridW {
			i := r*gridW + c
			var s float64
			var k int
			for _, d := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				rr, cc := r+d[0], c+d[1]
				if rr < 0 || rr >= gridH || cc < 0 || cc >= gridW {
					continue
				}
				s += float64(sim[i*n+rr*gridW+cc])
				k++
			}
			if k == 0 {
				continue
			}
			total += float64(sim[i*n+i]) - s/float64(k)
			count++
		}
	}
	return mean(total, count)
}

// MirrorMatch says whether features follow an image's content or its
// position on the grid. Given the features f of an image and g of its
// left-right mirror image (same gridH × gridW grid), Content is the mean
// over patches of cos(f(r, c), g(r, W−1−c)): the same content, now at the
// mirrored place. Position is the mean of cos(f(r, c), g(r, c)): the same
// place, now showing the mirrored content. Content > Position means the
// features describe what is in the patch more than where it is.
type MirrorMatch struct {
	Content, Position float64
}

// MatchMirror computes MirrorMatch from f and g, each [T][dim] with T ≥
// gridH·gridW valid tokens (the rest are ignored). A zero vector has
// similarity 0.
func MatchMirror(f, g []float32, dim, gridH, gridW int) (MirrorMatch, error) {
	valid := gridH * gridW
	if gridH <= 0 || gridW <= 0 {
		return MirrorMatch{}, fmt.Errorf("mirror match: patch grid %d×%d must have positive height and width", gridH, gridW)
	}
	if err := checkFeatures(f, dim, valid); err != nil {
		return MirrorMatch{}, fmt.Errorf("mirror match: image: %w", err)
	}
	if err := checkFeatures(g, dim, valid); err != nil {
		return MirrorMatch{}, fmt.Errorf("mirror match: mirror: %w", err)
	}
	cos := func(i, j int) float64 {
		a, b := f[i*dim:(i+1)*dim], g[j*dim:(j+1)*dim]
		dot, bb := dotNorm(a, b)
		_, aa := dotNorm(a, a)
		if aa == 0 || bb == 0 {
			return 0
		}
		return dot / math.Sqrt(aa*bb)
	}
	var content, position float64
	for r := range gridH {
		for c := range gridW {
			i := r*gridW + c
			content += cos(i, r*gridW+gridW-1-c)
			position += cos(i, i)
		}
	}
	return MirrorMatch{Content: content / float64(valid), Position: position / float64(valid)}, nil
}

// PoolingFocus sums up where a pooling head looks: given its attention
// over the valid patches (one distribution, e.g. the mean over heads), the
// effective number of patches exp(entropy) and the share of attention the
// top tenth of patches (at least one) receive.
type PoolingFocus struct {
	Effective float64
	TopTenth  float64
}

// FocusOf computes PoolingFocus from attention weights over valid patches
// (they are renormalised to sum to 1; negative or NaN weights count as 0).
func FocusOf(weights []float32) (PoolingFocus, error) {
	if len(weights) == 0 {
		return PoolingFocus{}, fmt.Errorf("pooling focus: no patches")
	}
	var total float64
	w := make([]float64, len(weights))
	for i, v := range weights {
		if v > 0 {
			w[i] = float64(v)
			total += w[i]
		}
	}
	if total == 0 {
		return PoolingFocus{}, fmt.Errorf("pooling focus: the attention weights are all zero")
	}
	var h float64
	for i := range w {
		w[i] /= total
		if w[i] > 0 {
			h -= w[i] * math.Log(w[i])
		}
	}
	sorted := append([]float64(nil), w...)
	sortDesc(sorted)
	k := max(1, len(sorted)/10)
	var top float64
	for _, v := range sorted[:k] {
		top += v
	}
	return PoolingFocus{Effective: math.Exp(h), TopTenth: top}, nil
}

// sortDesc sorts v from largest to smallest.
func sortDesc(v []float64) { sort.Sort(sort.Reverse(sort.Float64Slice(v))) }

// ContrastMap is each patch's neighbour-minus-far contrast, the locality
// index patch by patch: the mean similarity of the patch to its
// 4-neighbours minus its mean similarity to the patches at distance ≥
// FarDistance. Positive where a patch is more like its surroundings than
// like the rest of the image (inside an object, or a region of texture);
// near 0 where distance does not matter. NaN for a patch without
// neighbours or far patches. sim is as LocalityStats takes it.
func ContrastMap(sim []float32, n, gridH, gridW int) ([]float32, error) {
	valid := gridH * gridW
	switch {
	case gridH <= 0 || gridW <= 0:
		return nil, fmt.Errorf("contrast map: patch grid %d×%d must have positive height and width", gridH, gridW)
	case n < valid || len(sim) != n*n:
		return nil, fmt.Errorf("contrast map: %d similarity values do not hold a %d×%d patch grid", len(sim), gridH, gridW)
	}
	out := make([]float32, valid)
	for i := range valid {
		ri, ci := i/gridW, i%gridW
		var near, far float64
		var nn, nf int
		for j := range valid {
			dr, dc := j/gridW-ri, j%gridW-ci
			s := float64(sim[i*n+j])
			switch {
			case abs(dr)+abs(dc) == 1:
				near += s
				nn++
			case dr*dr+dc*dc >= FarDistance*FarDistance:
				far += s
				nf++
			}
		}
		out[i] = float32(mean(near, nn) - mean(far, nf))
	}
	return out, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
