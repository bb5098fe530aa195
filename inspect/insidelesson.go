package inspect

import (
	"fmt"
	"math"
)

// The Inside lesson: what registers and artefacts are, how to spot them
// with the norm and position maps, and how the text tower reads a label,
// with the numbers of the user's own image.

// InsideFacts are the numbers the Inside lesson quotes.
type InsideFacts struct {
	// Profile holds every feature level's norms (NormProfile).
	Profile []NormLevel
	// Positions are the position embeddings' norms on this grid.
	Positions *NormStats
	// Rows, Cols are the patch grid; Table describes the position table
	// (PositionTable).
	Rows, Cols int
	Table      string
	// TextLength is the text tower's length (max_position_embeddings).
	TextLength int
	// Demo adds what the toy model shows.
	Demo bool
}

// InsideLessonPages writes the lesson.
func InsideLessonPages(f InsideFacts) []LessonPage {
	k := DefaultOutlierK
	if len(f.Profile) > 0 {
		k = f.Profile[0].Stats.K
	}
	// The level whose largest norm stands out most, and the levels with
	// outliers.
	top, topRatio := -1, 0.0
	var flagged []NormLevel
	for i, lv := range f.Profile {
		if r := lv.Stats.Ratio(); !math.IsNaN(r) && r > topRatio {
			top, topRatio = i, r
		}
		if len(lv.Stats.Outliers) > 0 {
			flagged = append(flagged, lv)
		}
	}
	var pages []LessonPage
	intro := LessonPage{Title: "1 · Registers and artefacts", Level: -1, Text: []string{
		"Large vision transformers learn to use a few patches as scratch space. Patches whose own content is redundant (sky, wall, a uniform background) are recycled to hold global information about the whole image. Their feature vectors grow far larger than the others' — often 10× the typical norm — and the other tokens' attention then concentrates on them (Darcet et al., \"Vision Transformers Need Registers\", 2023).",
		"The fix in that paper is to give the model a few extra tokens, registers, that belong to no patch, so it stops overwriting patches. SigLIP 2 has no registers: if it needs the scratch space, it takes it from your image's patches, and their maps (similarity, label maps) then say little about what is there.",
		"Spotting them: a patch whose feature norm is far above the image's median at the same layer. This view flags norms above k × the median; k is " + fmt.Sprintf("%g", k) + " here, and < > change it in the norms and positions modes.",
	}}
	pages = append(pages, intro)
	p := LessonPage{Title: "2 · Norms on your image", Level: -1}
	if top >= 0 {
		lv := f.Profile[top]
		p.Text = append(p.Text, fmt.Sprintf("The norm map (v: norms) colours each patch by the length of its feature vector at one layer; [ ] step through the layers. On this %d×%d grid the largest norm relative to the median is at layer %d (%s): patch (%d,%d), %.2f× the median of %s.",
			f.Rows, f.Cols, lv.Level, lv.Name, lv.Stats.MaxPatch.Row, lv.Stats.MaxPatch.Col, topRatio, FormatNorm(lv.Stats.Median)))
	}
	if len(flagged) == 0 {
		p.Text = append(p.Text, fmt.Sprintf("No level has a patch above %g× its median: no artefact tokens on this image at this threshold. Norms still differ from patch to patch (the map shows where), but nothing stands apart as a token of another kind.", k))
	} else {
		lv := flagged[0]
		for _, x := range flagged {
			if len(x.Stats.Outliers) > len(lv.Stats.Outliers) {
				lv = x
			}
		}
		o := lv.Stats.Outliers[0]
		p.Text = append(p.Text, fmt.Sprintf("%d of the %d levels have outliers above %g× the median. Most at %s: %d patches, the largest at (%d,%d) with %.2f× the median.",
			len(flagged), len(f.Profile), k, lv.Name, len(lv.Stats.Outliers), o.Patch.Row, o.Patch.Col, o.Ratio))
		if !math.IsNaN(lv.AttentionShare) {
			reader := fmt.Sprintf("block %d", lv.Level+1)
			if lv.Level >= len(f.Profile)-2 {
				reader = "the pooling head"
			}
			p.Text = append(p.Text, fmt.Sprintf("They are %.0f%% of the patches and receive %.0f%% of %s's attention (the \"attn\" column). An artefact takes far more attention than its share of the image; a salient object can too, so look at where it is: on background it is an artefact, on the object it is content.",
				100*lv.AreaShare, 100*lv.AttentionShare, reader))
		}
	}
	p.Text = append(p.Text, "Check in other views: the similarity map (1) from an outlier patch lights up scattered, unrelated patches instead of its surroundings; the attention view (2) of a deep block shows many query patches looking at the same few patches.")
	pages = append(pages, p)
	pos := LessonPage{Title: "3 · Position embeddings", Level: -1, Text: []string{
		"Before the first block every patch gets a position embedding added: " + f.Table + ". The positions view (v) shows, for the cursor's position, its cosine similarity to every other position: a smooth blob around the cursor means the table encodes distance; stripes mean rows or columns are encoded separately.",
	}}
	if s := f.Positions; s != nil {
		line := fmt.Sprintf("Their norms: median %s, largest %s at (%d,%d), %.2f× the median.", FormatNorm(s.Median), FormatNorm(s.Max), s.MaxPatch.Row, s.MaxPatch.Col, s.Ratio())
		if len(s.Outliers) > 0 {
			line += fmt.Sprintf(" %d positions are above %g×: cells with extreme values in the table. A patch there gets a large push whatever the image shows, and at layer 0 its norm stands out for that reason alone — compare the norm map at the embeddings with these cells before blaming the content.", len(s.Outliers), s.K)
		} else {
			line += fmt.Sprintf(" None is above %g×: no grid cell carries extreme values on this grid, so a norm outlier at layer 0 comes from the patch's pixels, not its place.", s.K)
		}
		pos.Text = append(pos.Text, line)
	}
	pages = append(pages, pos)
	pages = append(pages, LessonPage{Title: "4 · The text tower", Level: -1, Text: []string{
		"A label is not read as typed. It is lower-cased (SigLIP 2 was trained on lower-cased text and its tokenizer does not lower-case), put into a template (\"this is a photo of {}.\" by default), split into Gemma tokens, ended with <eos> and padded with <pad> to the model's length (64 tokens in every released SigLIP 2; " + fmt.Sprint(f.TextLength) + " for this one). There is no attention mask: every position, padding included, takes part.",
		"The text embedding is read at the last position, usually a <pad>: it has to gather the sentence through attention. The text tower view (v) shows that position's attention over the tokens in each layer (rows: tokens, columns: heads) — which words the embedding is built from.",
		"Word deletion scores the label again with each word removed: the change in logit says how much the match rests on that word. The lints flag the usual mistakes: a label cut at the length limit, upper case with lower-casing off, no template, or the template given twice.",
	}})
	if f.Demo {
		pages[len(pages)-1].Text = append(pages[len(pages)-1].Text, "The toy model was trained on bare captions (\"a big red circle at the top left\"), so it expects no template, and it knows only its caption words.")
	}
	return pages
}

// FormatNorm writes a norm with three significant digits or more, as
// the lesson, the exports and the Inside view all print norms.
func FormatNorm(v float32) string {
	switch a := math.Abs(float64(v)); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
