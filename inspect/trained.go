package inspect

import (
	"fmt"
	"math"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// What SigLIP 2's new training objectives ask of the dense features, each
// measured on the user's own image:
//
//   - global–local (globallocal.go): a crop run as an image of its own
//     should give each patch the features the whole image gives the same
//     spot;
//   - masked context (context.go): with part of the image dropped, the
//     kept patches should keep their features;
//   - correspondence (correspond.go): the same thing in two images should
//     get alike features wherever it is.
//
// The explorer's "Trained" view, its lesson (trainedlesson.go) and the
// globallocal, context and correspond commands all read these reports.

// LabelShift is one label's score on the whole image and on a changed
// version of it (a crop, or the image with patches dropped).
type LabelShift struct {
	Label   string
	Prompt  string
	Whole   engine.Score
	Changed engine.Score
}

// ShiftScores scores labels against the whole image's embedding and the
// changed one's.
func ShiftScores(m *engine.Model, whole, changed []float32, labels []engine.Label) ([]LabelShift, error) {
	if len(labels) == 0 {
		return nil, nil
	}
	w, err := m.ScoreLabels(whole, labels)
	if err != nil {
		return nil, err
	}
	c, err := m.ScoreLabels(changed, labels)
	if err != nil {
		return nil, err
	}
	out := make([]LabelShift, len(labels))
	for i, l := range labels {
		out[i] = LabelShift{Label: l.Text, Prompt: l.Prompt, Whole: w[i], Changed: c[i]}
	}
	return out, nil
}

// shiftsJSON writes label shifts as rows of the label, the whole image's
// logit and probability, and the changed image's under the key changed.
func shiftsJSON(shifts []LabelShift, changed string) []map[string]any {
	out := make([]map[string]any, 0, len(shifts))
	for _, s := range shifts {
		out = append(out, map[string]any{
			"label":  s.Label,
			"prompt": s.Prompt,
			"whole":  map[string]viz.JSONFloat{"logit": viz.JSONFloat(s.Whole.Logit), "prob": viz.JSONFloat(s.Whole.Prob)},
			changed:  map[string]viz.JSONFloat{"logit": viz.JSONFloat(s.Changed.Logit), "prob": viz.JSONFloat(s.Changed.Prob)},
		})
	}
	return out
}

// cosine is the cosine similarity of a and b in float64; 0 when either is
// the zero vector (as the similarity maps treat a dead patch).
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i, x := range a {
		y := float64(b[i])
		ab += float64(x) * y
		aa += float64(x) * float64(x)
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// meanOf is the mean of the values that are not NaN (NaN when none is).
func meanOf(v []float64) float64 {
	var s float64
	n := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// gridRows cuts row-major values into rows of cols, for JSON.
func gridRows(v []float64, cols int) [][]viz.JSONFloat {
	if cols <= 0 {
		return nil
	}
	out := make([][]viz.JSONFloat, 0, len(v)/cols)
	for r := 0; r+cols <= len(v); r += cols {
		row := make([]viz.JSONFloat, cols)
		for c := range row {
			row[c] = viz.JSONFloat(v[r+c])
		}
		out = append(out, row)
	}
	return out
}

// sameModel reports two analyses that cannot be compared feature by
// feature.
func sameModel(a, b *engine.Analysis) error {
	if a == nil || b == nil {
		return fmt.Errorf("nothing to compare: an image has not been analysed")
	}
	if a.Hidden() != b.Hidden() || a.Layers() != b.Layers() {
		return fmt.Errorf("the two images went through different models (%d blocks of width %d, %d of width %d): run both through one", a.Layers(), a.Hidden(), b.Layers(), b.Hidden())
	}
	return nil
}
