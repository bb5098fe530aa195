package inspect

import (
	"fmt"
	"math"
)

// The locality lesson: a short guided sequence of screens that walks
// through what to look at, layer by layer, in plain language, with the
// numbers just computed for the user's own image.

// LessonPage is one screen of the lesson: a title, the feature level whose
// curve is drawn beside the text (-1: none) and the text.
type LessonPage struct {
	Title string
	Level int
	Text  []string // paragraphs
}

// LessonPages writes the lesson from a complete report; demo adds a
// paragraph about the toy model.
func LessonPages(r *LocalityReport, demo bool) []LessonPage {
	L := r.Layers
	v := r.GridH * r.GridW
	lv := func(l int) *LocalityLevel {
		if l >= 0 && l < len(r.Levels) {
			return r.Levels[l]
		}
		return nil
	}
	f := func(x float64) string {
		if math.IsNaN(x) {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", x)
	}
	signed := func(x float64) string {
		if math.IsNaN(x) {
			return "n/a"
		}
		return fmt.Sprintf("%+.2f", x)
	}
	// follows says what a level's features follow, from the mirror test.
	follows := func(l *LocalityLevel) string {
		if l == nil || !l.HasMirror {
			return "the mirror test is not available"
		}
		d := l.Match.Content - l.Match.Position
		switch {
		case d > 0.05:
			return fmt.Sprintf("content: a patch matches the same content in the mirrored image (%s) better than the same place (%s)", f(l.Match.Content), f(l.Match.Position))
		case d < -0.05:
			return fmt.Sprintf("position: a patch matches the same place in the mirrored image (%s) better than the same content (%s)", f(l.Match.Position), f(l.Match.Content))
		}
		return fmt.Sprintf("content and position about equally (same content %s, same place %s)", f(l.Match.Content), f(l.Match.Position))
	}
	most, mostIdx := -1, math.Inf(-1)
	for l := 0; l <= L+1; l++ {
		if x := lv(l); x != nil && !math.IsNaN(x.Stats.Index) && x.Stats.Index > mostIdx {
			most, mostIdx = l, x.Stats.Index
		}
	}
	mid := max(L/2, 1)
	first, middle, last, out := lv(0), lv(mid), lv(L), lv(L+1)
	var pages []LessonPage
	intro := LessonPage{Title: "1 · What locality means", Level: -1, Text: []string{
		fmt.Sprintf("SigLIP 2 cut your image into a %d×%d grid: %d patches. At every layer each patch has a feature vector, and two patches are alike when the cosine similarity of their vectors is near 1.", r.GridH, r.GridW, v),
		"Dense features are good when a patch's feature describes what is at that patch (local) and similar things get similar features wherever they are (semantic). SigLIP 2 added decoder, self-distillation and masked-prediction losses for exactly this.",
		fmt.Sprintf("The chart plots the mean similarity of patch pairs against their distance on the grid. The locality index is near − far: the mean similarity of 4-neighbours minus that of pairs %d or more patches apart. → next page, ← back, esc leaves.", 4),
	}}
	if demo {
		intro.Text = append(intro.Text, "This is the built-in toy SigLIP 2 (4 blocks, 8-pixel patches, trained here on coloured shapes): the same phenomena on a small scale. A real checkpoint has 12–27 blocks and far more to show.")
	}
	pages = append(pages, intro)
	if first != nil {
		p := LessonPage{Title: "2 · The embeddings (layer 0)", Level: 0, Text: []string{
			"Layer 0 is each patch's pixels through one linear map, plus a position embedding that says where the patch is. No patch has seen any other yet.",
			fmt.Sprintf("Neighbours are %s alike, far pairs %s: locality index %s.", f(first.Stats.Near), f(first.Stats.Far), signed(first.Stats.Index)),
		}}
		if r.HasPositions {
			p.Text = append(p.Text, fmt.Sprintf("The position embeddings alone (× curve) have index %s. If the image's curve looks like theirs, layer 0 similarity is mostly about where patches are.", signed(r.PositionStats.Index)))
		}
		p.Text = append(p.Text, "Mirror test: layer 0 follows "+follows(first)+".")
		pages = append(pages, p)
	}
	if middle != nil && first != nil {
		change := "rose"
		if middle.Stats.Index < first.Stats.Index {
			change = "fell"
		}
		p := LessonPage{Title: fmt.Sprintf("3 · The middle (layer %d of %d)", mid, L), Level: mid, Text: []string{
			fmt.Sprintf("After %d blocks of attention every patch has mixed in information from the others.", mid),
			fmt.Sprintf("The locality index %s from %s at layer 0 to %s here (near %s, far %s).", change, signed(first.Stats.Index), signed(middle.Stats.Index), f(middle.Stats.Near), f(middle.Stats.Far)),
			"A curve that flattens means distant patches became as alike as neighbours: they now share global information. A curve that stays steep means patches kept features of their own.",
			"Mirror test: here the features follow " + follows(middle) + ".",
		}}
		pages = append(pages, p)
	}
	if last != nil {
		p := LessonPage{Title: fmt.Sprintf("4 · The last block (layer %d)", L), Level: L, Text: []string{
			fmt.Sprintf("The last block's features: near %s, far %s, locality index %s; self-vs-neighbour contrast %s (0 would mean neighbours are copies).", f(last.Stats.Near), f(last.Stats.Far), signed(last.Stats.Index), f(last.Stats.Contrast)),
			"Mirror test: they follow " + follows(last) + ".",
		}}
		if out != nil {
			p.Text = append(p.Text, fmt.Sprintf("Level %d is the same features after the final LayerNorm (index %s): what the pooling head and the label maps read.", L+1, signed(out.Stats.Index)))
		}
		pages = append(pages, p)
	}
	if r.HasPooling {
		p := LessonPage{Title: "5 · The pooling head", Level: L + 1, Text: []string{
			"SigLIP turns the patch features into one image embedding with an attention-pooling head: a learned probe attends over all patches, and every label score comes from that one embedding.",
			fmt.Sprintf("On your image the probe spreads its attention (mean over heads) over about %.0f of the %d patches; the top tenth of patches get %.0f%% of it.", r.Pooling.Effective, v, 100*r.Pooling.TopTenth),
			"The more local and semantic the last layer's features, the better the label maps (view 3) line up with the objects the labels name. Attention view, t: pooling head, shows where it looks.",
		}}
		pages = append(pages, p)
	}
	sum := LessonPage{Title: "6 · Summary", Level: max(most, 0), Text: nil}
	if most >= 0 {
		sum.Text = append(sum.Text, fmt.Sprintf("The most local level of this image is %s (index %s).", r.Levels[most].Name, signed(mostIdx)))
	}
	from := -1
	for l := 0; l <= L+1; l++ {
		if x := lv(l); x != nil && x.HasMirror && x.Match.Content-x.Match.Position > 0.05 {
			from = l
			break
		}
	}
	if from >= 0 {
		sum.Text = append(sum.Text, fmt.Sprintf("Features follow content more than position from %s on.", r.Levels[from].Name))
	} else if r.MirrorErr == nil {
		sum.Text = append(sum.Text, "At no level do the features follow content clearly more than position.")
	}
	sum.Text = append(sum.Text,
		"Try: [ and ] step through the layers in the curve view, v switches to the layer × distance table, s saves the charts as PNG.",
		"Compare budgets with 'siglip2-tui compare --max-patches 64,256,1024 IMAGE', or run 'siglip2-tui locality --csv' for the numbers.")
	pages = append(pages, sum)
	return pages
}
