package inspect

// WhyLesson is the teaching text of the Why view's "about" part: what a
// causal probe is, how it differs from the maps of the other views, and
// how to read each of its parts. demo adds what the toy model's scenes
// let a student check by eye.
func WhyLesson(demo bool) []string {
	out := []string{
		"Attention, rollout, the pooling head's weights and the label map say where the model looks. They do not say what its answer needs: a head can attend to a patch and then throw what it read away, and a patch nobody seems to attend to can still carry the answer through other tokens. \"Attention is not explanation.\"",
		"A causal probe changes the input or the model and measures the label's logit again. Occlusion drops one patch at a time: its token is removed, so no layer and not the pooling head can read it, and the other patches keep their own positions. The delta is the new logit minus the whole image's logit: blue (negative) patches supported the label, red ones spoke against it, pale ones did not matter. Each patch costs one forward pass (one per block with bigger blocks: z).",
		"Head ablation silences one head of one block (its output is zeroed before the output projection) and measures the logit again: one pass per head, each starting at its own block. A large blue cell is a head the label needs; enter opens that head's attention map, so you can see where a needed head looks.",
		"The curves test the maps themselves. Rank the patches by a map, highest first, and drop them in that order (deletion) or keep only the top ones (insertion). A map that explains the score makes the deletion curve fall fastest (small area) and the insertion curve rise fastest (large area). The occlusion map usually wins: it was measured, not inferred. When attention's curve is no better than the others, its map was a picture of looking, not of needing.",
		"Caveats: dropping a patch is not the same as the patch never having been there (the model never saw images with holes), two patches can each be redundant and still matter together (bigger blocks show that), and a logit change is about this label only: an empty patch can lower one label and raise another.",
	}
	if demo {
		out = append(out, "The toy model's scenes make this checkable by eye: the occlusion map of \"a blue circle\" should be blue on the circle's patches and pale on the grass. If the attention map's curve falls more slowly than occlusion's, it looked at more than the label needed.")
	}
	return out
}
