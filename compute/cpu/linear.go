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
	direct          bool         // use the AVX-512 direct-A kernels
	packed          *gemm.Packed // w packed for them, or nil
}

func (t *linearTask) run(wk *worker, i int) {
	r0 := (i / t.nCols) * t.rb
	c0 := (i % t.nCols) * t.cc
	rows := min(t.rb, t.out.Rows-r0)
	cols := min(t.cc, t.out.Cols-c0)
	k := t.x.Cols
	out := t.out.Host[r0*t.out.Stride+c0:]
	if k == 0 {
		for r := 0; r < rows; r++ {
			clear(out[r*t.out.Stride : r*t.out.Stride+cols])
		}
	} else if t.packed != nil {
		wk.gemm.MulTPacked(rows, c0, c0+cols, t.x.Host[r0*t.x.Stride:], t.x.Stride, t.packed, out, t.out.Stride, false)
	} else if t.direct {
		wk.gemm.MulT(rows, cols, k, t.x.Host[r0*t.x.Stride:], t.x.Stride, t.w.Host[c0*t.w.Stride:], t.w.Stride, out, t.out.Stride, false)
	} else {
		wk.sgemm(true, rows, cols, k, 1, t.x.Host[r0*t.x.Stride:], t.x.Stride, t.w.Host[c0*t.w.Stride:], t.w.Stride, 0, out, t.out.Stride)
	}
	var bias []float32
	if !t.bias.Empty() {
		bias = t.bias.Host[c0 : c0+cols]
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

// Linear implements compute.Backend: dst = act(x·wᵀ + bias). dst may
// overlap x, w or bias; the product then goes through a scratch buffer.
func (b *Backend) Linear(dst, x, w, bias compute.Tensor, act compute.Activation) {
	compute.CheckLinear("cpu", dst, x, w, bias, act)
	m, k, n := x.Rows, x.Cols, w.Rows
	if m == 0 || n == 0 {
		return
	}
	out := dst
	aliased := overlaps(dst, x) || overlaps(dst, w) || overlaps(dst, bias)
	if aliased {
		b.spare = grow(b.spare, m*n)
		out = compute.Tensor{Rows: m, Cols: n, Stride: n, Host: b.spare}
	}
	var packed *gemm.Packed
	if b.direct && k > 0 {
		packed = b.packed(w)
	}
	t := &b.lin
	*t = linearTask{out: out, x: x, w: w, bias: bias, act: act, direct: b.direct, packed: packed}
	threads := len(b.pool.workers)
	if m*n*k < linSerial || threads == 1 {
		t.rb, t.cc, t.nCols = m, n, 1
		t.run(b.pool.workers[0], 0)
	} else {
		rowBlocks := (m + linRows - 1) / linRows
		t.rb = (m + rowBlocks - 1) / rowBlocks
		chunks := max(1, (threads*linTasksPerThread+rowBlocks-1)/rowBlocks)
		t.cc = roundUp((n+chunks-1)/chunks, linAlign)
		t.nCols = (n + t.cc - 1) / t.cc
		b.pool.parallel(t, rowBlocks*t.nCols)
	}
	*t = linearTask{} // drop references to the caller's tensors
	if aliased {
		for r := 0; r < m; r++ {
			copy(dst.Host[r*dst.Stride:r*dst.Stride+n], b.spare[r*n:(r+1)*n])
		}
	}
	b.cache.written(dst)
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
