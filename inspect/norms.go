package inspect

import (
	"fmt"
	"math"
	"slices"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Norms and artefacts. Vision transformers, SigLIP included, park global
// information in a few tokens of little content (background patches) whose
// features then grow far larger than the rest, and attention favours
// them ("Vision Transformers Need Registers", Darcet et al., 2023). A
// patch is flagged as such an outlier when its feature norm exceeds k
// times the median norm of the image's patches at the same level.

// DefaultOutlierK is the outlier threshold used unless one is given: a
// patch is flagged when its norm exceeds 3 × the median. Ordinary patches
// of one image stay within about ±50% of the median (content varies, the
// LayerNorms keep scales alike), while the artefact tokens reported for
// ViTs sit at several times to ten times it; 3 lies clear of both, so a
// flag means a token of another kind, not an unusually busy patch.
const DefaultOutlierK = 3.0

// MinOutlierK and MaxOutlierK bound k: at 1 half of the patches would be
// "outliers" by the definition of the median; above 100 nothing could be.
const (
	MinOutlierK = 1.0
	MaxOutlierK = 100.0
)

// OutlierKSteps are the thresholds the explorer's keys step through.
var OutlierKSteps = []float64{1.5, 2, 2.5, 3, 4, 5, 7, 10}

// CheckOutlierK reports a threshold outside [MinOutlierK, MaxOutlierK].
func CheckOutlierK(k float64) error {
	if !(k >= MinOutlierK && k <= MaxOutlierK) {
		return fmt.Errorf("outlier threshold k = %g: want a number from %g to %g (a patch is an outlier when its norm exceeds k × the median; %g is the default)",
			k, MinOutlierK, MaxOutlierK, DefaultOutlierK)
	}
	return nil
}

// Outlier is one flagged patch: its place, its norm and the norm divided
// by the median.
type Outlier struct {
	Patch viz.Patch
	Norm  float32
	Ratio float32
}

// NormStats are the L2 norms of a set of vectors laid on the patch grid
// (one level's patch features, or the position embeddings) and the
// outliers among them.
type NormStats struct {
	// K is the threshold: outliers have Norm > K × Median.
	K float64
	// Norms holds one norm per patch, row-major over the grid.
	Norms  []float32
	Median float32
	// Max is the largest norm, at MaxPatch.
	Max      float32
	MaxPatch viz.Patch
	// Outliers are the patches above K × Median, largest norm first.
	Outliers []Outlier
}

// Ratio is the largest norm divided by the median (NaN when the median is
// 0).
func (s *NormStats) Ratio() float64 {
	if s.Median == 0 {
		return math.NaN()
	}
	return float64(s.Max) / float64(s.Median)
}

// ComputeNorms returns the norms of rows·cols vectors of dim values
// (row-major over the patch grid; vectors beyond rows·cols, such as NaFlex
// padding, are ignored) and the outliers above k × their median. Norms are
// accumulated in float64.
func ComputeNorms(vectors []float32, dim, rows, cols int, k float64) (*NormStats, error) {
	n := rows * cols
	switch {
	case dim <= 0 || n <= 0:
		return nil, fmt.Errorf("norms: a %d×%d grid of %d-wide vectors holds nothing", rows, cols, dim)
	case len(vectors) < n*dim:
		return nil, fmt.Errorf("norms: %d values, want at least %d (%d×%d patches of %d)", len(vectors), n*dim, rows, cols, dim)
	}
	if err := CheckOutlierK(k); err != nil {
		return nil, err
	}
	s := &NormStats{K: k, Norms: make([]float32, n)}
	for i := range n {
		var ss float64
		for _, v := range vectors[i*dim : (i+1)*dim] {
			ss += float64(v) * float64(v)
		}
		s.Norms[i] = float32(math.Sqrt(ss))
	}
	s.Median = median(s.Norms)
	s.Max = float32(math.Inf(-1))
	for i, v := range s.Norms {
		if v > s.Max {
			s.Max, s.MaxPatch = v, viz.Patch{Row: i / cols, Col: i % cols}
		}
		if float64(v) > k*float64(s.Median) {
			s.Outliers = append(s.Outliers, Outlier{Patch: viz.Patch{Row: i / cols, Col: i % cols}, Norm: v, Ratio: ratio(v, s.Median)})
		}
	}
	slices.SortStableFunc(s.Outliers, func(a, b Outlier) int {
		switch {
		case a.Norm > b.Norm:
			return -1
		case a.Norm < b.Norm:
			return 1
		}
		return 0
	})
	return s, nil
}

// IsOutlier tells whether patch p is flagged.
func (s *NormStats) IsOutlier(p viz.Patch) bool {
	return slices.ContainsFunc(s.Outliers, func(o Outlier) bool { return o.Patch == p })
}

func ratio(v, med float32) float32 {
	if med == 0 {
		return float32(math.Inf(1))
	}
	return v / med
}

// median is the middle value of vals (the mean of the two middle ones for
// an even count); vals is not changed.
func median(vals []float32) float32 {
	s := slices.Clone(vals)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return float32(math.NaN())
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return float32((float64(s[n/2-1]) + float64(s[n/2])) / 2)
}

// NormLevel is one feature level's norms, for the per-layer table and the
// lesson.
type NormLevel struct {
	Level int
	Name  string
	Stats *NormStats
	// AttentionShare is the mean share of attention the outliers receive
	// from the stage that reads this level: block Level+1, averaged over
	// its heads and the image's patches as queries (levels 0…L−1), or the
	// pooling head, averaged over its heads (levels L and L+1: the
	// pooling head reads level L after the final LayerNorm). NaN when
	// there are no outliers.
	AttentionShare float64
	// AreaShare is the outliers' share of the patches.
	AreaShare float64
}

// NormProfile computes the norms of every feature level of a (0 = the
// patch embeddings … L+1 = after the final LayerNorm) with outliers above
// k × each level's median, and how much attention the outliers receive.
func NormProfile(a *engine.Analysis, k float64) ([]NormLevel, error) {
	rows, cols := a.Grid()
	var pool []float32
	out := make([]NormLevel, a.FeatureLevels())
	for l := range out {
		f, err := a.Features(l)
		if err != nil {
			return nil, err
		}
		s, err := ComputeNorms(f, a.Hidden(), rows, cols, k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.FeatureLevelName(l), err)
		}
		lv := NormLevel{Level: l, Name: a.FeatureLevelName(l), Stats: s, AttentionShare: math.NaN(),
			AreaShare: float64(len(s.Outliers)) / float64(rows*cols)}
		if len(s.Outliers) > 0 {
			if l < a.Layers() {
				attn, err := a.Attention(l)
				if err != nil {
					return nil, err
				}
				lv.AttentionShare = attentionOn(attn, a.Heads(), a.Tokens(), a.Valid(), cols, s.Outliers)
			} else {
				if pool == nil {
					if pool, err = a.PoolingAttention(); err != nil {
						return nil, err
					}
				}
				lv.AttentionShare = poolingOn(pool, a.Heads(), a.Tokens(), cols, s.Outliers)
			}
		}
		out[l] = lv
	}
	return out, nil
}

// attentionOn is the attention the outliers receive in one block
// (heads × tokens × tokens), summed over them and averaged over heads and
// the valid queries.
func attentionOn(attn []float32, heads, tokens, valid, cols int, outs []Outlier) float64 {
	var sum float64
	for h := range heads {
		for q := range valid {
			row := attn[(h*tokens+q)*tokens:]
			for _, o := range outs {
				sum += float64(row[o.Patch.Row*cols+o.Patch.Col])
			}
		}
	}
	return sum / float64(heads*valid)
}

// poolingOn is the pooling head's attention (heads × tokens) on the
// outliers, averaged over heads.
func poolingOn(pool []float32, heads, tokens, cols int, outs []Outlier) float64 {
	var sum float64
	for h := range heads {
		for _, o := range outs {
			sum += float64(pool[h*tokens+o.Patch.Row*cols+o.Patch.Col])
		}
	}
	return sum / float64(heads)
}

// PositionTable describes the position embeddings an analysis's grid
// received: the learned table's grid and whether it was resized.
func PositionTable(a *engine.Analysis) string {
	rows, cols := a.Grid()
	side := a.Model.Config.Vision.PositionGrid(a.Model.Config.Variant)
	if a.Model.Config.Variant == engine.NaFlex {
		return fmt.Sprintf("the learned %d×%d table, resized (antialiased bilinear) to this image's %d×%d grid", side, side, rows, cols)
	}
	return fmt.Sprintf("the learned %d×%d table (fixed resolution: every image gets this grid)", side, side)
}
