package cpu

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
	"weak"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/gemm"
)

// How the direct (AVX-512) path holds Linear weights:
//
//   - prepared (PrepareLinearWeight, at load): packed once into the
//     micro-kernels' strips, float32 or, in bfloat16 mode, bfloat16 pairs;
//     the returned tensor's memory is the packed strips (its Stride is 0,
//     which no plain tensor of several rows has).
//   - in place (HostWeight): a float32 weight read where it lies, a
//     memory-mapped checkpoint included, so loading copies nothing and the
//     first forward pass starts at once (gemm.MulW). After its first use
//     such a weight is packed in the background (packer), at most a few
//     milliseconds at a time while operations run; from then on products
//     use the packed copy, about 10% faster, and the weight's own pages
//     are let go (its release function), so memory does not grow.
//
// Any other weight (a view, an activation) is multiplied in place.

const (
	kindPacked32 = iota // prepared, float32 strips
	kindPacked16        // prepared, bfloat16 strips
	kindHost            // read in place, packed in the background
)

// Background packing states of a kindHost entry.
const (
	bgNew = iota
	bgQueued
	bgPacking
	bgDone
	bgFreed
)

// weightEntry is one weight the registry knows, matched by its first
// element, shape and stride.
type weightEntry struct {
	key                uintptr
	rows, cols, stride int
	kind               int

	// kindHost:
	data    []float32                   // the weight itself
	release func()                      // lets data's pages go, or nil
	bg      atomic.Pointer[gemm.Packed] // the background copy, once done
	state   int                         // guarded by registry.mu

	// Prepared weights live in the Go heap: when their memory is
	// collected, cleanup drops the entry.
	first   weak.Pointer[float32]
	cleanup runtime.Cleanup
}

// registry holds the weights of one Backend and its background packer.
type registry struct {
	mu       sync.Mutex
	m        map[uintptr]*weightEntry
	queue    []*weightEntry
	running  bool          // the packer goroutine is alive
	packing  sync.Mutex    // held while the packer reads an entry's data
	busy     atomic.Int32  // operations running now
	lastOp   atomic.Int64  // when the last operation ended (UnixNano)
	stop     chan struct{} // closed when the Backend is closed
	stopOnce *sync.Once    // (its own allocation: the Backend's cleanup uses it)
	// budget is the memory background copies may take (bytes); used
	// counts it.
	budget, used int64
}

// lookup returns the entry of w when w is a whole registered weight.
func (r *registry) lookup(w compute.Tensor) *weightEntry {
	if len(w.Host) == 0 {
		return nil
	}
	key := uintptr(unsafe.Pointer(&w.Host[0]))
	r.mu.Lock()
	e := r.m[key]
	r.mu.Unlock()
	if e == nil || e.rows != w.Rows || e.cols != w.Cols || e.stride != w.Stride {
		return nil
	}
	if e.kind != kindHost && e.first.Value() != &w.Host[0] {
		return nil
	}
	return e
}

func (r *registry) add(e *weightEntry) {
	r.mu.Lock()
	if r.m == nil {
		r.m = map[uintptr]*weightEntry{}
	}
	if old := r.m[e.key]; old != nil && old.kind == kindHost {
		old.state = bgFreed
	}
	r.m[e.key] = e
	r.mu.Unlock()
}

// remove forgets e; for an in-place weight it waits until the packer no
// longer reads it, so the caller may unmap its memory afterwards.
func (r *registry) remove(e *weightEntry) {
	r.mu.Lock()
	if r.m[e.key] == e {
		delete(r.m, e.key)
	}
	wasPacking := e.kind == kindHost && e.state == bgPacking
	if e.kind == kindHost {
		if p := e.bg.Load(); p != nil && e.state == bgDone {
			r.used -= int64(p.Bytes())
		}
		e.state = bgFreed
		e.bg.Store(nil)
	}
	r.mu.Unlock()
	if wasPacking {
		r.packing.Lock() // the packer sees bgFreed and drops its copy
		r.packing.Unlock()
	}
}

// enqueue schedules an in-place weight for background packing.
func (r *registry) enqueue(e *weightEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	size := int64(roundUp(e.rows, 32)) * int64(e.cols) * 4
	if e.state != bgNew || r.used+size > r.budget || r.stop == nil {
		return
	}
	e.state = bgQueued
	r.used += size
	r.queue = append(r.queue, e)
	if !r.running {
		r.running = true
		go r.run()
	}
}

// packStrips is the packer's unit of work between two looks at whether
// operations are running (a few milliseconds at most).
const packStrips = 4

// The packer works once no operation has run for packIdle (a forward pass
// is a run of operations microseconds apart: it is not slowed down); under
// continuous work it still packs a few strips every packPatience.
const (
	packIdle     = 10 * time.Millisecond
	packPatience = 500 * time.Millisecond
)

// awaitIdle returns when the Backend has been idle for packIdle, or after
// packPatience, or when it is closed (false).
func (r *registry) awaitIdle() bool {
	start := time.Now()
	for {
		select {
		case <-r.stop:
			return false
		default:
		}
		if r.busy.Load() == 0 && time.Since(time.Unix(0, r.lastOp.Load())) >= packIdle || time.Since(start) >= packPatience {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// run is the packer: it packs the queued weights one by one, a few strips
// at a time when the Backend is idle (awaitIdle), publishes each copy and
// lets the weight's pages go.
func (r *registry) run() {
	for {
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		e := r.queue[0]
		r.queue = r.queue[1:]
		if e.state != bgQueued {
			r.mu.Unlock()
			continue
		}
		e.state = bgPacking
		r.packing.Lock()
		r.mu.Unlock()

		p := &gemm.Packed{}
		p.Reset(e.rows, e.cols)
		stopped := false
		for s := 0; s < p.Strips() && !stopped; s += packStrips {
			if !r.awaitIdle() {
				stopped = true
				continue
			}
			r.mu.Lock()
			freed := e.state == bgFreed
			r.mu.Unlock()
			if freed {
				break
			}
			p.PackStrips(e.data, e.stride, s, min(s+packStrips, p.Strips()))
		}

		r.mu.Lock()
		var release func()
		if e.state == bgPacking && !stopped {
			e.bg.Store(p)
			e.state = bgDone
			release = e.release
		} else if e.state == bgPacking {
			e.state = bgNew
			r.used -= int64(p.Bytes())
		}
		r.packing.Unlock()
		r.mu.Unlock()
		if release != nil {
			release()
		}
		if stopped {
			r.mu.Lock()
			r.running = false
			r.mu.Unlock()
			return
		}
	}
}

// enter marks an operation as running (the packer yields to it) and
// returns the function that ends it.
func (b *Backend) enter() func() {
	b.reg.busy.Add(1)
	return b.leave
}

func (b *Backend) leave() {
	b.reg.lastOp.Store(time.Now().UnixNano())
	b.reg.busy.Add(-1)
}

// HostWeight implements compute.HostWeightReader: on the direct path the
// CPU backend reads a host tensor in place, so data (rows×cols, row-major)
// becomes a tensor without a copy; with a library or the Go sgemm it
// answers false (a copy of its own). On the direct path, a weight used as a whole
// Linear weight is packed in the background after its first use; release
// (when not nil) is then called to let data's pages go. data must stay
// unchanged until Free.
func (b *Backend) HostWeight(data []float32, rows, cols int, release func()) (compute.Tensor, bool) {
	if rows < 0 || cols < 0 || len(data) < rows*cols {
		panic(fmt.Sprintf("cpu: host weight %dx%d over %d values", rows, cols, len(data)))
	}
	if !b.direct {
		// A library (OpenBLAS) multiplies here: weights are copied and
		// q|k|v stacked as one product whatever the checkpoint stores, so
		// its float32 and half-precision forms sum in the same order.
		return compute.Tensor{}, false
	}
	t := compute.Tensor{Rows: rows, Cols: cols, Stride: cols, Host: data[: rows*cols : rows*cols]}
	if rows*cols >= minPacked {
		b.reg.add(&weightEntry{key: uintptr(unsafe.Pointer(&data[0])), rows: rows, cols: cols, stride: cols,
			kind: kindHost, data: t.Host, release: release})
	}
	return t, true
}

// MultipliesInPlace implements compute.HostWeightReader: only the AVX-512
// direct kernels multiply float32 weights where they lie; in bfloat16 mode
// Linear weights are converted at load (PrepareLinearWeight).
func (b *Backend) MultipliesInPlace() bool { return b.direct && !b.bf16 }

// minPacked is the smallest weight (in elements) worth packing.
const minPacked = 1 << 14

// prepareTask packs strips of one weight on all workers.
type prepareTask struct {
	p      *gemm.Packed
	w      compute.Tensor
	bf16   bool
	strips int // per item
}

func (t *prepareTask) run(wk *worker, i int) {
	s0 := i * t.strips
	s1 := min(s0+t.strips, t.p.Strips())
	if t.bf16 {
		wk.tmp = grow(wk.tmp, 32*t.p.K)
		t.p.PackBF16Strips(t.w.Host, t.w.Stride, t.w.Cols, s0, s1, wk.tmp)
		return
	}
	t.p.PackStrips(t.w.Host, t.w.Stride, s0, s1)
}

// PrepareLinearWeight implements compute.LinearWeightPreparer. On the
// direct path it packs w once into the micro-kernels' strips, on every
// worker: in bfloat16 mode as bfloat16 pairs (half the bytes of w, rounded
// to nearest even), else in float32 — except a weight HostWeight made,
// which stays in place, and float32 weights too small to gain from it
// (false: nothing to prepare). The returned tensor's
// memory is the strips; it may only be passed whole as Linear's w and to
// Free.
func (b *Backend) PrepareLinearWeight(w compute.Tensor) (compute.Tensor, bool) {
	if !b.direct || w.Rows*w.Cols == 0 || len(w.Host) == 0 || w.Rows*w.Cols < minPacked && !b.bf16 {
		return compute.Tensor{}, false
	}
	if e := b.reg.lookup(w); e != nil && e.kind == kindHost && !b.bf16 {
		return compute.Tensor{}, false
	}
	defer b.enter()()
	p := &gemm.Packed{}
	kind := kindPacked32
	if b.bf16 {
		p.Reset(w.Rows, gemm.BF16Words(w.Cols))
		kind = kindPacked16
	} else {
		p.Reset(w.Rows, w.Cols)
	}
	t := &b.prepare
	*t = prepareTask{p: p, w: w, bf16: b.bf16, strips: 2}
	b.pool.parallel(t, (p.Strips()+t.strips-1)/t.strips)
	*t = prepareTask{}
	data := p.Data()
	// The tensor's Host is the strips (its Stride a marker no plain tensor
	// has: 0), recognised by the registry.
	prepared := compute.Tensor{Rows: w.Rows, Cols: w.Cols, Stride: 0, Host: data}
	e := &weightEntry{key: uintptr(unsafe.Pointer(&data[0])), rows: w.Rows, cols: w.Cols, stride: 0, kind: kind,
		first: weak.Make(&data[0])}
	reg := &b.reg
	e.cleanup = runtime.AddCleanup(&data[0], func(e *weightEntry) { reg.remove(e) }, e)
	reg.add(e)
	return prepared, true
}
