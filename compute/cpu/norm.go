package cpu

import (
	"math"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/vec"
)

// Element-wise operations are split into items of about ewChunk elements;
// ones smaller than ewSerial run on the caller alone.
const (
	ewChunk  = 1 << 14
	ewSerial = 1 << 15
)

// normTask normalises rows [i·rows, (i+1)·rows) of x into dst.
type normTask struct {
	dst, x, gain, bias compute.Tensor
	eps                float32
	rows               int
}

func (t *normTask) run(_ *worker, i int) {
	n := t.x.Cols
	g, bi := t.gain.Host[:n], t.bias.Host[:n]
	for r := i * t.rows; r < min((i+1)*t.rows, t.x.Rows); r++ {
		xr := t.x.Host[r*t.x.Stride : r*t.x.Stride+n]
		mean := vec.Sum(xr) / float32(n)
		// Two passes: Σ(x−mean)² stays accurate when |mean| ≫ std.
		variance := vec.SumSqDev(xr, mean) / float32(n)
		inv := float32(1 / math.Sqrt(float64(variance)+float64(t.eps)))
		vec.Normalize(t.dst.Host[r*t.dst.Stride:r*t.dst.Stride+n], xr, mean, inv, g, bi)
	}
}

// LayerNorm implements compute.Backend; dst may be x (but must not
// partially overlap it).
func (b *Backend) LayerNorm(dst, x, gain, bias compute.Tensor, eps float32) {
	compute.CheckLayerNorm("cpu", dst, x, gain, bias)
	defer b.enter()()
	if x.Rows == 0 || x.Cols == 0 {
		return
	}
	t := &b.norm
	*t = normTask{dst: dst, x: x, gain: gain, bias: bias, eps: eps}
	t.rows = max(1, ewChunk/x.Cols)
	items := (x.Rows + t.rows - 1) / t.rows
	if x.Len() < ewSerial {
		t.rows, items = x.Rows, 1
	}
	b.pool.parallel(t, items)
	*t = normTask{}
	b.wrote(dst)
}

// addTask adds rows [i·rows, (i+1)·rows), or, for dense operands viewed
// as one row, elements [i·ewChunk, (i+1)·ewChunk).
type addTask struct {
	dst, a, b compute.Tensor
	rows      int
	flat      bool
}

func (t *addTask) run(_ *worker, i int) {
	if t.flat {
		n := t.dst.Len()
		lo, hi := i*ewChunk, min((i+1)*ewChunk, n)
		vec.Add(t.dst.Host[lo:hi], t.a.Host[lo:hi], t.b.Host[lo:hi])
		return
	}
	n := t.dst.Cols
	for r := i * t.rows; r < min((i+1)*t.rows, t.dst.Rows); r++ {
		vec.Add(t.dst.Host[r*t.dst.Stride:r*t.dst.Stride+n], t.a.Host[r*t.a.Stride:], t.b.Host[r*t.b.Stride:])
	}
}

// Add implements compute.Backend; dst may be a or b (but must not
// partially overlap them).
func (b *Backend) Add(dst, x, y compute.Tensor) {
	compute.CheckAdd("cpu", dst, x, y)
	defer b.enter()()
	if dst.Len() == 0 {
		return
	}
	t := &b.add
	*t = addTask{dst: dst, a: x, b: y}
	var items int
	if dst.Dense() && x.Dense() && y.Dense() {
		t.flat = true
		items = (dst.Len() + ewChunk - 1) / ewChunk
	} else {
		t.rows = max(1, ewChunk/dst.Cols)
		items = (dst.Rows + t.rows - 1) / t.rows
	}
	if dst.Len() < ewSerial {
		items = 1
		t.flat, t.rows = false, dst.Rows
	}
	b.pool.parallel(t, items)
	*t = addTask{}
	b.wrote(dst)
}
