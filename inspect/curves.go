package inspect

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Deletion and insertion curves test whether a map explains a score: rank
// the patches by the map's value, highest first; deletion drops them in
// that order and follows the label's logit, insertion starts with only the
// top patch kept and adds the others in that order. A map that tells where
// the score comes from makes the deletion curve fall fastest and the
// insertion curve rise fastest: the area under the deletion curve is small
// and the area under the insertion curve large. Each point is one forward
// pass; a curve samples a number of steps evenly between its ends.

// RankedMap is a map the curves rank patches by: its name and one value
// per valid patch (row-major over the grid).
type RankedMap struct {
	Name   string
	Values []float32
}

// Rank orders the patches by value, highest first; NaN values come last
// and ties keep the patches' order, so the ranking is deterministic.
func Rank(values []float32) []int {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		va, vb := float64(values[a]), float64(values[b])
		switch {
		case math.IsNaN(va) && math.IsNaN(vb):
			return 0
		case math.IsNaN(va):
			return 1
		case math.IsNaN(vb):
			return -1
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
	return order
}

// CurveKind is deletion or insertion.
type CurveKind int

const (
	// Deletion drops the k highest-ranked patches, k = 0…N−1.
	Deletion CurveKind = iota
	// Insertion keeps only the k highest-ranked patches, k = 1…N.
	Insertion
)

// String names the kind.
func (k CurveKind) String() string {
	if k == Insertion {
		return "insertion"
	}
	return "deletion"
}

// Curve is one map's deletion or insertion curve: after each step, the
// number of patches dropped (deletion) or kept (insertion), the label's
// logit and its probability. NaN until measured.
type Curve struct {
	Map     string
	Kind    CurveKind
	Patches []int
	Logit   []float64
	Prob    []float64
	order   []int
}

// Area is the area under the curve's probability over the fraction of
// patches dropped or kept (x = patches/N from the curve's first to its last
// point; trapezoids), or NaN until every point is measured. AreaLogit is
// the same for the logit.
func (c *Curve) Area(total int) float64 { return area(c.Patches, c.Prob, total) }

// AreaLogit is Area of the logit.
func (c *Curve) AreaLogit(total int) float64 { return area(c.Patches, c.Logit, total) }

func area(xs []int, ys []float64, total int) float64 {
	if len(xs) < 2 {
		return math.NaN()
	}
	var a float64
	for i := 1; i < len(xs); i++ {
		a += (float64(xs[i]-xs[i-1]) / float64(total)) * (ys[i] + ys[i-1]) / 2
	}
	span := float64(xs[len(xs)-1]-xs[0]) / float64(total)
	return a / span
}

// CurveSteps is the patch counts a curve of total patches samples: steps
// counts evenly spaced from the first to the last (deletion 0…total−1,
// insertion 1…total), without repeats.
func CurveSteps(kind CurveKind, total, steps int) []int {
	lo, hi := 0, total-1
	if kind == Insertion {
		lo, hi = 1, total
	}
	steps = max(min(steps, hi-lo+1), 2)
	var out []int
	for i := range steps {
		k := lo + int(math.Round(float64(i)*float64(hi-lo)/float64(steps-1)))
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}

// Curves are the deletion and insertion curves of several maps for one
// probe, filled in step by step.
type Curves struct {
	Total  int // valid patches
	Curves []*Curve
	// pending lists the points not measured yet as (curve, point).
	pending [][2]int
}

// NewCurves prepares the deletion and insertion curves of every map with
// steps points each; points whose answer is the whole image (nothing
// dropped) take the base logit at once.
func (p *Probe) NewCurves(maps []RankedMap, steps int) (*Curves, error) {
	total := p.a.Valid()
	if total < 2 {
		return nil, fmt.Errorf("curves: %d patches are too few to rank", total)
	}
	cs := &Curves{Total: total}
	for _, m := range maps {
		if len(m.Values) != total {
			return nil, fmt.Errorf("curves: map %q has %d values for %d patches", m.Name, len(m.Values), total)
		}
		order := Rank(m.Values)
		for _, kind := range []CurveKind{Deletion, Insertion} {
			c := &Curve{Map: m.Name, Kind: kind, Patches: CurveSteps(kind, total, steps), order: order}
			c.Logit, c.Prob = make([]float64, len(c.Patches)), make([]float64, len(c.Patches))
			for i, k := range c.Patches {
				whole := kind == Deletion && k == 0 || kind == Insertion && k == total
				if whole {
					c.Logit[i], c.Prob[i] = p.base, Sigmoid(p.base)
					continue
				}
				c.Logit[i], c.Prob[i] = math.NaN(), math.NaN()
				cs.pending = append(cs.pending, [2]int{len(cs.Curves), i})
			}
			cs.Curves = append(cs.Curves, c)
		}
	}
	return cs, nil
}

// Remaining is how many points are not measured yet.
func (cs *Curves) Remaining() int { return len(cs.pending) }

// Complete tells whether every point is measured.
func (cs *Curves) Complete() bool { return len(cs.pending) == 0 }

// dropped is what point i of c drops.
func (c *Curve) dropped(i int) []int {
	k := c.Patches[i]
	if c.Kind == Deletion {
		return c.order[:k]
	}
	return c.order[k:]
}

// CurveStep measures the next n points of cs.
func (p *Probe) CurveStep(ctx context.Context, cs *Curves, n, batch int) error {
	n = min(n, len(cs.pending))
	if n == 0 {
		return nil
	}
	abls := make([]engine.Ablation, n)
	for j, pt := range cs.pending[:n] {
		abls[j] = engine.Ablation{Drop: cs.Curves[pt[0]].dropped(pt[1])}
	}
	logits, err := p.run(ctx, abls, batch)
	if err != nil {
		return err
	}
	for j, pt := range cs.pending[:n] {
		c := cs.Curves[pt[0]]
		c.Logit[pt[1]], c.Prob[pt[1]] = logits[j], Sigmoid(logits[j])
	}
	cs.pending = cs.pending[n:]
	return nil
}

// MeasureCurves measures every point, calling progress after every step.
func (p *Probe) MeasureCurves(ctx context.Context, maps []RankedMap, steps, batch int, progress func(done, total int)) (*Curves, error) {
	cs, err := p.NewCurves(maps, steps)
	if err != nil {
		return nil, err
	}
	all := cs.Remaining()
	for !cs.Complete() {
		if err := p.CurveStep(ctx, cs, max(batch, 1)*2, batch); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(all-cs.Remaining(), all)
		}
	}
	return cs, nil
}

// ProbeMaps are the maps whose curves the probe view and command compare:
// the pooling head's attention (mean over heads), the mean attention of
// the last block to the patches (over heads and query patches), attention
// rollout through every block (mean over query patches), the label map,
// and the occlusion map when given (drops that cut the logit most, i.e.
// the most negative deltas, rank first). Each is one value per valid
// patch.
func ProbeMaps(maps *Maps, label *engine.Label, occ *Occlusion) ([]RankedMap, error) {
	a := maps.Analysis()
	valid, tokens, heads := a.Valid(), a.Tokens(), a.Heads()
	var out []RankedMap
	pool, err := maps.Compute(MapRequest{Kind: MapPooling, Head: viz.MeanHeads})
	if err != nil {
		return nil, err
	}
	out = append(out, RankedMap{Name: "pooling head", Values: pool.Grid.Values})
	attn, err := a.Attention(a.Layers() - 1)
	if err != nil {
		return nil, err
	}
	received := make([]float32, valid)
	for h := range heads {
		for q := range valid {
			row := attn[(h*tokens+q)*tokens : (h*tokens+q)*tokens+valid]
			for k, v := range row {
				received[k] += v / float32(heads*valid)
			}
		}
	}
	out = append(out, RankedMap{Name: "attention, last block", Values: received})
	ro, err := maps.Rollout()
	if err != nil {
		return nil, err
	}
	flow := make([]float32, valid)
	for q := range valid {
		row, err := ro.Row(a.Layers()-1, q)
		if err != nil {
			return nil, err
		}
		for k, v := range row {
			flow[k] += v / float32(valid)
		}
	}
	out = append(out, RankedMap{Name: "rollout", Values: flow})
	if label != nil {
		lm, err := a.LabelMap(label.Embed)
		if err != nil {
			return nil, err
		}
		out = append(out, RankedMap{Name: "label map", Values: lm})
	}
	if occ != nil && occ.Complete() {
		neg := make([]float32, len(occ.Delta))
		for i, d := range occ.Delta {
			neg[i] = -d
		}
		out = append(out, RankedMap{Name: "occlusion", Values: neg})
	}
	return out, nil
}

// Clone is a copy of cs that a step can fill in while cs is on screen
// (the rankings and step counts, never changed, are shared).
func (cs *Curves) Clone() *Curves {
	c := &Curves{Total: cs.Total, pending: slices.Clone(cs.pending)}
	for _, cv := range cs.Curves {
		n := *cv
		n.Logit, n.Prob = slices.Clone(cv.Logit), slices.Clone(cv.Prob)
		c.Curves = append(c.Curves, &n)
	}
	return c
}
