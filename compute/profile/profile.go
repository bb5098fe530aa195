// Package profile wraps a compute.Backend and measures how long each kind of
// operation takes, for the bench command's per-stage breakdown. Every
// operation is followed by Sync, so on device backends the times are the
// device's and not the launch overhead; that serialisation makes the total
// a little slower than an unprofiled run.
//
// This package imports only package compute.
package profile

import (
	"sort"
	"time"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// Backend is a compute.Backend that times the operations it forwards.
type Backend struct {
	compute.Backend
	times map[string]time.Duration
	calls map[string]int
}

// Wrap returns a profiling wrapper around b.
func Wrap(b compute.Backend) *Backend {
	return &Backend{Backend: b, times: map[string]time.Duration{}, calls: map[string]int{}}
}

func (p *Backend) timed(op string, f func()) {
	start := time.Now()
	f()
	_ = p.Backend.Sync() // errors surface at the caller's own Sync
	p.times[op] += time.Since(start)
	p.calls[op]++
}

// Linear implements compute.Backend.
func (p *Backend) Linear(dst, x, w, bias compute.Tensor, act compute.Activation) {
	op := "matmul"
	if act != compute.NoActivation {
		op = "matmul+gelu"
	}
	p.timed(op, func() { p.Backend.Linear(dst, x, w, bias, act) })
}

// LayerNorm implements compute.Backend.
func (p *Backend) LayerNorm(dst, x, gain, bias compute.Tensor, eps float32) {
	p.timed("layernorm", func() { p.Backend.LayerNorm(dst, x, gain, bias, eps) })
}

// Add implements compute.Backend.
func (p *Backend) Add(dst, a, b compute.Tensor) {
	p.timed("add", func() { p.Backend.Add(dst, a, b) })
}

// Attention implements compute.Backend.
func (p *Backend) Attention(dst, q, k, v, probs compute.Tensor, s compute.AttentionShape) {
	p.timed("attention", func() { p.Backend.Attention(dst, q, k, v, probs, s) })
}

// Upload implements compute.Backend.
func (p *Backend) Upload(t compute.Tensor, src []float32) error {
	var err error
	p.timed("upload", func() { err = p.Backend.Upload(t, src) })
	return err
}

// Download implements compute.Backend.
func (p *Backend) Download(dst []float32, t compute.Tensor) error {
	var err error
	p.timed("download", func() { err = p.Backend.Download(dst, t) })
	return err
}

// Stage is the accumulated time of one kind of operation.
type Stage struct {
	Op    string
	Time  time.Duration
	Calls int
}

// Stages returns the accumulated times, longest first.
func (p *Backend) Stages() []Stage {
	out := make([]Stage, 0, len(p.times))
	for op, t := range p.times {
		out = append(out, Stage{Op: op, Time: t, Calls: p.calls[op]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time > out[j].Time })
	return out
}

// Reset clears the accumulated times.
func (p *Backend) Reset() {
	clear(p.times)
	clear(p.calls)
}
