package engine

import (
	"context"
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// pass is the context of one forward pass through an encoder: what every
// block needs besides its own weights. A block's Forward takes the pass,
// its index and its input and output, and reads like the model.
type pass struct {
	ctx   context.Context
	c     compute.Backend
	cfg   EncoderConfig
	s     *scratch
	shape compute.AttentionShape
	// probs holds one tensor per block for the attention probabilities
	// when they are captured; nil otherwise.
	probs []compute.Tensor
	// silence lists heads whose output is zeroed (the probes' head
	// ablation); empty in a plain forward pass.
	silence []silencedHead
	zeros   []float32 // a head's worth of zeros, for silencing
}

// silencedHead is one head of one block silenced in one sequence of the
// batch: its slice of the attention context is zeroed before the output
// projection.
type silencedHead struct {
	seq, block, head int
}

// attentionProbs is block l's capture target, or an empty tensor.
func (p *pass) attentionProbs(l int) compute.Tensor {
	if len(p.probs) == 0 {
		return compute.Tensor{}
	}
	return p.probs[l]
}

// silenceHeads zeroes, in the attention context of block l, the heads the
// pass silences there.
func (p *pass) silenceHeads(l int, context compute.Tensor) error {
	hd, q := p.shape.HeadDim, p.shape.QLen
	for _, s := range p.silence {
		if s.block != l {
			continue
		}
		if p.zeros == nil || len(p.zeros) < q*hd {
			p.zeros = make([]float32, q*hd)
		}
		view := context.View(s.seq*q, (s.seq+1)*q, s.head*hd, (s.head+1)*hd)
		if err := p.c.Upload(view, p.zeros); err != nil {
			return fmt.Errorf("silence head %d of block %d: %w", s.head+1, l+1, err)
		}
	}
	return nil
}

// cancelled reports the pass's context error, checked between blocks so a
// cancelled forward pass stops within one block.
func (p *pass) cancelled() error {
	if p.ctx == nil {
		return nil
	}
	if err := p.ctx.Err(); err != nil {
		return fmt.Errorf("forward pass stopped: %w", err)
	}
	return nil
}

// arena allocates backend tensors for one purpose and frees them all at
// once. The first failed allocation is kept: later ones are skipped and
// return empty tensors, so a run of allocations is checked once at the end.
type arena struct {
	c       compute.Backend
	tensors []compute.Tensor
	err     error
}

// alloc returns a zeroed rows×cols tensor owned by the arena.
func (a *arena) alloc(rows, cols int) compute.Tensor {
	if a.err != nil {
		return compute.Tensor{}
	}
	t, err := a.c.Alloc(rows, cols)
	if err != nil {
		a.err = fmt.Errorf("allocate %d×%d: %w", rows, cols, err)
		return compute.Tensor{}
	}
	a.tensors = append(a.tensors, t)
	return t
}

// free returns every tensor to the backend.
func (a *arena) free() {
	for _, t := range a.tensors {
		a.c.Free(t)
	}
	a.tensors = nil
}
