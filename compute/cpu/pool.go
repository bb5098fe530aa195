package cpu

import (
	"runtime"
	"sync/atomic"
	"time"
)

// task is one parallel operation: run does item i on worker w. Operations
// keep their task values in the Backend and pass pointers, so dispatching
// allocates nothing.
type task interface {
	run(w *worker, i int)
}

// pool is a small set of persistent goroutines, one per worker but the
// first, which is the calling goroutine itself. Items are handed out through
// an atomic counter, so a worker slowed down by another process on the
// machine simply takes fewer.
//
// A forward pass is a run of operations a few microseconds apart, each
// split over the workers, so between two operations the helpers spin for a
// while (spinFor) watching for the next one instead of going to sleep:
// waking a sleeping thread costs tens of microseconds, which at 196 tokens
// is a sizeable part of a LayerNorm or an attention block. Only after
// spinFor without work does a helper block on its channel. The caller
// likewise spins briefly for the helpers to finish before blocking.
type pool struct {
	workers []*worker
	wake    []chan struct{} // wake[h] starts helper h (worker h+1) when it sleeps
	asleep  []atomic.Bool   // helper h is blocked (or about to block) on wake[h]
	done    chan struct{}   // a helper finished the last item while the caller slept
	closed  atomic.Bool

	gen     atomic.Uint64 // one more for every operation handed out
	t       task
	n       int64
	next    atomic.Int64
	pending atomic.Int32 // helpers still working on the current operation
	waiting atomic.Bool  // the caller is blocked on done
}

// spinFor is how long an idle helper keeps watching for the next operation
// before it sleeps, and how long the caller spins for the helpers before
// it blocks. A variable so benchmarks can compare values.
var spinFor = 50 * time.Microsecond

func newPool(workers []*worker) *pool {
	p := &pool{workers: workers, done: make(chan struct{}, 1)}
	p.asleep = make([]atomic.Bool, max(0, len(workers)-1))
	for h := 1; h < len(workers); h++ {
		ch := make(chan struct{}, 1)
		p.wake = append(p.wake, ch)
		go p.helper(h-1, ch, workers[h])
	}
	return p
}

func (p *pool) helper(h int, wake chan struct{}, w *worker) {
	var seen uint64 // the pool's generation when it was made: no operation yet
	for {
		if !p.await(h, wake, seen) {
			return
		}
		seen = p.gen.Load()
		p.drain(w)
		if p.pending.Add(-1) == 0 && p.waiting.Load() {
			select {
			case p.done <- struct{}{}:
			default:
			}
		}
	}
}

// await waits until an operation newer than seen is handed out: spinning
// for spinFor, then blocking. It reports false when the pool closed.
func (p *pool) await(h int, wake chan struct{}, seen uint64) bool {
	start := time.Now()
	for i := 0; p.gen.Load() == seen; i++ {
		if p.closed.Load() {
			return false
		}
		if i&63 == 63 {
			if time.Since(start) < spinFor {
				runtime.Gosched()
				continue
			}
			// Going to sleep: say so first, then look once more, so
			// that parallel either sees asleep or the helper sees the
			// new operation (no lost wake-up).
			p.asleep[h].Store(true)
			if p.gen.Load() != seen {
				p.asleep[h].Store(false)
				return true
			}
			_, ok := <-wake
			p.asleep[h].Store(false)
			if !ok {
				return false
			}
			start = time.Now()
		}
	}
	return true
}

// parallel runs items 0..n-1 of t on up to all workers and returns when
// every item is done.
func (p *pool) parallel(t task, n int) {
	if n <= 0 {
		return
	}
	helpers := len(p.workers) - 1
	if helpers <= 0 || n == 1 {
		for i := 0; i < n; i++ {
			t.run(p.workers[0], i)
		}
		return
	}
	p.t, p.n = t, int64(n)
	p.next.Store(0)
	p.pending.Store(int32(helpers))
	p.gen.Add(1)
	for h := range helpers {
		if p.asleep[h].Load() {
			select {
			case p.wake[h] <- struct{}{}:
			default:
			}
		}
	}
	p.drain(p.workers[0])
	p.wait()
	p.t = nil
}

// wait returns when every helper has finished the current operation:
// spinning for spinFor, then blocking on done.
func (p *pool) wait() {
	start := time.Now()
	for i := 0; p.pending.Load() > 0; i++ {
		if i&63 != 63 {
			continue
		}
		if time.Since(start) < spinFor {
			runtime.Gosched()
			continue
		}
		p.waiting.Store(true)
		for p.pending.Load() > 0 {
			<-p.done
		}
		p.waiting.Store(false)
		select { // a signal sent after the last check
		case <-p.done:
		default:
		}
		return
	}
}

func (p *pool) drain(w *worker) {
	for {
		i := p.next.Add(1) - 1
		if i >= p.n {
			return
		}
		p.t.run(w, int(i))
	}
}

// close stops the helper goroutines; the pool must be idle.
func (p *pool) close() {
	if p.closed.Swap(true) {
		return
	}
	for _, ch := range p.wake {
		close(ch)
	}
}
