package inspect

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
)

// What the text tower reads for one label, and where it looks: the framed
// token ids and their pieces, the attention of the last position (the one
// the text head pools) over the tokens in every layer and head, and lints
// for the mistakes that make labels score badly without saying why.

// TextOptions say how a label becomes a prompt and what the model expects.
type TextOptions struct {
	Prompt engine.PromptOptions
	// ExpectTemplate is set when the model expects labels inside a
	// sentence (SigLIP 2's checkpoints: "this is a photo of {}."); the toy
	// models were trained on bare captions and do not.
	ExpectTemplate bool
}

// TextView is one label as the text tower reads it.
type TextView struct {
	Label  string
	Prompt string
	// Options are the prompt options the label was framed with.
	Options engine.PromptOptions
	// IDs are the framed ids (Length of them) and Pieces their tokens.
	IDs    []int
	Pieces []string
	// Length is the model's text length (max_position_embeddings).
	Length int
	// EOS is the position of <eos>: the prompt's tokens are 0…EOS−1.
	EOS int
	// RawTokens is the prompt's token count before the cut to Length−1;
	// CutText is what the cut removed ("" when nothing was).
	RawTokens int
	CutText   string
	// Layers and Heads are the text tower's.
	Layers, Heads int
	// Attention[l] is block l+1's attention of the last position, the one
	// the text head pools, over the Length tokens: heads × Length, head h+1
	// at [h·Length:(h+1)·Length].
	Attention [][]float32
	// Lints explain common mistakes in the label or the prompt options.
	Lints []Lint
}

// Lint is one mistake found in a label, with what to do about it.
type Lint struct {
	// Kind is "cut", "case", "template", "template-twice" or "unknown".
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// AnalyzeText frames label as the model reads it and runs the text tower
// on it with its internals captured.
func AnalyzeText(ctx context.Context, m *engine.Model, label string, o TextOptions) (*TextView, error) {
	prompt, ids, err := m.Tokenize(label, o.Prompt)
	if err != nil {
		return nil, fmt.Errorf("text tower: %w", err)
	}
	tok := m.Tokenizer
	pieces, err := tok.Pieces(ids)
	if err != nil {
		return nil, fmt.Errorf("text tower: %w", err)
	}
	cfg := m.Config.Text
	v := &TextView{Label: label, Prompt: prompt, Options: o.Prompt, IDs: ids, Pieces: pieces, Length: len(ids),
		Layers: cfg.Layers, Heads: cfg.Heads}
	raw := tok.Encode(prompt)
	v.RawTokens, v.EOS = len(raw), min(len(raw), len(ids)-1)
	if len(raw) > v.EOS {
		if v.CutText, err = tok.Decode(raw[v.EOS:]); err != nil {
			return nil, fmt.Errorf("text tower: %w", err)
		}
	}
	out, err := m.EncodeTexts(ctx, [][]int{ids}, true)
	if err != nil {
		return nil, fmt.Errorf("text tower: %w", err)
	}
	defer out.Internals.Release()
	if err := m.CheckText(out); err != nil {
		return nil, fmt.Errorf("text tower: %w", err)
	}
	n := v.Length
	for l := range cfg.Layers {
		attn, err := out.Internals.Attention(l, 0)
		if err != nil {
			return nil, fmt.Errorf("text tower: %w", err)
		}
		row := make([]float32, cfg.Heads*n)
		for h := range cfg.Heads {
			copy(row[h*n:(h+1)*n], attn[(h*n+n-1)*n:(h*n+n)*n])
		}
		v.Attention = append(v.Attention, row)
	}
	v.Lints = textLints(m, v, o)
	return v, nil
}

// Pooled is the position the text head reads: the last one.
func (v *TextView) Pooled() int { return v.Length - 1 }

// Pads is the number of <pad> tokens after <eos>.
func (v *TextView) Pads() int { return v.Length - v.EOS - 1 }

// HeadAttention is block layer's (1…Layers) head's (0-based, or
// viz.MeanHeads: -1) attention of the pooled position over the tokens.
func (v *TextView) HeadAttention(layer, head int) []float32 {
	row := v.Attention[layer-1]
	n := v.Length
	if head >= 0 {
		return row[head*n : (head+1)*n]
	}
	mean := make([]float32, n)
	for h := range v.Heads {
		for k := range n {
			mean[k] += row[h*n+k]
		}
	}
	for k := range mean {
		mean[k] /= float32(v.Heads)
	}
	return mean
}

// textLints finds the mistakes the text view explains.
func textLints(m *engine.Model, v *TextView, o TextOptions) []Lint {
	var out []Lint
	if v.CutText != "" {
		out = append(out, Lint{"cut", fmt.Sprintf("Too long: the prompt is %d tokens, the text tower reads the first %d and <eos> (its length is %d), so %q was cut and never seen. Shorten the label or the template.",
			v.RawTokens, v.EOS, v.Length, strings.TrimSpace(v.CutText))})
	}
	if o.Prompt.KeepCase && v.Prompt != strings.ToLower(v.Prompt) {
		out = append(out, Lint{"case", fmt.Sprintf("Upper case kept (lower-casing is off): SigLIP 2 was trained on lower-cased text and its tokenizer does not lower-case, so %q reads as other tokens than %q. Leave lower-casing on (drop --no-lowercase).",
			v.Prompt, strings.ToLower(v.Prompt))})
	}
	tmpl := cmp.Or(o.Prompt.Template, tokenizer.DefaultTemplate)
	frame := strings.TrimSpace(strings.Replace(tmpl, "{}", "", 1))
	if o.ExpectTemplate && frame == "" {
		out = append(out, Lint{"template", fmt.Sprintf("No template: the label is read bare. The template is the sentence the label is put into, %q by default; SigLIP 2's zero-shot results are measured with such a sentence, and bare labels score lower and rank less reliably. Drop --template {} to use the default.",
			tokenizer.DefaultTemplate)})
	}
	if before, _, ok := strings.Cut(tmpl, "{}"); ok {
		if prefix := strings.ToLower(strings.TrimSpace(before)); prefix != "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(v.Label)), prefix) {
			out = append(out, Lint{"template-twice", fmt.Sprintf("Template twice: the label already starts with %q and the template adds it again, so the model reads %q. Give the label alone (\"a cat\"), the template does the rest.",
				strings.TrimSpace(before), v.Prompt)})
		}
	}
	if unknown := m.UnknownWords(v.Label); len(unknown) > 0 {
		why := "the tokenizer can only read them as <unk>"
		if m.ClosedVocabulary() {
			why = "they are not in the words this model was trained on"
		}
		out = append(out, Lint{"unknown", fmt.Sprintf("Unknown words %s: %s, so the label's score says nothing about the image.", strings.Join(unknown, ", "), why)})
	}
	return out
}
