package cpu

import "sync/atomic"

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
type pool struct {
	workers []*worker
	wake    []chan struct{} // wake[h] starts helper h (worker h+1)
	done    chan struct{}

	t    task
	n    int64
	next atomic.Int64
}

func newPool(workers []*worker) *pool {
	p := &pool{workers: workers, done: make(chan struct{}, len(workers))}
	for h := 1; h < len(workers); h++ {
		ch := make(chan struct{})
		p.wake = append(p.wake, ch)
		go p.helper(ch, workers[h])
	}
	return p
}

func (p *pool) helper(wake chan struct{}, w *worker) {
	for range wake {
		p.drain(w)
		p.done <- struct{}{}
	}
}

// parallel runs items 0..n-1 of t on up to all workers and returns when
// every item is done.
func (p *pool) parallel(t task, n int) {
	if n <= 0 {
		return
	}
	helpers := min(len(p.workers)-1, n-1)
	if helpers <= 0 {
		for i := 0; i < n; i++ {
			t.run(p.workers[0], i)
		}
		return
	}
	p.t, p.n = t, int64(n)
	p.next.Store(0)
	for h := 0; h < helpers; h++ {
		p.wake[h] <- struct{}{}
	}
	p.drain(p.workers[0])
	for h := 0; h < helpers; h++ {
		<-p.done
	}
	p.t = nil
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
	for _, ch := range p.wake {
		close(ch)
	}
	p.wake = nil
}
