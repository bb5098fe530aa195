package inspect

import (
	"fmt"
	"image/color"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// SharedPCA colours the patches of several analyses (the panes of a
// comparison) by one PCA basis: the three leading components of all their
// patches' features at the given levels (levels[i] for analyses[i]) taken
// together, each component scaled over every patch of every analysis. The
// same colour then means the same features in every pane, which separate
// PCAs cannot promise (each would pick its own directions and signs). The
// analyses' features must have one width (the same model, or models of
// one size). It returns one PCA map per analysis.
func SharedPCA(analyses []*engine.Analysis, levels []int) ([]*Map, error) {
	if len(analyses) == 0 || len(levels) != len(analyses) {
		return nil, fmt.Errorf("shared PCA: %d analyses and %d levels", len(analyses), len(levels))
	}
	dim := analyses[0].Hidden()
	var all []float32
	counts := make([]int, len(analyses))
	for i, a := range analyses {
		if a.Hidden() != dim {
			return nil, fmt.Errorf("shared PCA: the models' features differ in width (%d and %d); their PCAs cannot share a basis", dim, a.Hidden())
		}
		f, err := a.Features(levels[i])
		if err != nil {
			return nil, err
		}
		counts[i] = a.Valid()
		all = append(all, f[:counts[i]*dim]...)
	}
	p, err := viz.PCA3(all, dim, len(all)/dim)
	if err != nil {
		return nil, fmt.Errorf("shared PCA: %w", err)
	}
	out := make([]*Map, len(analyses))
	start := 0
	for i, a := range analyses {
		rows, cols := a.Grid()
		n := counts[i]
		part := &viz.PCA{Mean: p.Mean, Components: p.Components, Scores: p.Scores[start : start+n], RGB: p.RGB[start : start+n],
			ExplainedRatio: p.ExplainedRatio, Iterations: p.Iterations, Converged: p.Converged}
		first := make([]float32, n)
		for k, s := range part.Scores {
			first[k] = s[0]
		}
		out[i] = &Map{Req: MapRequest{Kind: MapPCA, Level: levels[i]}, Grid: viz.Grid{H: rows, W: cols, Values: first},
			Range: viz.MinMax(first), Colors: &viz.ColorGrid{H: rows, W: cols, Colors: append([]color.NRGBA(nil), part.RGB...)}, PCA: part}
		start += n
	}
	return out, nil
}
