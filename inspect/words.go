package inspect

import (
	"context"
	"fmt"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Word deletion: how much each word of a label carries, measured as the
// label's logit against the image with that word removed, minus the full
// label's logit. A large negative delta marks a word the match rests on; a
// positive one a word that hurts it.

// WordDeletion is one label's word deletion against one image.
type WordDeletion struct {
	Label  string
	Prompt string
	// Logit is the full label's logit.
	Logit float32
	// Words has one entry per word, in the label's order (a repeated word
	// is removed one occurrence at a time).
	Words []WordDelta
}

// WordDelta is the label with one word removed.
type WordDelta struct {
	// Word is the word removed; Index its place among the label's words
	// (0-based).
	Word  string
	Index int
	// Without is the label without it, its other words joined by single
	// spaces; Prompt is what the model read for it.
	Without string
	Prompt  string
	Logit   float32
	// Delta is Logit minus the full label's logit.
	Delta float32
}

// LabelWords splits a label into the words word deletion removes: runs of
// characters between white space, punctuation kept with its word.
func LabelWords(label string) []string { return strings.Fields(label) }

// WithoutWord is label without its i-th word (LabelWords), the others
// joined by single spaces.
func WithoutWord(label string, i int) string {
	w := LabelWords(label)
	if i < 0 || i >= len(w) {
		return strings.Join(w, " ")
	}
	return strings.Join(append(w[:i:i], w[i+1:]...), " ")
}

// DeleteWords scores label and, for each of its words, the label without
// that word against imageEmbed, all as a classification scores labels
// (Model.EncodeLabels with the prompt options p, then Model.ScoreLabels),
// in one call so they share the text tower's batches.
func DeleteWords(ctx context.Context, m *engine.Model, imageEmbed []float32, label string, p engine.PromptOptions) (*WordDeletion, error) {
	words := LabelWords(label)
	if len(words) == 0 {
		return nil, fmt.Errorf("word deletion: the label is empty: give a label of one or more words")
	}
	texts := []string{label}
	for i := range words {
		texts = append(texts, WithoutWord(label, i))
	}
	labels, _, err := m.EncodeLabels(ctx, texts, p)
	if err != nil {
		return nil, fmt.Errorf("word deletion: %w", err)
	}
	scores, err := m.ScoreLabels(imageEmbed, labels)
	if err != nil {
		return nil, fmt.Errorf("word deletion: %w", err)
	}
	out := &WordDeletion{Label: label, Prompt: labels[0].Prompt, Logit: scores[0].Logit}
	for i, w := range words {
		l := scores[i+1].Logit
		out.Words = append(out.Words, WordDelta{Word: w, Index: i, Without: texts[i+1], Prompt: labels[i+1].Prompt, Logit: l, Delta: l - out.Logit})
	}
	return out, nil
}

// WordsJSON is the JSON of a word deletion (the words command's output).
type WordsJSON struct {
	Label  string        `json:"label"`
	Prompt string        `json:"prompt"`
	Logit  viz.JSONFloat `json:"logit"`
	// Words lists each word's deletion in the label's order.
	Words []WordJSON `json:"words"`
}

// WordJSON is one word's deletion in JSON.
type WordJSON struct {
	Word    string        `json:"word"`
	Without string        `json:"without"`
	Logit   viz.JSONFloat `json:"logit"`
	Delta   viz.JSONFloat `json:"delta"`
}

// JSON is d for JSON output: logits and deltas as the shortest decimals
// that read back to the same float32 values, as classify writes logits.
func (d *WordDeletion) JSON() WordsJSON {
	out := WordsJSON{Label: d.Label, Prompt: d.Prompt, Logit: viz.JSONFloat(d.Logit), Words: []WordJSON{}}
	for _, w := range d.Words {
		out.Words = append(out.Words, WordJSON{Word: w.Word, Without: w.Without, Logit: viz.JSONFloat(w.Logit), Delta: viz.JSONFloat(w.Delta)})
	}
	return out
}
