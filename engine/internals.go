package engine

import (
	"fmt"
	"sync"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// Internals are the per-layer tensors a forward pass captured when asked:
// hidden states after every block, attention probabilities of every block
// and, for the vision tower, the pooling head's attention. They stay on the
// backend and are copied to host memory only when read (on host backends,
// reading costs nothing).
type Internals struct {
	backend compute.Backend
	// Batch, Tokens, Hidden and Heads give the shapes of what follows.
	Batch, Tokens, Hidden, Heads int

	states    []compute.Tensor // len Layers+1: batch·tokens × hidden
	probs     []compute.Tensor // len Layers: batch·heads·tokens × tokens
	poolProbs compute.Tensor   // batch·heads × tokens; empty for text

	mu    sync.Mutex
	cache map[*compute.Tensor][]float32

	// recycle, when set, takes the tensors back on Release for the next
	// forward pass of the same shape.
	recycle *internalsPool
}

// internalsPool keeps the tensors of released captures for reuse, so a
// forward with capture does not allocate and clear tens of megabytes each
// time (the explorer releases one analysis when it makes the next).
type internalsPool struct {
	mu   sync.Mutex
	free []*Internals
}

// take returns released internals of the given shape, or nil.
func (p *internalsPool) take(batch, tokens int, pooling bool) *Internals {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, in := range p.free {
		if in.Batch == batch && in.Tokens == tokens && !in.poolProbs.Empty() == pooling {
			p.free = append(p.free[:i], p.free[i+1:]...)
			return in
		}
	}
	return nil
}

// put keeps in for reuse, or frees its tensors when the pool is full.
func (p *internalsPool) put(in *Internals) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) >= 2 {
		return false
	}
	p.free = append(p.free, in)
	return true
}

// Layers is the number of transformer blocks captured.
func (in *Internals) Layers() int { return len(in.probs) }

// read returns the host copy of one captured tensor, downloading it once.
func (in *Internals) read(t *compute.Tensor) ([]float32, error) {
	if t.Host != nil && t.Dense() {
		return t.Host[:t.Len()], nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.cache[t]; ok {
		return v, nil
	}
	v := make([]float32, t.Len())
	if err := in.backend.Download(v, *t); err != nil {
		return nil, fmt.Errorf("copy captured internals from %s: %w", in.backend.Name(), err)
	}
	if in.cache == nil {
		in.cache = map[*compute.Tensor][]float32{}
	}
	in.cache[t] = v
	return v, nil
}

func (in *Internals) checkItem(item int) error {
	if item < 0 || item >= in.Batch {
		return fmt.Errorf("batch item %d out of range [0, %d)", item, in.Batch)
	}
	return nil
}

// HiddenState returns the hidden states (tokens × hidden, row-major) of one
// batch item entering block layer; layer = Layers() is the last block's
// output before the final LayerNorm (Hugging Face's hidden_states[layer]).
func (in *Internals) HiddenState(layer, item int) ([]float32, error) {
	if layer < 0 || layer >= len(in.states) {
		return nil, fmt.Errorf("hidden state %d out of range [0, %d]", layer, len(in.states)-1)
	}
	if err := in.checkItem(item); err != nil {
		return nil, err
	}
	all, err := in.read(&in.states[layer])
	if err != nil {
		return nil, err
	}
	n := in.Tokens * in.Hidden
	return all[item*n : (item+1)*n], nil
}

// Attention returns block layer's attention probabilities for one batch item
// as heads × tokens (queries) × tokens (keys); padding keys hold 0.
func (in *Internals) Attention(layer, item int) ([]float32, error) {
	if layer < 0 || layer >= len(in.probs) {
		return nil, fmt.Errorf("attention layer %d out of range [0, %d)", layer, len(in.probs))
	}
	if err := in.checkItem(item); err != nil {
		return nil, err
	}
	all, err := in.read(&in.probs[layer])
	if err != nil {
		return nil, err
	}
	n := in.Heads * in.Tokens * in.Tokens
	return all[item*n : (item+1)*n], nil
}

// PoolingAttention returns the vision pooling head's attention of one batch
// item over the tokens, heads × tokens: where the image embedding looks.
func (in *Internals) PoolingAttention(item int) ([]float32, error) {
	if in.poolProbs.Empty() {
		return nil, fmt.Errorf("no pooling head attention was captured (text tower?)")
	}
	if err := in.checkItem(item); err != nil {
		return nil, err
	}
	all, err := in.read(&in.poolProbs)
	if err != nil {
		return nil, err
	}
	n := in.Heads * in.Tokens
	return all[item*n : (item+1)*n], nil
}

// Release gives the captured tensors back (for reuse by a later forward of
// the same shape, or to the backend). Slices returned earlier must not be
// used afterwards.
func (in *Internals) Release() {
	if in.states == nil {
		return
	}
	if in.recycle != nil {
		clear(in.cache)
		kept := &Internals{backend: in.backend, Batch: in.Batch, Tokens: in.Tokens, Hidden: in.Hidden, Heads: in.Heads,
			states: in.states, probs: in.probs, poolProbs: in.poolProbs, recycle: in.recycle}
		if in.recycle.put(kept) {
			in.states, in.probs, in.poolProbs = nil, nil, compute.Tensor{}
			return
		}
	}
	in.free()
}

// free returns the tensors to the backend.
func (in *Internals) free() {
	for _, t := range in.states {
		in.backend.Free(t)
	}
	for _, t := range in.probs {
		in.backend.Free(t)
	}
	if !in.poolProbs.Empty() {
		in.backend.Free(in.poolProbs)
	}
	in.states, in.probs, in.poolProbs = nil, nil, compute.Tensor{}
}

// newInternals returns capture tensors for a forward pass: released ones
// of the same shape from pool when there are, newly allocated otherwise.
func newInternals(c compute.Backend, cfg EncoderConfig, batch, tokens int, pooling bool, pool *internalsPool) (*Internals, error) {
	if in := pool.take(batch, tokens, pooling); in != nil {
		return in, nil
	}
	in := &Internals{backend: c, Batch: batch, Tokens: tokens, Hidden: cfg.Hidden, Heads: cfg.Heads, recycle: pool}
	fail := func(err error) (*Internals, error) {
		in.free()
		return nil, fmt.Errorf("allocate internals capture (%d layers, %d tokens): %w", cfg.Layers, tokens, err)
	}
	for l := 0; l <= cfg.Layers; l++ {
		t, err := c.Alloc(batch*tokens, cfg.Hidden)
		if err != nil {
			return fail(err)
		}
		in.states = append(in.states, t)
	}
	for l := 0; l < cfg.Layers; l++ {
		t, err := c.Alloc(batch*cfg.Heads*tokens, tokens)
		if err != nil {
			return fail(err)
		}
		in.probs = append(in.probs, t)
	}
	if pooling {
		t, err := c.Alloc(batch*cfg.Heads, tokens)
		if err != nil {
			return fail(err)
		}
		in.poolProbs = t
	}
	return in, nil
}
