package cpu

import (
	"unsafe"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/gemm"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/vec"
)

// Work-splitting constants for Linear: a block is at most linRows rows of x
// by a column chunk of w, chunks are multiples of linAlign columns, and
// products under linSerial multiply-adds run on the caller alone (waking
// the helpers costs more).
const (
	linRows   = 512
	linAlign  = 32
	linSerial = 1 << 18
)

// On the direct path, the token blocks are multiples of 32 rows and the
// feature chunks multiples of dirAlign columns (whole 12-row panels of W
// and aligned 16-float stores of the output).
const dirAlign = 96

// linTasksPerThread blocks per worker let a worker slowed down by another
// process hand its share to the others; fewer, wider blocks run the
// library more efficiently. A variable so BenchmarkTuneLinearSplit can
// compare values.
var linTasksPerThread = 4

// linearTask computes one block of dst = act(x·wᵀ + bias): a product of rb
// rows by cc columns, then the epilogue on that block while it is in cache.
type linearTask struct {
	out, x, w, bias compute.Tensor
	act             compute.Activation
	rb, cc, nCols   int          // block rows, chunk columns, chunks per row block
	packed          *gemm.Packed // direct path: w packed (float32), or nil
	packed16        *gemm.Packed // direct path: w packed in bfloat16, or nil
	xb              []float32    // with packed16: x's rows in bfloat16 (xbw words each)
	xbw             int
	xp              *gemm.XPack // direct path, w in place: x packed
}

func (t *linearTask) run(wk *worker, i int) {
	r0 := (i / t.nCols) * t.rb
	c0 := (i % t.nCols) * t.cc
	rows := min(t.rb, t.out.Rows-r0)
	cols := min(t.cc, t.out.Cols-c0)
	k := t.x.Cols
	out := t.out.Host[r0*t.out.Stride+c0:]
	var bias []float32
	if !t.bias.Empty() {
		bias = t.bias.Host[c0 : c0+cols]
	}
	switch {
	case k == 0:
		for r := 0; r < rows; r++ {
			clear(out[r*t.out.Stride : r*t.out.Stride+cols])
		}
	case t.packed != nil:
		wk.gemm.MulTPacked(rows, c0, c0+cols, t.x.Host[r0*t.x.Stride:], t.x.Stride, t.packed, out, t.out.Stride, false)
	case t.packed16 != nil:
		wk.gemm.MulTPackedBF16(rows, c0, c0+cols, t.xb[r0*t.xbw:], t.xbw, t.packed16, out, t.out.Stride)
	case t.xp != nil:
		// The bias is added as the product is moved into out.
		var b []float32
		if bias != nil {
			b = t.bias.Host[:t.out.Cols]
		}
		wk.gemm.MulW(r0, r0+rows, c0, c0+cols, t.xp, t.w.Host, t.w.Stride, b, t.out.Host, t.out.Stride)
		bias = nil
	default:
		wk.sgemm(true, rows, cols, k, 1, t.x.Host[r0*t.x.Stride:], t.x.Stride, t.w.Host[c0*t.w.Stride:], t.w.Stride, 0, out, t.out.Stride)
	}
	for r := 0; r < rows; r++ {
		row := out[r*t.out.Stride : r*t.out.Stride+cols]
		switch t.act {
		case compute.GELUTanh:
			vec.GELUTanh(row, bias)
		case compute.GELUErf:
			vec.GELUErf(row, bias)
		default:
			if bias != nil {
				vec.Add(row, row, bias)
			}
		}
	}
}

// packTask packs strips of x for the direct kernels on all workers.
type packTask struct {
	xp     *gemm.XPack
	x      compute.Tensor
	strips int // per item
}

func (t *packTask) run(_ *worker, i int) {
	s0 := i * t.strips
	t.xp.PackStrips(t.x.Host, t.x.Stride, s0, min(s0+t.strips, t.xp.Strips()))
}

// xCache remembers which activations b.xp (packed strips) or b.xb
// (bfloat16 rows) holds, so the query, key and value products of one
// input prepare it once. Any operation that writes memory overlapping it
// forgets it (Backend.wrote).
type xCache struct {
	valid              bool
	lo, hi             uintptr
	rows, cols, stride int
	form               int
}

// The forms of prepared activations.
const (
	xStrips = iota
	xBF16Rows
	xPadded
)

func (c *xCache) holds(x compute.Tensor, form int) bool {
	lo, hi := span(x)
	return c.valid && c.lo == lo && c.hi == hi && c.rows == x.Rows && c.cols == x.Cols && c.stride == x.Stride && c.form == form
}

func (c *xCache) set(x compute.Tensor, form int) {
	lo, hi := span(x)
	*c = xCache{valid: true, lo: lo, hi: hi, rows: x.Rows, cols: x.Cols, stride: x.Stride, form: form}
}

// Linear implements compute.Backend: dst = act(x·wᵀ + bias). dst may
// overlap x, w or bias; the product then goes through a scratch buffer.
func (b *Backend) Linear(dst, x, w, bias compute.Tensor, act compute.Activation) {
	compute.CheckLinear("cpu", dst, x, w, bias, act)
	m, k, n := x.Rows, x.Cols, w.Rows
	if m == 0 || n == 0 {
		return
	}
	defer b.enter()()
	out := dst
	aliased := overlaps(dst, x) || overlaps(dst, w) || overlaps(dst, bias)
	if aliased {
		b.spare = grow(b.spare, m*n)
		out = compute.Tensor{Rows: m, Cols: n, Stride: n, Host: b.spare}
	}
	t := &b.lin
	*t = linearTask{out: out, x: x, w: w, bias: bias, act: act}
	threads := len(b.pool.workers)
	if b.direct && k > 0 {
		b.directPlan(t, x, w)
	} else {
		t.rb, t.cc, t.nCols = m, n, 1
	}
	items := ((m + t.rb - 1) / t.rb) * t.nCols
	if (m*n*k < linSerial || threads == 1) && t.xp == nil {
		t.rb, t.cc, t.nCols, items = m, n, 1, 1
	} else if !b.direct {
		rowBlocks := (m + linRows - 1) / linRows
		t.rb = (m + rowBlocks - 1) / rowBlocks
		chunks := max(1, (threads*linTasksPerThread+rowBlocks-1)/rowBlocks)
		t.cc = roundUp((n+chunks-1)/chunks, linAlign)
		t.nCols = (n + t.cc - 1) / t.cc
		items = rowBlocks * t.nCols
	}
	if items == 1 || threads == 1 || m*n*k < linSerial {
		for i := 0; i < items; i++ {
			t.run(b.pool.workers[0], i)
		}
	} else {
		b.pool.parallel(t, items)
	}
	*t = linearTask{} // drop references to the caller's tensors
	if aliased {
		for r := 0; r < m; r++ {
			copy(dst.Host[r*dst.Stride:r*dst.Stride+n], b.spare[r*n:(r+1)*n])
		}
	}
	b.wrote(dst)
}

// directPlan picks the direct path's kernels for w (its packed copy, or w
// read in place) and splits the product into blocks: whole 32-row (in
// place: 256-row) blocks by chunks of whole 32- (in place: 96-) column
// groups, about linTasksPerThread per worker.
func (b *Backend) directPlan(t *linearTask, x, w compute.Tensor) {
	m, n := x.Rows, w.Rows
	e := b.reg.lookup(w)
	align, rowsPer := linAlign, linRows
	switch {
	case e != nil && e.kind == kindPacked16:
		b.pview.View(w.Host, n, gemm.BF16Words(w.Cols))
		t.packed16 = &b.pview
		t.xbw = gemm.BF16Words(x.Cols)
		t.xb = b.roundX(x)
	case e != nil && e.kind == kindPacked32:
		b.pview.View(w.Host, n, w.Cols)
		t.packed = &b.pview
		t.x = b.padX(x)
	case e != nil && e.bg.Load() != nil:
		t.packed = e.bg.Load()
		t.x = b.padX(x)
	default:
		if w.Stride < w.Cols && w.Rows > 1 {
			panic("cpu: a prepared weight used in part, or after Free; prepared weights are used whole")
		}
		if e != nil {
			b.reg.enqueue(e)
		}
		t.xp = b.packX(x)
		align, rowsPer = dirAlign, 256
	}
	rowBlocks := (m + rowsPer - 1) / rowsPer
	t.rb = (m + rowBlocks - 1) / rowBlocks
	if t.xp != nil {
		t.rb = roundUp(t.rb, 32)
	}
	threads := len(b.pool.workers)
	chunks := max(1, (threads*linTasksPerThread+rowBlocks-1)/rowBlocks)
	t.cc = roundUp((n+chunks-1)/chunks, align)
	t.nCols = (n + t.cc - 1) / t.cc
}

// padX returns x, or, when its row stride would make every product block
// copy it (gemm.CrowdedStride: the MLP's 3072-wide hidden rows), a copy
// with a padded stride made once for all blocks.
func (b *Backend) padX(x compute.Tensor) compute.Tensor {
	if !gemm.CrowdedStride(x.Stride) || x.Rows < 2 {
		return x
	}
	ld := gemm.PaddedStride(x.Cols)
	if !b.xc.holds(x, xPadded) {
		b.xpad = grow(b.xpad, x.Rows*ld)
		t := &b.copy
		*t = copyTask{dst: b.xpad, ld: ld, x: x, rows: max(1, 16384/x.Cols)}
		b.pool.parallel(t, (x.Rows+t.rows-1)/t.rows)
		*t = copyTask{}
		b.xc.set(x, xPadded)
	}
	return compute.Tensor{Rows: x.Rows, Cols: x.Cols, Stride: ld, Host: b.xpad[:(x.Rows-1)*ld+x.Cols]}
}

// copyTask copies rows of x into dst with row stride ld.
type copyTask struct {
	dst  []float32
	ld   int
	x    compute.Tensor
	rows int // per item
}

func (t *copyTask) run(_ *worker, i int) {
	for r := i * t.rows; r < min((i+1)*t.rows, t.x.Rows); r++ {
		copy(t.dst[r*t.ld:r*t.ld+t.x.Cols], t.x.Host[r*t.x.Stride:])
	}
}

// roundTask rounds rows of x to bfloat16 pairs for MulTPackedBF16.
type roundTask struct {
	dst  []float32
	x    compute.Tensor
	rows int // per item
}

func (t *roundTask) run(_ *worker, i int) {
	gemm.RowsBF16(t.dst, t.x.Host, t.x.Stride, t.x.Cols, i*t.rows, min((i+1)*t.rows, t.x.Rows))
}

// roundX returns x's rows rounded to bfloat16 pairs, unless b.xb already
// holds exactly them.
func (b *Backend) roundX(x compute.Tensor) []float32 {
	words := gemm.BF16Words(x.Cols)
	if b.xc.holds(x, xBF16Rows) {
		return b.xb[:x.Rows*words]
	}
	b.xb = grow(b.xb, x.Rows*words)
	t := &b.round
	*t = roundTask{dst: b.xb, x: x, rows: max(1, 8192/words)}
	if items := (x.Rows + t.rows - 1) / t.rows; items == 1 || len(b.pool.workers) == 1 {
		t.rows = x.Rows
		t.run(b.pool.workers[0], 0)
	} else {
		b.pool.parallel(t, items)
	}
	*t = roundTask{}
	b.xc.set(x, xBF16Rows)
	return b.xb
}

// packX packs x for gemm.MulW, unless b.xp already holds exactly it.
func (b *Backend) packX(x compute.Tensor) *gemm.XPack {
	if b.xc.holds(x, xStrips) {
		return &b.xp
	}
	b.xp.Reset(x.Rows, x.Cols)
	t := &b.pack
	*t = packTask{xp: &b.xp, x: x, strips: 1}
	if n := b.xp.Strips(); n == 1 || len(b.pool.workers) == 1 || x.Len() < linSerial/16 {
		t.strips = n
		t.run(b.pool.workers[0], 0)
	} else {
		b.pool.parallel(t, n)
	}
	*t = packTask{}
	b.xc.set(x, xStrips)
	return &b.xp
}

// wrote forgets the packed activations when t's memory overlaps them:
// every operation calls it on what it wrote.
func (b *Backend) wrote(t compute.Tensor) {
	if !b.xc.valid {
		return
	}
	if lo, hi := span(t); lo < b.xc.hi && b.xc.lo < hi {
		b.xc.valid = false
	}
}

// span returns the byte range a host tensor's elements occupy, [0, 0) when
// it has none.
func span(t compute.Tensor) (lo, hi uintptr) {
	if t.Rows == 0 || t.Cols == 0 || len(t.Host) == 0 {
		return 0, 0
	}
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(t.Host)))
	return lo, lo + uintptr((t.Rows-1)*t.Stride+t.Cols)*4
}

func roundUp(v, to int) int { return (v + to - 1) / to * to }

// overlaps reports whether the memory of two host tensors intersects.
func overlaps(a, b compute.Tensor) bool {
	if len(a.Host) == 0 || len(b.Host) == 0 {
		return false
	}
	a0 := uintptr(unsafe.Pointer(unsafe.SliceData(a.Host)))
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(b.Host)))
	return a0 < b0+uintptr(len(b.Host))*4 && b0 < a0+uintptr(len(a.Host))*4
}
