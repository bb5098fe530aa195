package inspect

import (
	"fmt"
	"math"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The Trained view's lesson: what SigLIP 2's training objectives ask of
// the patch features, each screen quoting the numbers just measured on the
// user's image.

// TrainedChart says which per-level chart a lesson screen shows beside its
// text.
type TrainedChart int

// The charts: none, the crop's mean cosine (with chance), the kept
// patches' mean cosine, the mutual nearest neighbours.
const (
	NoChart TrainedChart = iota
	GlobalLocalChart
	ContextChart
	CorrespondChart
)

// TrainedPage is one screen of the lesson.
type TrainedPage struct {
	Title string
	Chart TrainedChart
	Text  []string // paragraphs
}

// TrainedLesson is what the lesson is written from: the reports measured
// so far (nil: not measured; the screen says how to get it).
type TrainedLesson struct {
	GlobalLocal *GlobalLocalReport
	Context     *ContextReport
	// DropRule says how the dropped patches were chosen, e.g. "half of
	// them at random (seed 1)".
	DropRule string
	// Correspond holds a correspondence report per level (nil entries
	// not computed), Patch the patch of A it is read from, PairName B's
	// name ("" when there is no second image).
	Correspond []*CorrespondReport
	Patch      viz.Patch
	PairName   string
	// Demo adds what the toy model was and was not trained on.
	Demo bool
}

// Pages writes the lesson.
func (l *TrainedLesson) Pages() []TrainedPage {
	f := func(x float64) string { return plain(x) }
	intro := TrainedPage{Title: "1 · What SigLIP 2 trained its patches for", Text: []string{
		"SigLIP's sigmoid loss only asks that the pooled image embedding match its caption. SigLIP 2 adds objectives that act on the patch features themselves: a decoder that captions, names and locates regions from them (LocCa), self-distillation in which a student sees a small crop and must match the teacher's features of the whole image there (global–local), and masked prediction, in which half the student's patches are hidden and it must still produce the teacher's features at the rest.",
		"The three modes of this view ask the same of the model on your image: does a crop, seen alone, keep the whole image's features (global–local)? Do the patches keep their features when others are dropped (masked context)? Does the same thing get alike features in another image (correspondence)?",
		"→ or n next page, ← or p back, esc leaves; [ ] change the level in the modes.",
	}}
	if l.Demo {
		intro.Text = append(intro.Text, "This is the built-in toy SigLIP 2, trained here with the sigmoid loss and a dense term on 72×72 scenes, never on crops, zooms or masks (tools/toymodel). What it shows is what these properties look like in a model that was not taught them; run the same view on a real checkpoint to see what the objectives add.")
	}
	pages := []TrainedPage{intro, l.globalLocalPage(f), l.contextPage(f), l.correspondPage(f), l.summary(f)}
	return pages
}

func (l *TrainedLesson) globalLocalPage(f func(float64) string) TrainedPage {
	p := TrainedPage{Title: "2 · Global–local: a crop seen alone", Chart: GlobalLocalChart}
	r := l.GlobalLocal
	if r == nil {
		p.Text = []string{"Not measured yet: it runs when the lesson or the global–local mode opens (v)."}
		return p
	}
	L := r.Layers()
	first, last, out := r.Levels[0], r.Levels[L], r.Levels[L+1]
	zoom := math.Sqrt(float64(r.CropW*r.CropH) / float64(r.Box.Dx()*r.Box.Dy()))
	p.Text = []string{
		fmt.Sprintf("The crop %s (%d×%d pixels of the %d×%d image) went through the model as an image of its own: resized to %d×%d (about %.1f× its size), %d×%d patches, each compared with the whole image's patch at the same spot.",
			r.Box, r.Box.Dx(), r.Box.Dy(), r.ImageW, r.ImageH, r.CropW, r.CropH, zoom, r.CropRows, r.CropCols),
		fmt.Sprintf("At the embeddings (level 0) matching patches have cosine %s, against %s for a patch of the crop and any patch of the whole image. They are not 1: the crop's pixels were resized and its patches got the position embeddings of other places.", f(first.Mean), f(first.Baseline)),
		fmt.Sprintf("After the last block: %s (chance %s); after the final LayerNorm %s. The crop keeps the whole image's features best at %s (%s).", f(last.Mean), f(last.Baseline), f(out.Mean), r.Levels[max(r.BestLevel(), 0)].Name, f(r.Levels[max(r.BestLevel(), 0)].Mean)),
	}
	switch {
	case last.Mean-first.Mean > 0.05:
		p.Text = append(p.Text, "The match grows with depth: the blocks turn the crop's patches into features of what they show, wherever and at whatever size it is — what the global–local loss trains.")
	case first.Mean-last.Mean > 0.05:
		p.Text = append(p.Text, "The match falls with depth: deep features of a patch depend on its surroundings and on the scale it is seen at, so a crop seen alone drifts from the whole image. The global–local loss trains exactly against this drift.")
	default:
		p.Text = append(p.Text, "The match stays about level with depth.")
	}
	p.Text = append(p.Text, shiftSentence(r.Labels, "the crop"))
	return p
}

func (l *TrainedLesson) contextPage(f func(float64) string) TrainedPage {
	p := TrainedPage{Title: "3 · Masked context: patches dropped", Chart: ContextChart}
	r := l.Context
	if r == nil {
		p.Text = []string{"Not measured yet: it runs when the lesson or the masked-context mode opens (v)."}
		return p
	}
	L := r.Layers()
	low := 1
	for i := 1; i < len(r.Levels); i++ {
		if r.Levels[i].Mean < r.Levels[low].Mean {
			low = i
		}
	}
	n := len(r.Dropped) + len(r.Kept)
	rule := ""
	if l.DropRule != "" {
		rule = " (" + l.DropRule + ")"
	}
	p.Text = []string{
		fmt.Sprintf("%d of the %d patches were dropped%s: their tokens are gone, so no layer can attend to them.", len(r.Dropped), n, rule),
		fmt.Sprintf("At level 0 the kept patches have cosine %s to their features in the whole image: an embedding is a patch's own pixels and position, before any patch has looked at another. The mean falls to %s at %s and ends at %s after the last block.", f(r.Levels[0].Mean), f(r.Levels[low].Mean), r.Levels[low].Name, f(r.Levels[L].Mean)),
	}
	if dep := r.MostDependent(L, 3); len(dep) > 0 {
		var parts []string
		touching := 0
		for _, q := range dep {
			parts = append(parts, fmt.Sprintf("(%d,%d) %s", q/r.GridW, q%r.GridW, f(r.Levels[L].Cosine[q])))
			if r.touchesDropped(q) {
				touching++
			}
		}
		p.Text = append(p.Text, fmt.Sprintf("The patches that changed most after the last block: %s; %d of these %d touch a dropped patch.", strings.Join(parts, ", "), touching, len(dep)))
	}
	p.Text = append(p.Text, "Masked prediction trains exactly this: with its neighbours gone a patch must still produce the teacher's features, so its meaning rests on itself more than on its context. A mean near 1 says this image's patches keep their meaning; low patches are where the model leans on what is around.")
	p.Text = append(p.Text, shiftSentence(r.Labels, "what is left of the image"))
	return p
}

// touchesDropped reports whether kept patch p has a dropped 4-neighbour.
func (r *ContextReport) touchesDropped(p int) bool {
	row, col := p/r.GridW, p%r.GridW
	for _, d := range [][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
		rr, cc := row+d[0], col+d[1]
		if rr >= 0 && rr < r.GridH && cc >= 0 && cc < r.GridW && r.IsDropped(rr*r.GridW+cc) {
			return true
		}
	}
	return false
}

func (l *TrainedLesson) correspondPage(f func(float64) string) TrainedPage {
	p := TrainedPage{Title: "4 · Correspondence across images", Chart: CorrespondChart}
	if l.PairName == "" {
		p.Text = []string{"There is no second image: open the explorer with --pair IMAGE_B (with --demo every built-in scene has a partner), or run 'siglip2-tui correspond IMAGE_A IMAGE_B'."}
		return p
	}
	var first, last *CorrespondReport
	for _, r := range l.Correspond {
		if r != nil {
			if first == nil {
				first = r
			}
			last = r
		}
	}
	if first == nil {
		p.Text = []string{"Not measured yet: it runs when the lesson or the correspondence mode opens (v)."}
		return p
	}
	cur := last // the last block's, when measured
	if n := len(l.Correspond); n >= 2 && l.Correspond[n-2] != nil {
		cur = l.Correspond[n-2]
	}
	i := l.Patch.Row*cur.ColsA + l.Patch.Col
	if i < 0 || i >= len(cur.BestA) {
		i = 0
	}
	best := cur.Best(i)
	mutual := "they are mutual nearest neighbours: each is the other's best match"
	if !cur.IsMutual(i) {
		mutual = "they are not mutual nearest neighbours: that patch of B is more like another patch of A"
	}
	p.Text = []string{
		fmt.Sprintf("Image B is %s (%d×%d patches). At %s, patch (%d,%d) of A is most like patch (%d,%d) of B, cosine %s; %s.", l.PairName, cur.RowsB, cur.ColsB, cur.Name, l.Patch.Row, l.Patch.Col, best.Row, best.Col, f(float64(cur.Row(i)[cur.BestA[i]])), mutual),
		fmt.Sprintf("Over all %d patches of A, %d are mutual nearest neighbours with a patch of B at %s, %d at %s. Mutual matches are the ones a tracker or a segmentation transfer could trust.", cur.RowsA*cur.ColsA, first.Mutual, first.Name, last.Mutual, last.Name),
		"At the embeddings a match is a match of colour and texture; deeper, the features describe what is there, so the same object should match across images even at another size and place. Put the cursor on an object in the correspondence mode and see where B lights up.",
	}
	return p
}

func (l *TrainedLesson) summary(f func(float64) string) TrainedPage {
	p := TrainedPage{Title: "5 · Summary"}
	if r := l.GlobalLocal; r != nil {
		b := r.Levels[max(r.BestLevel(), 0)]
		p.Text = append(p.Text, fmt.Sprintf("Global–local: a crop seen alone matches the whole image's patches at %s after the last block (chance %s), best at %s (%s).", f(r.Levels[r.Layers()].Mean), f(r.Levels[r.Layers()].Baseline), b.Name, f(b.Mean)))
	}
	if r := l.Context; r != nil {
		p.Text = append(p.Text, fmt.Sprintf("Masked context: with %d of %d patches dropped, the kept ones keep cosine %s after the last block.", len(r.Dropped), len(r.Dropped)+len(r.Kept), f(r.Levels[r.Layers()].Mean)))
	}
	if n := len(l.Correspond); n >= 2 && l.Correspond[n-2] != nil {
		r := l.Correspond[n-2]
		p.Text = append(p.Text, fmt.Sprintf("Correspondence: %d of %d patches of A are mutual nearest neighbours with %s at %s.", r.Mutual, r.RowsA*r.ColsA, l.PairName, r.Name))
	}
	p.Text = append(p.Text,
		"Try: drag another crop with the mouse (or move it with the arrows, < > to resize); in masked context x drops or keeps the patch under the cursor and z draws another random set; s saves each mode as PNG + JSON.",
		"For scripts: 'siglip2-tui globallocal --json', 'context --json' and 'correspond --json' print these numbers.")
	return p
}

// shiftSentence says how the best label of the whole image fared on the
// changed one.
func shiftSentence(shifts []LabelShift, changed string) string {
	if len(shifts) == 0 {
		return "Add labels (view 3) to see their scores here too."
	}
	top, topC := 0, 0
	for i, s := range shifts {
		if s.Whole.Prob > shifts[top].Whole.Prob {
			top = i
		}
		if s.Changed.Prob > shifts[topC].Changed.Prob {
			topC = i
		}
	}
	s := fmt.Sprintf("Labels: %q scores %.2f on the whole image and %.2f on %s.", shifts[top].Label, shifts[top].Whole.Prob, shifts[top].Changed.Prob, changed)
	if topC != top {
		s += fmt.Sprintf(" There the top label is %q (%.2f).", shifts[topC].Label, shifts[topC].Changed.Prob)
	}
	return s
}

// TrainedLevelChart is a per-level chart of a lesson screen or a mode:
// global–local (matching patches and chance), masked context (kept
// patches) or correspondence (mutual nearest neighbours as a share of A's
// patches). ok is false when its report is missing.
func (l *TrainedLesson) TrainedLevelChart(kind TrainedChart) (viz.LineChart, bool) {
	nan := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.NaN()
		}
		return v
	}
	switch kind {
	case GlobalLocalChart:
		if r := l.GlobalLocal; r != nil {
			mean, base := nan(len(r.Levels)), nan(len(r.Levels))
			for i, lv := range r.Levels {
				mean[i], base[i] = lv.Mean, lv.Baseline
			}
			return viz.LineChart{XMin: 0, XMax: len(r.Levels) - 1, Limits: &[2]float64{-1, 1}, Series: []viz.ChartSeries{
				{Name: "chance", Y: base, Mark: '×', Color: positionsColor},
				{Name: "matching patch", Y: mean, Mark: '●', Color: imageColor}}}, true
		}
	case ContextChart:
		if r := l.Context; r != nil {
			mean := nan(len(r.Levels))
			for i, lv := range r.Levels {
				mean[i] = lv.Mean
			}
			return viz.LineChart{XMin: 0, XMax: len(r.Levels) - 1, Limits: &[2]float64{-1, 1}, Series: []viz.ChartSeries{
				{Name: "kept patches", Y: mean, Mark: '●', Color: imageColor}}}, true
		}
	case CorrespondChart:
		if n := len(l.Correspond); n > 0 {
			share := nan(n)
			any := false
			for i, r := range l.Correspond {
				if r != nil {
					share[i] = float64(r.Mutual) / float64(r.RowsA*r.ColsA)
					any = true
				}
			}
			if any {
				return viz.LineChart{XMin: 0, XMax: n - 1, Limits: &[2]float64{0, 1}, Series: []viz.ChartSeries{
					{Name: "mutual share", Y: share, Mark: '●', Color: imageColor}}}, true
			}
		}
	}
	return viz.LineChart{}, false
}
