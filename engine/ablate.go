package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// The causal probes ask what the model's answer depends on by changing the
// forward pass and watching the image embedding: dropping patches (their
// tokens removed, so no layer and not the pooling head can attend to them;
// the remaining tokens keep their own position embeddings) and silencing
// attention heads (a head's slice of the attention context zeroed before
// the output projection). Ablate runs many such copies of an analysed
// image in batches, each from the earliest layer it changes: the analysis
// already holds every layer's input, so silencing a head in block l does
// not recompute blocks 1…l-1.

// HeadRef names one attention head of one block, both counted from 0.
type HeadRef struct {
	Block, Head int
}

// Ablation is one changed copy of an analysed image.
type Ablation struct {
	// Drop lists patches (row-major indices over the patch grid) whose
	// tokens are removed.
	Drop []int
	// Silence lists heads whose output is zeroed.
	Silence []HeadRef
}

// AblateOptions say how Ablate runs.
type AblateOptions struct {
	// Batch is how many copies share one forward pass (0: 8).
	Batch int
	// Capture keeps every kept patch's features at every feature level
	// (AblationResult.Features).
	Capture bool
	// Progress, when not nil, is called after each batch with the copies
	// done and the total.
	Progress func(done, total int)
}

// AblationResult is what one changed copy made of the image.
type AblationResult struct {
	// Embed is the L2-normalised image embedding (what labels are scored
	// against).
	Embed []float32
	// Kept lists the patches that stayed, in token order.
	Kept []int
	// Features, with AblateOptions.Capture, holds for each feature level
	// 0…L+1 (as Analysis.Features counts them) the kept patches' features,
	// len(Kept) × hidden, row-major in Kept's order.
	Features [][]float32
}

// start is the feature level an ablation's pass starts from: 0 when it
// drops a patch (block 1 already attends differently), else the first
// block it silences a head in.
func (ab Ablation) start(layers int) int {
	if len(ab.Drop) > 0 {
		return 0
	}
	s := layers
	for _, h := range ab.Silence {
		s = min(s, h.Block)
	}
	return s
}

// checkAblations reports an ablation outside the analysis.
func (a *Analysis) checkAblations(abls []Ablation) error {
	valid, layers, heads := a.Valid(), a.Layers(), a.Heads()
	for i, ab := range abls {
		for _, p := range ab.Drop {
			if p < 0 || p >= valid {
				return fmt.Errorf("ablation %d drops patch %d, outside the %d patches", i, p, valid)
			}
		}
		if n := len(dedupe(ab.Drop)); n >= valid {
			return fmt.Errorf("ablation %d drops all %d patches: nothing is left to look at", i, valid)
		}
		for _, h := range ab.Silence {
			if h.Block < 0 || h.Block >= layers || h.Head < 0 || h.Head >= heads {
				return fmt.Errorf("ablation %d silences head %d of block %d; the model has %d blocks of %d heads", i, h.Head+1, h.Block+1, layers, heads)
			}
		}
	}
	return nil
}

// dedupe returns the sorted distinct values of v.
func dedupe(v []int) []int {
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

// Ablate runs every ablation on the analysed image and returns what each
// made of it, in order. Copies that start from the same layer share
// forward passes of up to opts.Batch sequences. It serialises with the
// model's other forward passes; cancelling ctx stops it between blocks.
func (a *Analysis) Ablate(ctx context.Context, abls []Ablation, opts AblateOptions) ([]AblationResult, error) {
	if err := a.checkAblations(abls); err != nil {
		return nil, err
	}
	if a.Vision.Internals == nil {
		return nil, fmt.Errorf("ablate: the analysis holds no captured internals")
	}
	batch := opts.Batch
	if batch <= 0 {
		batch = 8
	}
	layers := a.Layers()
	// Group by starting level, keeping each group's copies in order.
	order := make([]int, len(abls))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return abls[order[x]].start(layers) < abls[order[y]].start(layers) })
	out := make([]AblationResult, len(abls))
	done := 0
	for lo := 0; lo < len(order); {
		start := abls[order[lo]].start(layers)
		hi := lo
		for hi < len(order) && hi-lo < batch && abls[order[hi]].start(layers) == start {
			hi++
		}
		idx := order[lo:hi]
		group := make([]Ablation, len(idx))
		for k, i := range idx {
			group[k] = abls[i]
		}
		res, err := a.ablateBatch(ctx, group, start, opts.Capture)
		if err != nil {
			return nil, err
		}
		for k, i := range idx {
			out[i] = res[k]
		}
		done += len(idx)
		if opts.Progress != nil {
			opts.Progress(done, len(abls))
		}
		lo = hi
	}
	return out, nil
}

// ablateBatch runs one batch of ablations that all start at feature level
// start (the input of block start, 0-based).
func (a *Analysis) ablateBatch(ctx context.Context, group []Ablation, start int, capture bool) ([]AblationResult, error) {
	m := a.Model
	v := m.Vision
	vc := v.Config
	d, valid := vc.Hidden, a.Valid()
	base, err := a.Features(start)
	if err != nil {
		return nil, err
	}
	res := make([]AblationResult, len(group))
	tokens := 0
	for k, ab := range group {
		drop := dedupe(ab.Drop)
		kept := make([]int, 0, valid-len(drop))
		for p := range valid {
			if _, found := slices.BinarySearch(drop, p); !found {
				kept = append(kept, p)
			}
		}
		res[k].Kept = kept
		tokens = max(tokens, len(kept))
	}
	n := len(group)
	host := make([]float32, n*tokens*d)
	validKeys := make([]int, n)
	var silence []silencedHead
	for k, ab := range group {
		for t, p := range res[k].Kept {
			copy(host[(k*tokens+t)*d:(k*tokens+t+1)*d], base[p*d:(p+1)*d])
		}
		validKeys[k] = len(res[k].Kept)
		for _, h := range ab.Silence {
			silence = append(silence, silencedHead{seq: k, block: h.Block, head: h.Head})
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.backend
	rows := n * tokens
	levels := vc.Layers + 1 // hidden states 0…L
	var (
		states       []compute.Tensor
		last, pooled compute.Tensor
		blocks       *scratch
		head         *headScratch
	)
	if capture {
		ar := &arena{c: c}
		defer ar.free()
		states = make([]compute.Tensor, levels)
		for l := range states {
			states[l] = ar.alloc(rows, d)
		}
		last, pooled = ar.alloc(rows, d), ar.alloc(n, d)
		blocks = newScratch(ar, rows, vc.EncoderConfig)
		if ar.err != nil {
			return nil, fmt.Errorf("ablate: %w", ar.err)
		}
		if head, err = newHeadScratch(ar, vc.EncoderConfig, n, tokens, v.Head.probe); err != nil {
			return nil, fmt.Errorf("ablate: %w", err)
		}
	} else {
		// The vision tower's own scratch for this batch shape: kept
		// between batches (and calls) of one shape, as forward passes
		// keep it, so a probe's passes do not allocate.
		w, err := v.workFor(c, n, tokens)
		if err != nil {
			return nil, fmt.Errorf("ablate: %w", err)
		}
		w.states[0] = w.state
		states, last, pooled, blocks, head = w.states[:1], w.last, w.pooled, w.blocks, w.head
	}
	in := states[0]
	if capture {
		in = states[start]
	}
	if err := c.Upload(in, host); err != nil {
		return nil, fmt.Errorf("ablate: %w", err)
	}
	p := &pass{ctx: ctx, c: c, cfg: vc.EncoderConfig, s: blocks, silence: silence,
		shape: attentionShape(vc.EncoderConfig, n, tokens, validKeys)}
	if err := v.Encoder.Forward(p, states, start); err != nil {
		return nil, err
	}
	v.PostLayerNorm.Forward(c, last, states[len(states)-1], vc.LayerNormEps)
	v.Head.Forward(c, vc.EncoderConfig, pooled, last, head, n, tokens, validKeys, compute.Tensor{})
	if err := c.Sync(); err != nil {
		return nil, fmt.Errorf("ablate on %s: %w", c.Name(), err)
	}
	embeds := make([]float32, n*d)
	if err := c.Download(embeds, pooled); err != nil {
		return nil, err
	}
	l2Normalize(embeds, d)
	for k := range res {
		res[k].Embed = embeds[k*d : (k+1)*d : (k+1)*d]
	}
	if !capture {
		return res, nil
	}
	all := make([][]float32, levels+1)
	for l := range levels + 1 {
		t := last
		if l < levels {
			t = states[l]
		}
		all[l] = make([]float32, rows*d)
		if l < start {
			continue // not recomputed: the analysis's own rows, gathered below
		}
		if err := c.Download(all[l], t); err != nil {
			return nil, err
		}
	}
	for k := range res {
		kept := res[k].Kept
		res[k].Features = make([][]float32, levels+1)
		for l := range levels + 1 {
			f := make([]float32, len(kept)*d)
			if l < start {
				src, err := a.Features(l)
				if err != nil {
					return nil, err
				}
				for t, p := range kept {
					copy(f[t*d:(t+1)*d], src[p*d:(p+1)*d])
				}
			} else {
				copy(f, all[l][k*tokens*d:(k*tokens+len(kept))*d])
			}
			res[k].Features[l] = f
		}
	}
	return res, nil
}
