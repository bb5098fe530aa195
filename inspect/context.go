package inspect

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Masked context: SigLIP 2's masked prediction hides half of the student's
// patches and asks it to produce the teacher's features at the rest. Here
// a set of patches is dropped as the causal probes drop them (their tokens
// removed, so no layer and not the pooling head can attend to them; the
// kept patches keep their own position embeddings) and every kept patch's
// features are compared with its features in the whole image.

// DefaultDropFraction is the share of patches the masked-context view
// drops at first: half, as SigLIP 2's masked prediction masks.
const DefaultDropFraction = 0.5

// RandomDrop picks round(fraction·valid) of valid patches, the same ones
// for the same seed on every machine (math/rand/v2's PCG), sorted. At
// least one patch is always kept.
func RandomDrop(valid int, fraction float64, seed uint64) ([]int, error) {
	if math.IsNaN(fraction) || fraction < 0 || fraction >= 1 {
		return nil, fmt.Errorf("drop fraction %v: want a share of the patches from 0 up to (not including) 1, e.g. 0.5", fraction)
	}
	if valid < 1 {
		return nil, fmt.Errorf("no patches to drop from")
	}
	n := min(int(math.Round(fraction*float64(valid))), valid-1)
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	drop := r.Perm(valid)[:n]
	slices.Sort(drop)
	return drop, nil
}

// ParsePatches reads "R,C;R,C;..." (0-based rows and columns) into
// row-major indices of a rows × cols grid, sorted and without repeats.
func ParsePatches(s string, rows, cols int) ([]int, error) {
	var out []int
	for _, item := range strings.Split(s, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p, err := ParsePatch(item, rows, cols)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Row*cols+p.Col)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("patches %q: give at least one ROW,COL (several separated by ;)", s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// ParsePatch reads "R,C" (0-based) and checks it against a rows × cols
// grid.
func ParsePatch(s string, rows, cols int) (viz.Patch, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return viz.Patch{}, fmt.Errorf("patch %q: want ROW,COL counted from 0", s)
	}
	r, err1 := strconv.Atoi(strings.TrimSpace(parts[0]))
	c, err2 := strconv.Atoi(strings.TrimSpace(parts[1]))
	if err1 != nil || err2 != nil {
		return viz.Patch{}, fmt.Errorf("patch %q: want ROW,COL as whole numbers counted from 0", s)
	}
	if r < 0 || r >= rows || c < 0 || c >= cols {
		return viz.Patch{}, fmt.Errorf("patch %d,%d is outside the %d×%d patch grid (rows 0…%d, columns 0…%d)", r, c, rows, cols, rows-1, cols-1)
	}
	return viz.Patch{Row: r, Col: c}, nil
}

// ContextLevel is one feature level's comparison.
type ContextLevel struct {
	Level int
	Name  string
	// Cosine is each patch's cosine similarity to its own features in the
	// whole image, row-major over the grid; NaN for a dropped patch.
	Cosine []float64
	// Mean is the mean over the kept patches.
	Mean float64
}

// ContextReport is what dropping a set of patches did to the others.
type ContextReport struct {
	GridH, GridW int
	// Dropped and Kept are row-major patch indices, sorted.
	Dropped, Kept []int
	// Levels are 0 (the patch embeddings) … L+1 (after the final
	// LayerNorm).
	Levels []ContextLevel
	// Labels are the labels' scores on the whole image and with the
	// patches dropped (empty without labels).
	Labels []LabelShift
	// Embed is the image embedding with the patches dropped (for scoring
	// other labels).
	Embed []float32
}

// Layers is the number of blocks (levels run 0…Layers+1).
func (r *ContextReport) Layers() int { return len(r.Levels) - 2 }

// MaskedContext drops the patches drop from the image a analysed and
// compares every kept patch's features with the whole image's, at every
// level; labels (nil: none) are scored on both.
func MaskedContext(ctx context.Context, a *engine.Analysis, drop []int, labels []engine.Label) (*ContextReport, error) {
	rows, cols := a.Grid()
	res, err := a.Ablate(ctx, []engine.Ablation{{Drop: drop}}, engine.AblateOptions{Capture: true})
	if err != nil {
		return nil, fmt.Errorf("masked context: %w", err)
	}
	got := res[0]
	r := &ContextReport{GridH: rows, GridW: cols, Kept: got.Kept}
	kept := map[int]bool{}
	for _, p := range got.Kept {
		kept[p] = true
	}
	for p := range a.Valid() {
		if !kept[p] {
			r.Dropped = append(r.Dropped, p)
		}
	}
	d := a.Hidden()
	for level := range a.FeatureLevels() {
		f, err := a.Features(level)
		if err != nil {
			return nil, err
		}
		lv := ContextLevel{Level: level, Name: a.FeatureLevelName(level), Cosine: make([]float64, a.Valid())}
		for i := range lv.Cosine {
			lv.Cosine[i] = math.NaN()
		}
		g := got.Features[level]
		for t, p := range got.Kept {
			lv.Cosine[p] = cosine(g[t*d:(t+1)*d], f[p*d:(p+1)*d])
		}
		lv.Mean = meanOf(lv.Cosine)
		r.Levels = append(r.Levels, lv)
	}
	r.Embed = got.Embed
	if r.Labels, err = ShiftScores(a.Model, a.ImageEmbedding(), got.Embed, labels); err != nil {
		return nil, err
	}
	return r, nil
}

// MostDependent returns up to n kept patches whose features at level
// changed most (lowest cosine first): the patches that depend most on
// the context that was dropped.
func (r *ContextReport) MostDependent(level, n int) []int {
	if level < 0 || level >= len(r.Levels) {
		return nil
	}
	c := r.Levels[level].Cosine
	out := slices.Clone(r.Kept)
	sort.SliceStable(out, func(i, j int) bool { return c[out[i]] < c[out[j]] })
	return out[:min(n, len(out))]
}

// IsDropped reports whether patch p (row-major) was dropped.
func (r *ContextReport) IsDropped(p int) bool {
	_, found := slices.BinarySearch(r.Dropped, p)
	return found
}
