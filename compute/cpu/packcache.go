package cpu

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"unsafe"
	"weak"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/gemm"
)

// defaultPackBudget bounds the packed copies of Linear weights a Backend
// keeps (Options.PackBudget): the base model's two towers need about
// 680 MB; larger models keep the weights met first.
const defaultPackBudget = 1 << 30

// minPacked is the smallest weight (in elements) worth a packed copy.
const minPacked = 1 << 14

// packCache keeps, for Linear weights, a copy packed in the layout of the
// AVX-512 micro-kernels, so a forward pass never repacks them. Weights are
// recognised by their memory (first element, shape, stride). An entry is
// dropped when the Backend writes memory it covers (Upload, Free, the
// destination of any operation) and when the weight's memory is garbage
// collected: the entry holds only a weak pointer to it, so a model that
// is dropped does not stay alive through the cache.
//
// The price is that memory used as a Linear weight must change only
// through the Backend (Upload or an operation) or be freed first; writing
// into Tensor.Host directly after a tensor was used as a weight is not
// seen. The engine writes weights straight into Host only while loading,
// before any Linear.
type packCache struct {
	mu      sync.Mutex // the cleanups run on their own goroutine
	entries []*packEntry
	bytes   int64
	budget  int64
}

type packEntry struct {
	first              weak.Pointer[float32]
	lo, hi             uintptr // the bytes the weight view spans
	rows, cols, stride int
	size               int64 // bytes of p
	p                  gemm.Packed
	// prepared marks the entry of a PrepareLinearWeight tensor: the
	// weight's only copy, not counted in the budget and kept until Free.
	prepared bool
	cache    *packCache
	cleanup  runtime.Cleanup
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

// lookup returns the packed copy of w, or nil when there is none.
func (c *packCache) lookup(w compute.Tensor) *gemm.Packed {
	if len(c.entries) == 0 || len(w.Host) == 0 {
		return nil
	}
	first := &w.Host[0]
	lo := uintptr(unsafe.Pointer(first))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.lo == lo && e.rows == w.Rows && e.cols == w.Cols && e.stride == w.Stride && e.first.Value() == first {
			return &e.p
		}
	}
	return nil
}

// add makes an empty entry for w, sized for its packed copy, or returns
// nil when w is too small, over budget, or not memory the garbage
// collector manages. The caller fills entry.p (PackStrips) before the next
// lookup.
func (c *packCache) add(w compute.Tensor) *packEntry {
	size := int64(roundUp(w.Rows, 32)) * int64(w.Cols) * 4
	if w.Rows*w.Cols < minPacked || c.bytes+size > c.budget {
		return nil
	}
	lo, hi := span(w)
	e := &packEntry{lo: lo, hi: hi, rows: w.Rows, cols: w.Cols, stride: w.Stride, size: size, cache: c}
	if !e.watch(&w.Host[0]) {
		return nil
	}
	e.first = weak.Make(&w.Host[0])
	e.p.Reset(w.Rows, w.Cols)
	c.mu.Lock()
	c.entries = append(c.entries, e)
	c.bytes += size
	c.mu.Unlock()
	return e
}

// watch arranges for e to be dropped when the memory at first is
// collected. It fails (and nothing is cached) for memory outside the Go
// heap, for which runtime.AddCleanup panics.
func (e *packEntry) watch(first *float32) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	e.cleanup = runtime.AddCleanup(first, func(e *packEntry) { e.cache.remove(e, false) }, e)
	return true
}

// remove drops e (if it is still cached); stop cancels its cleanup.
func (c *packCache) remove(e *packEntry, stop bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.entries {
		if x == e {
			c.entries = slices.Delete(c.entries, i, i+1)
			if !e.prepared {
				c.bytes -= e.size
			}
			if stop {
				e.cleanup.Stop()
			}
			return
		}
	}
}

// written drops the entries whose weight overlaps the memory of t, which
// is about to change.
func (c *packCache) written(t compute.Tensor) {
	if len(c.entries) == 0 {
		return
	}
	lo, hi := span(t)
	if lo == hi {
		return
	}
	for {
		var hit *packEntry
		c.mu.Lock()
		for _, e := range c.entries {
			if e.lo < hi && lo < e.hi && !e.prepared {
				hit = e
				break
			}
		}
		c.mu.Unlock()
		if hit == nil {
			return
		}
		c.remove(hit, true)
	}
}

// packTask packs strips of one weight on all workers.
type packTask struct {
	p      *gemm.Packed
	w      compute.Tensor
	strips int // strips per item
}

func (t *packTask) run(_ *worker, i int) {
	s0 := i * t.strips
	t.p.PackStrips(t.w.Host, t.w.Stride, s0, min(s0+t.strips, t.p.Strips()))
}

// packed returns the packed copy of the Linear weight w, packing it on
// first use; nil means w is multiplied without one.
func (b *Backend) packed(w compute.Tensor) *gemm.Packed {
	if p := b.cache.lookup(w); p != nil {
		return p
	}
	if b.cache.insidePrepared(w) {
		panic(fmt.Sprintf("cpu: a %dx%d Linear weight is part of a prepared weight; prepared weights are used whole", w.Rows, w.Cols))
	}
	e := b.cache.add(w)
	if e == nil {
		return nil
	}
	t := &b.pack
	*t = packTask{p: &e.p, w: w, strips: 4}
	b.pool.parallel(t, (e.p.Strips()+t.strips-1)/t.strips)
	*t = packTask{}
	return &e.p
}

// PrepareLinearWeight implements compute.LinearWeightPreparer: where the
// AVX-512 direct kernels run, the returned tensor's memory is w packed in
// their strips, registered so Linear finds it without packing.
func (b *Backend) PrepareLinearWeight(w compute.Tensor) (compute.Tensor, bool) {
	if !b.direct || w.Rows*w.Cols < minPacked || len(w.Host) == 0 {
		return compute.Tensor{}, false
	}
	e := &packEntry{rows: w.Rows, cols: w.Cols, stride: w.Cols, prepared: true, cache: &b.cache}
	e.p.Reset(w.Rows, w.Cols)
	data := e.p.Data()
	t := &b.pack
	*t = packTask{p: &e.p, w: w, strips: 4}
	b.pool.parallel(t, (e.p.Strips()+t.strips-1)/t.strips)
	*t = packTask{}
	prepared := compute.Tensor{Rows: w.Rows, Cols: w.Cols, Stride: w.Cols, Host: data[:w.Rows*w.Cols]}
	e.lo, e.hi = span(prepared)
	e.size = int64(4 * len(data))
	if !e.watch(&data[0]) {
		return compute.Tensor{}, false
	}
	e.first = weak.Make(&data[0])
	b.cache.mu.Lock()
	b.cache.entries = append(b.cache.entries, e)
	b.cache.mu.Unlock()
	return prepared, true
}

// insidePrepared reports whether w's memory lies in a prepared weight
// without being it.
func (c *packCache) insidePrepared(w compute.Tensor) bool {
	lo, hi := span(w)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.prepared && e.lo < hi && lo < e.hi {
			return true
		}
	}
	return false
}

// freed drops every entry of t's memory, prepared ones included.
func (c *packCache) freed(t compute.Tensor) {
	lo, hi := span(t)
	if lo == hi {
		return
	}
	c.mu.Lock()
	var hits []*packEntry
	for _, e := range c.entries {
		if e.lo < hi && lo < e.hi {
			hits = append(hits, e)
		}
	}
	c.mu.Unlock()
	for _, e := range hits {
		c.remove(e, true)
	}
}
