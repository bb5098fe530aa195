package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// PromptOptions say how a label becomes the text the model reads. SigLIP 2
// was trained on lower-cased text and its tokenizer does not lower-case, so
// labels are lower-cased and wrapped in a template by default.
type PromptOptions struct {
	// Template holds one {} for the label; empty means
	// tokenizer.DefaultTemplate ("this is a photo of {}.").
	Template string
	// KeepCase leaves the prompt's case alone.
	KeepCase bool
}

// Label is a text label encoded by the text tower.
type Label struct {
	Text   string // as the user typed it
	Prompt string // what the model read
	IDs    []int  // token ids, SigLIP 2 framing
	// Unknown lists the label's words the model cannot know (see
	// Model.UnknownWords): its score means nothing.
	Unknown []string
	// Embed is the L2-normalised text embedding.
	Embed []float32
}

// Score is how well a label matches an image.
type Score struct {
	Logit float32
	// Prob is the sigmoid of Logit: the label's probability on its own,
	// independent of the other labels (not a softmax).
	Prob float32
}

// loadTokenizer loads dir's tokenizer.json or tokenizer.model. A folder
// with neither leaves the model without one (image-only use), and so does
// a tokenizer this engine cannot read (not a Gemma-style BPE, as SigLIP 1's
// is not): unsupported then says why, and the model still works on
// images. A tokenizer file that cannot be read at all (a FIFO, a symlink
// loop, over the size limit) is an error.
func loadTokenizer(dir string) (tok *tokenizer.Tokenizer, unsupported, err error) {
	for _, name := range []string{tokenizer.JSONFile, tokenizer.SentencePieceFile} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			data, err := inputfile.ReadFile(path, inputfile.TokenizerLimit)
			if err != nil {
				return nil, nil, fmt.Errorf("tokenizer: %w", err)
			}
			if tok, err = tokenizer.Parse(data); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err), nil
			}
			return tok, nil, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			// Say what is wrong in the words Load uses ("symlink loop").
			return nil, nil, fmt.Errorf("tokenizer: %w", inputfile.CheckRegular(path))
		}
	}
	return nil, nil, nil
}

// CanEncodeText reports why the model cannot encode text labels (its
// folder has no tokenizer, or one this engine does not read), or nil when
// it can. Images work either way.
func (m *Model) CanEncodeText() error {
	switch {
	case m.Tokenizer != nil:
		return nil
	case m.TokenizerErr != nil:
		return fmt.Errorf("%s: its tokenizer is not one this program reads (%w), so text labels cannot be encoded; the image views work", m.Dir, m.TokenizerErr)
	}
	return fmt.Errorf("%s has no tokenizer.json or tokenizer.model, so text labels cannot be encoded; the image views work", m.Dir)
}

// Tokenize turns a label into its prompt and token ids.
func (m *Model) Tokenize(label string, p PromptOptions) (prompt string, ids []int, err error) {
	if err := m.CanEncodeText(); err != nil {
		return "", nil, err
	}
	if prompt, err = tokenizer.Prompt(label, p.Template, !p.KeepCase); err != nil {
		return "", nil, err
	}
	ids, err = m.Tokenizer.EncodeSigLIP(prompt, m.Config.Text.MaxPositions)
	return prompt, ids, err
}

// EncodeLabels encodes labels with the text tower, TextBatch labels per
// forward pass. Prompts seen before are served from a cache, so adding one
// label to a list encodes only that one. Cancelling ctx stops the text
// tower between two blocks.
func (m *Model) EncodeLabels(ctx context.Context, labels []string, p PromptOptions) ([]Label, time.Duration, error) {
	start := time.Now()
	out := make([]Label, len(labels))
	var todo []int
	var ids [][]int
	for i, text := range labels {
		prompt, tokens, err := m.Tokenize(text, p)
		if err != nil {
			return nil, 0, fmt.Errorf("label %q: %w", text, err)
		}
		out[i] = Label{Text: text, Prompt: prompt, IDs: tokens, Unknown: m.UnknownWords(text)}
		m.labelMu.Lock()
		emb, ok := m.labelCache[prompt]
		m.labelMu.Unlock()
		if ok {
			out[i].Embed = emb
			continue
		}
		todo = append(todo, i)
		ids = append(ids, tokens)
	}
	if len(todo) > 0 {
		embeds, err := m.TextEmbeddings(ctx, ids) // bounded batches: any number of labels
		if err != nil {
			return nil, 0, err
		}
		d := m.Config.Text.ProjectionSize
		m.labelMu.Lock()
		if m.labelCache == nil {
			m.labelCache = map[string][]float32{}
		}
		for k, i := range todo {
			emb := embeds[k*d : (k+1)*d : (k+1)*d]
			out[i].Embed = emb
			if len(m.labelCache) > 4096 {
				clear(m.labelCache)
			}
			m.labelCache[out[i].Prompt] = emb
		}
		m.labelMu.Unlock()
	}
	if err := m.CheckLabels(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, time.Since(start), nil
}

// ScoreLabels scores every label against an image embedding. A logit that
// is not finite is reported (a *NonFiniteError), never returned.
func (m *Model) ScoreLabels(imageEmbed []float32, labels []Label) ([]Score, error) {
	d := m.Config.Vision.Hidden
	text := make([]float32, 0, len(labels)*d)
	for _, l := range labels {
		text = append(text, l.Embed...)
	}
	logits, err := m.Logits(imageEmbed, text)
	if err != nil {
		return nil, err
	}
	if err := m.CheckLogits(logits, imageEmbed, text); err != nil {
		return nil, err
	}
	out := make([]Score, len(labels))
	for i, l := range logits {
		out[i] = Score{Logit: l, Prob: sigmoid(l)}
	}
	return out, nil
}
