package cuda

import (
	"github.com/siglip2-tui/siglip2-tui/compute"
)

// Attention implements compute.Backend with two strided-batched cuBLAS
// products around the masked-softmax kernel.
//
// Head h of a row-major [rows, heads·headDim] tensor is a column block: in
// column-major terms a headDim×rows matrix at offset h·headDim with leading
// dimension the row stride, so consecutive heads are headDim elements
// apart. Scores S = Q·Kᵀ·scale are computed as Sᵀ = (Kᵀ)ᵀ·Qᵀ (K used
// transposed) and written straight into the probabilities layout
// (sequence, head, query) × key; the softmax turns them into P in place;
// then out = P·V is outᵀ = Vᵀ·Pᵀ.
//
// Batching: with no more sequences than heads, one pair of products per
// sequence batches its heads, and the products skip padding keys (only
// ValidKeys[s] columns of S are computed and only as many rows of V are
// read; the kernel writes the padding probabilities as 0). With more
// sequences than heads (a text batch), one pair per head batches the
// sequences over all keys; padding probabilities are then exactly 0, so
// padding rows of V add nothing.
func (b *Backend) Attention(dst, q, k, v, probs compute.Tensor, s compute.AttentionShape) {
	compute.CheckAttention("cuda", dst, q, k, v, probs, s)
	if s.Seqs == 0 || s.QLen == 0 || s.Heads == 0 {
		return
	}
	needDevice("attention", dst, q, k, v, probs)
	if !b.begin() {
		return
	}
	defer b.g.leave()
	b.fail(b.attention(dst, q, k, v, probs, s))
}

// probsLayout is where the scores/probabilities of (sequence, head) live:
// base + seq·seqStride + head·headStride elements, rows ld apart.
type probsLayout struct {
	base                  uintptr
	seqStride, headStride int64
	ld                    int
}

func (p probsLayout) at(seq, head int) uintptr {
	return p.base + uintptr(4*(int64(seq)*p.seqStride+int64(head)*p.headStride))
}

func (b *Backend) attention(dst, q, k, v, probs compute.Tensor, s compute.AttentionShape) error {
	perSeq := s.Seqs <= s.Heads
	var pl probsLayout
	if !probs.Empty() {
		pl.ld = ld(probs)
		pl.base, pl.headStride, pl.seqStride = probs.Dev, int64(s.QLen*pl.ld), int64(s.Heads*s.QLen*pl.ld)
	} else {
		// Scratch for one sequence's heads (per-sequence batching) or one
		// head's sequences (per-head batching), reused in stream order.
		pl.ld = s.KLen
		n := s.Heads * s.QLen * s.KLen
		pl.headStride = int64(s.QLen * s.KLen)
		if !perSeq {
			n = s.Seqs * s.QLen * s.KLen
			pl.headStride, pl.seqStride = 0, int64(s.QLen*s.KLen)
		}
		p, err := b.scratchFor(scratchProbs, max(n, 1))
		if err != nil {
			return err
		}
		pl.base = p
	}
	valid := func(seq int) int {
		if s.ValidKeys == nil {
			return s.KLen
		}
		return s.ValidKeys[seq]
	}
	d := s.HeadDim
	qs, ks, vs, ds := ld(q), ld(k), ld(v), ld(dst)
	block := reduction(s.KLen)
	var counts [maxSeqsPerLaunch]int32

	if perSeq {
		for seq := 0; seq < s.Seqs; seq++ {
			n := valid(seq)
			keys := n
			if keys == 0 { // nothing to attend to: every probability is 0
				keys = s.KLen
			}
			p := pl.at(seq, 0)
			kSeq := k.Dev + uintptr(4*seq*s.KLen*ks)
			if err := b.g.gemm(gemmCall{transA: true, m: keys, n: s.QLen, k: d, alpha: s.Scale,
				a: kSeq, lda: ks, strideA: int64(d),
				b: q.Dev + uintptr(4*seq*s.QLen*qs), ldb: qs, strideB: int64(d),
				c: p, ldc: pl.ld, strideC: pl.headStride, batch: s.Heads}); err != nil {
				return err
			}
			// The heads' rows of this sequence are evenly ld apart
			// (headStride = QLen·ld), so one launch covers them all.
			counts[0] = int32(n)
			if err := b.g.launch(kMaskedSoftmax, dim3{uint32(s.Heads * s.QLen), 1, 1}, block,
				[]karg{ptrArg(p), longArg(0), intArg(pl.ld), intArg(s.KLen), validArg()}, counts[:1]); err != nil {
				return err
			}
			if err := b.g.gemm(gemmCall{m: d, n: s.QLen, k: keys, alpha: 1,
				a: v.Dev + uintptr(4*seq*s.KLen*vs), lda: vs, strideA: int64(d),
				b: p, ldb: pl.ld, strideB: pl.headStride,
				c: dst.Dev + uintptr(4*seq*s.QLen*ds), ldc: ds, strideC: int64(d), batch: s.Heads}); err != nil {
				return err
			}
		}
		return nil
	}

	for h := 0; h < s.Heads; h++ {
		p := pl.at(0, h)
		if err := b.g.gemm(gemmCall{transA: true, m: s.KLen, n: s.QLen, k: d, alpha: s.Scale,
			a: k.Dev + uintptr(4*h*d), lda: ks, strideA: int64(s.KLen * ks),
			b: q.Dev + uintptr(4*h*d), ldb: qs, strideB: int64(s.QLen * qs),
			c: p, ldc: pl.ld, strideC: pl.seqStride, batch: s.Seqs}); err != nil {
			return err
		}
		for s0 := 0; s0 < s.Seqs; s0 += maxSeqsPerLaunch {
			s1 := min(s0+maxSeqsPerLaunch, s.Seqs)
			for i := s0; i < s1; i++ {
				counts[i-s0] = int32(valid(i))
			}
			if err := b.g.launch(kMaskedSoftmax, dim3{uint32(s.QLen), uint32(s1 - s0), 1}, block,
				[]karg{ptrArg(pl.at(s0, h)), longArg(pl.seqStride), intArg(pl.ld), intArg(s.KLen), validArg()}, counts[:s1-s0]); err != nil {
				return err
			}
		}
		if err := b.g.gemm(gemmCall{m: d, n: s.QLen, k: s.KLen, alpha: 1,
			a: v.Dev + uintptr(4*h*d), lda: vs, strideA: int64(s.KLen * vs),
			b: p, ldb: pl.ld, strideB: pl.seqStride,
			c: dst.Dev + uintptr(4*h*d), ldc: ds, strideC: int64(s.QLen * ds), batch: s.Seqs}); err != nil {
			return err
		}
	}
	return nil
}
