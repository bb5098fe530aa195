package viz

import (
	"fmt"
	"image/color"
	"math"
)

// PCA is the result of PCA3: the three leading principal components of a
// set of patch features and each patch's coordinates along them, also
// mapped to a colour, so patches with similar features get similar
// colours.
type PCA struct {
	// Mean is the feature mean that was subtracted (length dim).
	Mean []float32
	// Components are the unit-length principal directions (each length
	// dim), in order of decreasing variance. Signs are fixed so that the
	// entry of largest magnitude is positive (the first one on a tie),
	// which makes the result deterministic. A component the data does not
	// have (rank below 3) is all zeros.
	Components [3][]float32
	// Scores holds each valid token's projection onto the components,
	// (features_i − Mean)·Components[c].
	Scores [][3]float32
	// RGB is Scores mapped to colours: each component is scaled from its
	// own min..max over the valid tokens to 0..255 and used as red, green
	// and blue. A component with no spread maps to 128.
	RGB []color.NRGBA
	// ExplainedRatio is the fraction of the total variance along each
	// component (eigenvalue / trace of the covariance).
	ExplainedRatio [3]float64
	// Iterations is how many subspace iterations the solver ran.
	Iterations int
	// Converged is false when the solver stopped at its iteration limit
	// (spectra where the leading eigenvalues are nearly equal, such as
	// noise). The ratios are still accurate (Rayleigh quotients converge
	// fast); the components are then a good basis of the leading
	// subspace but not individually exact.
	Converged bool
}

// pcaBlock is the subspace size: iterating on more vectors than the three
// wanted makes convergence depend on λ₉/λ₃ instead of λ₄/λ₃.
const pcaBlock = 8

// pcaTol is the relative residual |C·u − λ·u| / λ₁ at which the leading
// Ritz pairs are accepted. pcaMaxIter bounds the work on near-degenerate
// spectra (λ₃ ≈ λ₉, e.g. white noise), where convergence is slow and the
// components are ill-determined anyway.
const (
	pcaTol     = 1e-7
	pcaMaxIter = 100
)

// PCA3 computes the three leading principal components of the first valid
// rows of features ([T][dim] row-major, T ≥ valid; padding rows ignored).
//
// Method: block subspace iteration with Rayleigh–Ritz on the covariance
// C = XᵀX (X the centred features), applied as Xᵀ(X·Q) without ever
// forming C, with a block of 8 vectors. Each iteration costs
// O(valid·dim·8); ViT-like features converge in about ten iterations, so
// 1024×1152 inputs take tens of milliseconds rather than the seconds a
// full eigendecomposition would. Near-degenerate spectra stop after 100
// iterations (see PCA.Converged). The start block comes
// from a fixed-seed generator, so results are reproducible.
func PCA3(features []float32, dim, valid int) (*PCA, error) {
	if err := checkFeatures(features, dim, valid); err != nil {
		return nil, fmt.Errorf("pca: %w", err)
	}
	if valid < 2 {
		return nil, fmt.Errorf("pca: need at least 2 valid tokens to measure variance, got %d", valid)
	}
	n := valid
	mean := make([]float64, dim)
	for i := range n {
		for d, v := range features[i*dim : (i+1)*dim] {
			mean[d] += float64(v)
		}
	}
	for d := range mean {
		mean[d] /= float64(n)
	}
	x := make([]float64, n*dim)
	var total float64
	for i := range n {
		row := x[i*dim : (i+1)*dim]
		for d, v := range features[i*dim : (i+1)*dim] {
			c := float64(v) - mean[d]
			row[d] = c
			total += c * c
		}
	}

	p := min(pcaBlock, dim)
	k := min(3, p)
	rng := splitmix(0x5eed1e55)
	q := make([][]float64, p)
	for j := range q {
		q[j] = make([]float64, dim)
	}
	fillRandom(q, rng)
	orthonormalize(q, rng)

	y := make([][]float64, p)
	for j := range y {
		y[j] = make([]float64, dim)
	}
	z := make([]float64, p)
	qt := make([]float64, dim*p)
	yt := make([]float64, dim*p)
	b := make([][]float64, p)
	for j := range b {
		b[j] = make([]float64, p)
	}
	var (
		theta []float64
		s     [][]float64
		iter  int
		ok    bool
	)
	ritz := make([][]float64, p) // Ritz vectors Q·S
	cRitz := make([][]float64, p)
	for j := range ritz {
		ritz[j] = make([]float64, dim)
		cRitz[j] = make([]float64, dim)
	}
	for iter = 1; ; iter++ {
		applyCov(x, n, dim, q, y, qt, yt, z)
		for a := range p {
			for c := a; c < p; c++ {
				v := dot64(q[a], y[c])
				b[a][c], b[c][a] = v, v
			}
		}
		theta, s = jacobiEigen(b)
		rotate(q, s, ritz)
		rotate(y, s, cRitz)
		converged := true
		scale := math.Max(theta[0], 0)
		for j := range k {
			var r2 float64
			for d := range dim {
				e := cRitz[j][d] - theta[j]*ritz[j][d]
				r2 += e * e
			}
			if math.Sqrt(r2) > pcaTol*scale {
				converged = false
				break
			}
		}
		if converged || scale == 0 {
			ok = true
			break
		}
		if iter >= pcaMaxIter {
			break
		}
		// Next block: C·Q rotated to the Ritz basis, re-orthonormalised.
		for j := range p {
			copy(q[j], cRitz[j])
		}
		orthonormalize(q, rng)
	}

	res := &PCA{
		Mean:       make([]float32, dim),
		Scores:     make([][3]float32, n),
		RGB:        make([]color.NRGBA, n),
		Iterations: iter,
		Converged:  ok,
	}
	for d, v := range mean {
		res.Mean[d] = float32(v)
	}
	for c := range 3 {
		res.Components[c] = make([]float32, dim)
		if c >= k || !(theta[c] > 1e-12*math.Max(theta[0], 0)) || total == 0 {
			continue // the data has no such direction
		}
		u := ritz[c]
		nrm := math.Sqrt(dot64(u, u))
		big, sign := 0.0, 1.0
		for _, v := range u {
			if math.Abs(v) > big {
				big = math.Abs(v)
				sign = math.Copysign(1, v)
			}
		}
		for d, v := range u {
			res.Components[c][d] = float32(sign * v / nrm)
		}
		res.ExplainedRatio[c] = theta[c] / total
	}
	lo := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi := [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for i := range n {
		row := x[i*dim : (i+1)*dim]
		for c := range 3 {
			var acc float64
			for d, v := range res.Components[c] {
				acc += float64(v) * row[d]
			}
			res.Scores[i][c] = float32(acc)
			lo[c] = math.Min(lo[c], acc)
			hi[c] = math.Max(hi[c], acc)
		}
	}
	for i := range n {
		var rgb [3]uint8
		for c := range 3 {
			span := hi[c] - lo[c]
			if !(span > 0) {
				rgb[c] = 128
				continue
			}
			t := (float64(res.Scores[i][c]) - lo[c]) / span
			rgb[c] = uint8(math.Round(math.Min(math.Max(t, 0), 1) * 255))
		}
		res.RGB[i] = color.NRGBA{rgb[0], rgb[1], rgb[2], 255}
	}
	return res, nil
}

// applyCov sets y[j] = Xᵀ·(X·q[j]) for every block vector, streaming over
// the rows of x (n×dim) once. The block is packed dim×p (qt, yt) so the
// inner loops run over contiguous memory; p == 8 has an unrolled kernel
// that keeps the eight partial sums in registers.
func applyCov(x []float64, n, dim int, q, y [][]float64, qt, yt, z []float64) {
	p := len(q)
	for j, v := range q {
		for d, e := range v {
			qt[d*p+j] = e
		}
	}
	clear(yt)
	if p == pcaBlock {
		applyCov8(x, n, dim, qt, yt)
	} else {
		for i := range n {
			row := x[i*dim : (i+1)*dim]
			clear(z)
			for d, xv := range row {
				for j, e := range qt[d*p : d*p+p] {
					z[j] += xv * e
				}
			}
			for d, xv := range row {
				yr := yt[d*p : d*p+p]
				for j := range yr {
					yr[j] += xv * z[j]
				}
			}
		}
	}
	for j, v := range y {
		for d := range v {
			v[d] = yt[d*p+j]
		}
	}
}

// applyCov8 is applyCov's kernel for a block of eight: yt += Xᵀ(X·qt).
func applyCov8(x []float64, n, dim int, qt, yt []float64) {
	for i := range n {
		row := x[i*dim : (i+1)*dim]
		var z0, z1, z2, z3, z4, z5, z6, z7 float64
		for d, xv := range row {
			e := qt[d*8 : d*8+8 : d*8+8]
			z0 += xv * e[0]
			z1 += xv * e[1]
			z2 += xv * e[2]
			z3 += xv * e[3]
			z4 += xv * e[4]
			z5 += xv * e[5]
			z6 += xv * e[6]
			z7 += xv * e[7]
		}
		for d, xv := range row {
			e := yt[d*8 : d*8+8 : d*8+8]
			e[0] += xv * z0
			e[1] += xv * z1
			e[2] += xv * z2
			e[3] += xv * z3
			e[4] += xv * z4
			e[5] += xv * z5
			e[6] += xv * z6
			e[7] += xv * z7
		}
	}
}

// rotate sets out[j] = Σ_a src[a]·s[a][j] (the basis src times the
// eigenvector matrix s, whose columns are eigenvectors).
func rotate(src, s, out [][]float64) {
	for j := range out {
		clear(out[j])
		for a := range src {
			axpy64(out[j], s[a][j], src[a])
		}
	}
}

// orthonormalize makes the vectors orthonormal by modified Gram–Schmidt,
// run twice for stability; a vector that vanishes (rank deficiency) is
// replaced by a fresh random one.
func orthonormalize(q [][]float64, rng *splitmixRNG) {
	for j := range q {
		for attempt := 0; ; attempt++ {
			before := math.Sqrt(dot64(q[j], q[j]))
			for pass := 0; pass < 2; pass++ {
				for a := 0; a < j; a++ {
					axpy64(q[j], -dot64(q[a], q[j]), q[a])
				}
			}
			nrm := math.Sqrt(dot64(q[j], q[j]))
			if nrm > 1e-10*before && nrm > 0 {
				inv := 1 / nrm
				for d := range q[j] {
					q[j][d] *= inv
				}
				break
			}
			if attempt > 8 {
				// Only possible if len(q) > dim, which PCA3 rules out.
				clear(q[j])
				break
			}
			fillRandom(q[j:j+1], rng)
		}
	}
}

// jacobiEigen returns the eigenvalues of the small symmetric matrix a in
// decreasing order and the matching eigenvectors as the columns of v
// (cyclic Jacobi rotations; a is not modified).
func jacobiEigen(a [][]float64) ([]float64, [][]float64) {
	n := len(a)
	m := make([][]float64, n)
	v := make([][]float64, n)
	for i := range n {
		m[i] = append([]float64(nil), a[i]...)
		v[i] = make([]float64, n)
		v[i][i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, diag float64
		for i := range n {
			diag += m[i][i] * m[i][i]
			for j := i + 1; j < n; j++ {
				off += m[i][j] * m[i][j]
			}
		}
		if off <= 1e-30*diag || off == 0 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if m[p][q] == 0 {
					continue
				}
				theta := (m[q][q] - m[p][p]) / (2 * m[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range n {
					mkp, mkq := m[k][p], m[k][q]
					m[k][p] = c*mkp - s*mkq
					m[k][q] = s*mkp + c*mkq
				}
				for k := range n {
					mpk, mqk := m[p][k], m[q][k]
					m[p][k] = c*mpk - s*mqk
					m[q][k] = s*mpk + c*mqk
				}
				for k := range n {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p] = c*vkp - s*vkq
					v[k][q] = s*vkp + c*vkq
				}
			}
		}
	}
	vals := make([]float64, n)
	order := make([]int, n)
	for i := range n {
		vals[i] = m[i][i]
		order[i] = i
	}
	// Insertion sort by decreasing eigenvalue (n ≤ 8).
	for i := 1; i < n; i++ {
		for j := i; j > 0 && vals[order[j]] > vals[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	sortedVals := make([]float64, n)
	sortedVecs := make([][]float64, n)
	for i := range n {
		sortedVecs[i] = make([]float64, n)
	}
	for c, o := range order {
		sortedVals[c] = vals[o]
		for r := range n {
			sortedVecs[r][c] = v[r][o]
		}
	}
	return sortedVals, sortedVecs
}

func dot64(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

func axpy64(y []float64, a float64, x []float64) {
	x = x[:len(y)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(y); i++ {
		y[i] += a * x[i]
	}
}

// splitmixRNG is a tiny deterministic generator (SplitMix64) so PCA3's
// start block is the same on every run and platform.
type splitmixRNG struct{ s uint64 }

func splitmix(seed uint64) *splitmixRNG { return &splitmixRNG{seed} }

func (r *splitmixRNG) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform returns a value in [-1, 1).
func (r *splitmixRNG) uniform() float64 {
	return float64(r.next()>>11)/float64(1<<52) - 1
}

func fillRandom(q [][]float64, rng *splitmixRNG) {
	for _, v := range q {
		for d := range v {
			v[d] = rng.uniform()
		}
	}
}
