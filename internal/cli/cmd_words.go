package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/textsafe"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cmdWords is word deletion: how much each word of a label carries.
var cmdWords = command{
	name:    "words",
	summary: "word deletion: a label's logit with each word removed, minus the full label's",
	run:     runWords,
}

const wordsHelp = `Usage: siglip2-tui words --label TEXT [--json] [flags] IMAGE

Scores --label against IMAGE, then the label with each of its words removed
(one at a time, the other words joined by single spaces), all exactly as
classify scores labels: lower-cased, put into the template (%q
by default; with --demo the bare label), framed, and compared with the image
embedding. For each word it prints the shortened label, its logit and

  delta = logit without the word − logit of the full label

A large negative delta marks a word the match rests on; a positive one a
word that works against it; a delta near 0 a word the model ignores here.
Mistakes in the label (too long for the text tower, upper case kept, no
template, the template given twice, unknown words) are reported too.

--json prints {"label", "prompt", "logit", "words": [{"word", "without",
"logit", "delta"}...], "lints": [...]} with the model, image and prompt
options.

Examples:
  siglip2-tui words --label "a golden retriever on a sofa" photo.jpg
  siglip2-tui words --demo --label "a big purple cross at the top left" --json

Flags:
`

func runWords(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("words", fmt.Sprintf(wordsHelp, tokenizer.DefaultTemplate), stderr)
	var src sourceFlags
	src.register(fs)
	label := fs.String("label", "", "the label whose words to delete one at a time (with --demo default: the scene's first object)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	text := textsafe.Sanitize(strings.TrimSpace(*label))
	if text == "" && !src.demo {
		return usageErrorf("give the label with --label \"a cat on a sofa\"")
	}
	se, err := src.open(ctx, fs.Args(), stderr)
	if err != nil {
		return err
	}
	defer se.Close()
	if text == "" {
		text = src.labels(se.imageName)[0]
	}
	m := se.model
	if err := m.CanEncodeText(); err != nil {
		return err
	}
	embed, err := imageEmbedding(ctx, m, se, src.maxPatches)
	if err != nil {
		return err
	}
	prompt := src.prompt()
	d, err := inspect.DeleteWords(ctx, m, embed, text, prompt)
	if err != nil {
		return err
	}
	view, err := inspect.AnalyzeText(ctx, m, text, inspect.TextOptions{Prompt: prompt, ExpectTemplate: !src.demo})
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			Image     string `json:"image"`
			Model     string `json:"model"`
			Template  string `json:"template"`
			Lowercase bool   `json:"lowercase"`
			inspect.WordsJSON
			Lints []inspect.Lint `json:"lints"`
		}{se.imageName, se.spec.name, cmp.Or(prompt.Template, tokenizer.DefaultTemplate), !prompt.KeepCase, d.JSON(), lintsOrEmpty(view.Lints)}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "%s: logit %s (prompt %q)\n", textsafe.Sanitize(d.Label), formatLogit(viz.JSONFloat(d.Logit)), textsafe.Sanitize(d.Prompt))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  without\tlabel left\tlogit\tdelta\t")
	for _, w := range d.Words {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", textsafe.Sanitize(w.Word), textsafe.Sanitize(cmp.Or(w.Without, "(nothing)")),
			formatLogit(viz.JSONFloat(w.Logit)), formatLogit(viz.JSONFloat(w.Delta)))
	}
	tw.Flush()
	for _, l := range view.Lints {
		fmt.Fprintf(stdout, "\n! %s\n", l.Text)
	}
	return nil
}

// lintsOrEmpty is lints, or an empty list (JSON [] rather than null).
func lintsOrEmpty(lints []inspect.Lint) []inspect.Lint {
	if lints == nil {
		return []inspect.Lint{}
	}
	return lints
}

// imageEmbedding is the session image's embedding computed as classify
// computes it: prepared at the budget, the vision tower without capture,
// checked for NaN and infinity.
func imageEmbedding(ctx context.Context, m *engine.Model, se *session, maxPatches int) ([]float32, error) {
	p, err := m.Prepare(se.image, maxPatches)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", se.imageName, err)
	}
	out, err := m.EncodeImages(ctx, []engine.VisionInput{p.Input}, false)
	if err != nil {
		return nil, err
	}
	if err := m.CheckVision(ctx, []engine.VisionInput{p.Input}, out); err != nil {
		return nil, fmt.Errorf("%s: %w", se.imageName, err)
	}
	return out.Embeds, nil
}
