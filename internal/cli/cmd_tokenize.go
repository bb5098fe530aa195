package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/hub"
	"io"
	"os"
	"path/filepath"

	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
)

var cmdTokenize = command{
	name:    "tokenize",
	summary: "show the token ids SigLIP 2's text tower gets for labels or texts",
	run:     runTokenize,
}

const tokenizeHelp = `Usage: siglip2-tui tokenize (--model ID|DIR | --tokenizer FILE | --demo) [flags] TEXT...

Tokenizes each TEXT with the model's Gemma tokenizer and prints one JSON
object per line:

  {"label": ..., "text": ..., "input_ids": [...], "tokens": [...]}

label is the argument, text is what was tokenized, tokens are the pieces of
input_ids ("▁" marks a space, <0xNN> is a byte of a character the
vocabulary lacks).

By default each TEXT is a label and is prepared as SigLIP 2 expects:
lower-cased (the model was trained on lower-cased text, and the tokenizer
does not lower-case), put into the template, then framed: no <bos>, <eos>
(id 1) appended, texts longer than the limit keep their first length-1
tokens and still end in <eos>, then <pad> (id 0) up to the length (64 for
every released SigLIP 2 model). No attention mask: the text tower reads all
64 positions.

Examples:
  siglip2-tui tokenize --model ./siglip2-base-patch16-224 cat "Golden Retriever"
      → "this is a photo of cat." ... framed to 64 ids
  siglip2-tui tokenize --tokenizer tokenizer.json --raw "A photo of a Cat."
      → Hugging Face's tokenizer(text, add_special_tokens=False).input_ids
  siglip2-tui tokenize --tokenizer tokenizer.json --template '{}' --no-lowercase "A photo"
      → what SigLIP 2's processor gives for the text exactly as written
        (padding="max_length", max_length=64)

Flags (before the texts):
  --model ID|DIR     a hub id (downloaded once, like every command's --model)
                     or a model folder with tokenizer.json (or
                     tokenizer.model); its config.json's
                     text_config.max_position_embeddings is the default --length
  --revision REV     branch, tag or commit of a hub model (default main)
  --demo             the built-in toy model's tokenizer (knows only the words
                     of its captions: colours, shapes, sizes, positions)
  --tokenizer FILE   a tokenizer.json or tokenizer.model file
  --template T       label template, "{}" marks the label (default %q)
  --no-lowercase     keep the label's case
  --length N         framed length (default 64, or the model's)
  --raw              print the tokenizer's ids as they are: no template, no
                     lower-casing, no <eos>, no padding, no truncation
`

func runTokenize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	model := fs.String("model", "", "")
	revision := fs.String("revision", hub.DefaultRevision, "")
	demo := fs.Bool("demo", false, "")
	file := fs.String("tokenizer", "", "")
	template := fs.String("template", tokenizer.DefaultTemplate, "")
	noLower := fs.Bool("no-lowercase", false, "")
	length := fs.Int("length", 0, "")
	raw := fs.Bool("raw", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, tokenizeHelp, tokenizer.DefaultTemplate)
			return flag.ErrHelp
		}
		return usageErrorf("%v (run 'siglip2-tui tokenize --help')", err)
	}
	texts := fs.Args()
	switch {
	case btoi(*model != "")+btoi(*file != "")+btoi(*demo) != 1:
		return usageErrorf("give exactly one of --model ID|DIR, --tokenizer FILE or --demo")
	case len(texts) == 0:
		return usageErrorf("no TEXT to tokenize (flags go before the texts)")
	case *length < 0 || *length == 0 && flagSet(fs, "length"):
		return usageErrorf("--length %d: must be at least 1", *length)
	}
	if *raw && (flagSet(fs, "template") || *noLower || flagSet(fs, "length")) {
		return usageErrorf("--raw prints ids as they are: it takes no --template, --no-lowercase or --length")
	}
	if !*raw {
		if _, err := tokenizer.Prompt("", *template, false); err != nil {
			return usageErrorf("--template: %v", err)
		}
	}

	var tok *tokenizer.Tokenizer
	var err error
	dir := ""
	switch {
	case *demo:
		tok, err = demoTokenizer()
	case *model != "":
		dir, err = resolveTokenizerDir(ctx, *model, *revision, stderr)
		if err == nil {
			tok, err = tokenizer.LoadDir(dir)
		}
	default:
		tok, err = tokenizer.Load(*file)
	}
	if err != nil {
		return err
	}
	n := *length
	if n == 0 {
		n = tokenizer.SigLIP2Length
		if dir != "" {
			if m, err := textLength(dir); err != nil {
				return err
			} else if m > 0 {
				n = m
			}
		}
	}

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, label := range texts {
		out := tokenizeOutput{Text: tokenizer.ToValidUTF8(label)}
		if *raw {
			out.InputIDs = tok.Encode(label)
		} else {
			out.Label = out.Text
			if out.Text, err = tokenizer.Prompt(label, *template, !*noLower); err != nil {
				return err
			}
			if out.InputIDs, err = tok.EncodeSigLIP(out.Text, n); err != nil {
				return err
			}
		}
		if out.InputIDs == nil {
			out.InputIDs = []int{}
		}
		if out.Tokens, err = tok.Pieces(out.InputIDs); err != nil {
			return err
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return nil
}

// tokenizeOutput is one line of tokenize's output.
type tokenizeOutput struct {
	Label    string   `json:"label,omitempty"`
	Text     string   `json:"text"`
	InputIDs []int    `json:"input_ids"`
	Tokens   []string `json:"tokens"`
}

// btoi counts a true as 1.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// textLength reads text_config.max_position_embeddings from a model
// folder's config.json (0 when the file or the field is absent; Hugging
// Face's default for SigLIP is 64).
func textLength(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read model config: %w", err)
	}
	var cfg struct {
		TextConfig struct {
			MaxPositionEmbeddings int `json:"max_position_embeddings"`
		} `json:"text_config"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return 0, fmt.Errorf("read %s: %w", filepath.Join(dir, "config.json"), err)
	}
	if cfg.TextConfig.MaxPositionEmbeddings < 0 {
		return 0, fmt.Errorf("%s: text_config.max_position_embeddings is %d", filepath.Join(dir, "config.json"), cfg.TextConfig.MaxPositionEmbeddings)
	}
	return cfg.TextConfig.MaxPositionEmbeddings, nil
}
