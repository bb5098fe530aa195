package gemm

// The attention products of one head for a block of at most 32 queries,
// on the direct-A kernels (AVX-512 where HasDirect, portable Go elsewhere). Scores are kept transposed,
// key by key (Sᵀ: one row of 32 floats per key), so that the kernels read
// both K and V in place, the softmax runs down the columns with whole
// vectors, and P·V broadcasts probabilities straight from Sᵀ's rows.

// AttnBlock is the number of queries (columns of Sᵀ) in one block.
const AttnBlock = 32

// PackQ packs the n ≤ 32 query rows q (hd values each, row stride ldq)
// into qp as the hd×32 matrix scale·Qᵀ, columns past n zero.
func PackQ(qp, q []float32, ldq, hd, n int, scale float32) {
	_ = qp[hd*32-1]
	_ = q[(n-1)*ldq+hd-1]
	packBT(qp, q, ldq, hd, n)
	for i := range qp[:hd*32] {
		qp[i] *= scale
	}
}

// AttnScores sets s (valid×32, row stride 32) to K·qp: the scores of the
// block's queries against keys 0..valid-1, where k holds the keys' hd
// values (row stride ldk) and qp comes from PackQ.
func AttnScores(valid, hd int, k []float32, ldk int, qp, s []float32) {
	_ = k[(valid-1)*ldk+hd-1]
	_ = qp[hd*32-1]
	_ = s[valid*32-1]
	kd, _ := tables()
	for i := 0; i < valid; i += kdMR {
		mr := min(kdMR, valid-i)
		kd[mr](hd, &k[i*ldk], ldk, &qp[0], &s[i*32], 32, ^uint32(0), 0)
	}
}

// AttnValues sets the n×hd block out (row stride ldo) to Pᵀ·V where p is
// valid×32 (row stride 32, column j for query j < n) and v holds the keys'
// hd values (row stride ldv).
func AttnValues(n, valid, hd int, p, v []float32, ldv int, out []float32, ldo int) {
	_ = p[valid*32-1]
	_ = v[(valid-1)*ldv+hd-1]
	_ = out[(n-1)*ldo+hd-1]
	_, kt := tables()
	for d := 0; d < hd; d += 32 {
		mask := ^uint32(0)
		if w := hd - d; w < 32 {
			mask = 1<<w - 1
		}
		for i := 0; i < n; i += kdMR {
			mr := min(kdMR, n-i)
			kt[mr](valid, &p[i], 32, &v[d], ldv, &out[i*ldo+d], ldo, mask, 0)
		}
	}
}
