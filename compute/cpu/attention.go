package cpu

import (
	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/gemm"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/vec"
)

// attnScores is the target size in floats of one query block's scores
// (queries × keys): small enough to stay in L2 between the two products,
// large enough for efficient products. A variable so
// BenchmarkTuneAttentionBlock can compare values.
var attnScores = 1 << 18

// attentionTask computes one (sequence, head, query block) of attention.
// Scores S = Q·Kᵀ·scale go straight into the caller's probability rows
// when they are wanted, else into the worker's scratch; only the valid keys
// are computed. The softmax is fused into one pass after the max: without
// probabilities the rows stay unnormalised and the 1/Σ is applied to the
// HeadDim-wide output rows instead of the KLen-wide score rows.
type attentionTask struct {
	dst, q, k, v, probs compute.Tensor
	s                   compute.AttentionShape
	qb, nqb             int  // queries per block, blocks per (sequence, head)
	direct              bool // run on gemm's attention kernels (no probs)
	// kb, in bfloat16 mode, holds k's rows rounded to bfloat16 pairs
	// (kbw words each) and vb v's rows two by two interleaved (vpairs
	// rows of Heads·HeadDim words per sequence): both products run on
	// VDPBF16PS.
	kb, vb   []float32
	kbw, vbw int
	vpairs   int
}

// block locates work item i: its sequence and head, its first query and
// number of queries, and the sequence's number of valid keys.
func (t *attentionTask) block(i int) (seq, h, q0, rows, valid int) {
	s := &t.s
	h = (i / t.nqb) % s.Heads
	seq = i / (t.nqb * s.Heads)
	q0 = (i % t.nqb) * t.qb
	rows = min(t.qb, s.QLen-q0)
	valid = s.KLen
	if s.ValidKeys != nil {
		valid = s.ValidKeys[seq]
	}
	return seq, h, q0, rows, valid
}

func (t *attentionTask) run(wk *worker, i int) {
	if t.direct {
		t.runDirect(wk, i)
		return
	}
	s := &t.s
	seq, h, q0, rows, valid := t.block(i)
	c0 := h * s.HeadDim
	qrow := seq*s.QLen + q0 // first row of q and dst
	krow := seq * s.KLen
	out := t.dst.Host[qrow*t.dst.Stride+c0:]
	withProbs := !t.probs.Empty()
	var sc []float32
	var ld int
	if withProbs {
		sc = t.probs.Host[((seq*s.Heads+h)*s.QLen+q0)*t.probs.Stride:]
		ld = t.probs.Stride
	} else if valid > 0 {
		wk.scores = grow(wk.scores, rows*valid)
		sc, ld = wk.scores, valid
	}
	if valid == 0 { // no real key: P = 0 and the output is 0
		for r := 0; r < rows; r++ {
			clear(out[r*t.dst.Stride : r*t.dst.Stride+s.HeadDim])
			if withProbs {
				clear(sc[r*ld : r*ld+s.KLen])
			}
		}
		return
	}
	wk.sgemm(true, rows, valid, s.HeadDim, s.Scale,
		t.q.Host[qrow*t.q.Stride+c0:], t.q.Stride,
		t.k.Host[krow*t.k.Stride+c0:], t.k.Stride, 0, sc, ld)
	wk.inv = grow(wk.inv, rows)
	for r := 0; r < rows; r++ {
		row := sc[r*ld : r*ld+valid]
		sum := vec.ExpShift(row, vec.Max(row))
		if withProbs {
			vec.Scale(row, 1/sum)
			clear(sc[r*ld+valid : r*ld+s.KLen])
		} else {
			wk.inv[r] = 1 / sum
		}
	}
	wk.sgemm(false, rows, s.HeadDim, valid, 1, sc, ld,
		t.v.Host[krow*t.v.Stride+c0:], t.v.Stride, 0, out, t.dst.Stride)
	if !withProbs {
		for r := 0; r < rows; r++ {
			vec.Scale(out[r*t.dst.Stride:r*t.dst.Stride+s.HeadDim], wk.inv[r])
		}
	}
}

// runDirect computes one (sequence, head, block of 32 queries) on the
// AVX-512 kernels: the block's queries are packed (scaled) once, the
// scores go to the worker's scratch key by key (Sᵀ) with K read in place,
// the softmax runs down Sᵀ's columns, and P·V reads V in place and writes
// the output rows, which are then divided by the softmax sums.
func (t *attentionTask) runDirect(wk *worker, i int) {
	s := &t.s
	seq, h, q0, rows, valid := t.block(i)
	c0, hd := h*s.HeadDim, s.HeadDim
	qrow := seq*s.QLen + q0
	krow := seq * s.KLen
	ld := t.dst.Stride
	out := t.dst.Host[qrow*ld+c0:]
	if valid == 0 {
		for r := 0; r < rows; r++ {
			clear(out[r*ld : r*ld+hd])
		}
		return
	}
	wk.qp = grow(wk.qp, hd*gemm.AttnBlock)
	wk.scores = grow(wk.scores, valid*gemm.AttnBlock)
	if t.kb != nil {
		hw := gemm.BF16Words(hd)
		wk.tmp = grow(wk.tmp, gemm.AttnBlock*hw)
		gemm.PackQBF16(wk.qp, t.q.Host[qrow*t.q.Stride+c0:], t.q.Stride, hd, rows, s.Scale, wk.tmp)
		gemm.AttnScoresBF16(valid, hd, t.kb[krow*t.kbw+h*hw:], t.kbw, wk.qp, wk.scores)
	} else {
		gemm.PackQ(wk.qp, t.q.Host[qrow*t.q.Stride+c0:], t.q.Stride, hd, rows, s.Scale)
		gemm.AttnScores(valid, hd, t.k.Host[krow*t.k.Stride+c0:], t.k.Stride, wk.qp, wk.scores)
	}
	vec.ExpShiftCols32(wk.scores, valid, &wk.colSum)
	if t.vb != nil {
		pairs := (valid + 1) / 2
		wk.pp = grow(wk.pp, pairs*gemm.AttnBlock)
		for j := 0; j < pairs; j++ {
			a := wk.scores[2*j*32 : 2*j*32+32]
			var b []float32
			if 2*j+1 < valid {
				b = wk.scores[(2*j+1)*32 : (2*j+1)*32+32]
			}
			gemm.PairsBF16(wk.pp[j*32:(j+1)*32], a, b)
		}
		gemm.AttnValuesBF16(rows, pairs, hd, wk.pp, t.vb[seq*t.vpairs*t.vbw+c0:], t.vbw, out, ld)
	} else {
		gemm.AttnValues(rows, valid, hd, wk.scores, t.v.Host[krow*t.v.Stride+c0:], t.v.Stride, out, ld)
	}
	for r := 0; r < rows; r++ {
		vec.Scale(out[r*ld:r*ld+hd], 1/wk.colSum[r])
	}
}

// Attention implements compute.Backend. dst may be q (each block reads its
// queries before writing the same rows and columns) but must not overlap
// k, v or probs.
func (b *Backend) Attention(dst, q, k, v, probs compute.Tensor, s compute.AttentionShape) {
	compute.CheckAttention("cpu", dst, q, k, v, probs, s)
	defer b.enter()()
	width := s.Heads * s.HeadDim
	if overlaps(dst, k) || overlaps(dst, v) || (!probs.Empty() && (overlaps(probs, dst) || overlaps(probs, q) || overlaps(probs, k) || overlaps(probs, v))) {
		panic("cpu: attention dst overlaps k or v, or probs overlaps an operand")
	}
	if s.Seqs == 0 || s.QLen == 0 || s.Heads == 0 || s.HeadDim == 0 {
		return
	}
	if s.KLen == 0 { // softmax over no keys: zeros
		for r := 0; r < dst.Rows; r++ {
			clear(dst.Host[r*dst.Stride : r*dst.Stride+width])
		}
		b.wrote(dst)
		return
	}
	t := &b.attn
	*t = attentionTask{dst: dst, q: q, k: k, v: v, probs: probs, s: s}
	if b.direct && probs.Empty() {
		t.direct, t.qb = true, gemm.AttnBlock
		t.nqb = (s.QLen + t.qb - 1) / t.qb
		if b.bf16 && s.QLen > 1 {
			t.kb, t.kbw = b.roundKeys(k, s), s.Heads*gemm.BF16Words(s.HeadDim)
			t.vpairs, t.vbw = (s.KLen+1)/2, width
			t.vb = b.pairValues(v, s)
		}
	} else {
		qb := max(8, attnScores/s.KLen)
		t.nqb = (s.QLen + qb - 1) / qb
		t.qb = (s.QLen + t.nqb - 1) / t.nqb
	}
	b.pool.parallel(t, s.Seqs*s.Heads*t.nqb)
	*t = attentionTask{}
	b.wrote(dst)
	b.wrote(probs)
}

// roundKeys returns k's rows rounded to bfloat16, head by head: each row
// Heads·BF16Words(HeadDim) words, head h's pairs at h·BF16Words(HeadDim).
func (b *Backend) roundKeys(k compute.Tensor, s compute.AttentionShape) []float32 {
	hw := gemm.BF16Words(s.HeadDim)
	b.kb = grow(b.kb, k.Rows*s.Heads*hw)
	t := &b.keys
	*t = keysTask{dst: b.kb, k: k, heads: s.Heads, hd: s.HeadDim, rows: max(1, 4096/(s.Heads*hw))}
	b.pool.parallel(t, (k.Rows+t.rows-1)/t.rows)
	*t = keysTask{}
	return b.kb
}

// keysTask rounds rows of k to bfloat16 pairs, head by head.
type keysTask struct {
	dst       []float32
	k         compute.Tensor
	heads, hd int
	rows      int // per item
}

func (t *keysTask) run(_ *worker, i int) {
	hw := gemm.BF16Words(t.hd)
	w := t.heads * hw
	for r := i * t.rows; r < min((i+1)*t.rows, t.k.Rows); r++ {
		for h := 0; h < t.heads; h++ {
			gemm.ToBF16(t.dst[r*w+h*hw:r*w+(h+1)*hw], t.k.Host[r*t.k.Stride+h*t.hd:r*t.k.Stride+(h+1)*t.hd])
		}
	}
}

// pairValues returns v's rows two by two rounded to bfloat16 and
// interleaved: for sequence q and pair j, row q·⌈KLen/2⌉ + j holds word c =
// (v[2j][c], v[2j+1][c]) of the sequence's rows (0 past the last).
func (b *Backend) pairValues(v compute.Tensor, s compute.AttentionShape) []float32 {
	pairs, width := (s.KLen+1)/2, s.Heads*s.HeadDim
	b.vb = grow(b.vb, s.Seqs*pairs*width)
	t := &b.values
	*t = valuesTask{dst: b.vb, v: v, klen: s.KLen, pairs: pairs, width: width, rows: max(1, 4096/width)}
	n := s.Seqs * pairs
	b.pool.parallel(t, (n+t.rows-1)/t.rows)
	*t = valuesTask{}
	return b.vb
}

// valuesTask interleaves pairs of v's rows in bfloat16.
type valuesTask struct {
	dst         []float32
	v           compute.Tensor
	klen, pairs int
	width, rows int // row width; pair-rows per item
}

func (t *valuesTask) run(_ *worker, i int) {
	for p := i * t.rows; p < min((i+1)*t.rows, len(t.dst)/t.width); p++ {
		seq, j := p/t.pairs, p%t.pairs
		r := seq*t.klen + 2*j
		a := t.v.Host[r*t.v.Stride : r*t.v.Stride+t.width]
		var b []float32
		if 2*j+1 < t.klen {
			b = t.v.Host[(r+1)*t.v.Stride : (r+1)*t.v.Stride+t.width]
		}
		gemm.PairsBF16(t.dst[p*t.width:(p+1)*t.width], a, b)
	}
}
