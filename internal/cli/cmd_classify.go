package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
	"github.com/siglip2-tui/siglip2-tui/internal/textsafe"
	"github.com/siglip2-tui/siglip2-tui/viz"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/samples"
)

// cmdClassify is zero-shot classification as the SigLIP 2 release shows it
// with transformers' pipeline: one sigmoid probability per label.
var cmdClassify = command{
	name:    "classify",
	summary: "zero-shot classification: each label's sigmoid probability for each image",
	run:     runClassify,
}

const classifyHelp = `Usage: siglip2-tui classify [--model ID|DIR] --labels "a cat,a dog" [flags] IMAGE...

Scores every label against every image. SigLIP 2 is trained with a sigmoid
loss, so each label gets its own probability, sigmoid(cos·exp(scale)+bias),
independent of the other labels: they need not sum to 1, and a label can be
likely or unlikely on its own ("none of these" is a valid answer).

Labels are lower-cased (the model was trained on lower-cased text) and put
into a prompt template, "%s" by default (transformers' zero-shot
pipeline uses "This is a photo of {}."). Labels may be in any language: the
Gemma tokenizer is multilingual.

Examples:
  siglip2-tui classify --labels "a cat,a dog,a car" photo.jpg
  siglip2-tui classify --labels-file labels.txt --top 5 *.jpg
  siglip2-tui classify --demo
      the built-in toy SigLIP 2 on its built-in scenes (IMAGE may name one,
      e.g. wide.png), with its 35 colour-shape labels and bare-label prompts

Flags:
`

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("classify", fmt.Sprintf(classifyHelp, tokenizer.DefaultTemplate), stderr)
	var src sourceFlags
	src.register(fs)
	labelsFlag := fs.String("labels", "", "comma-separated labels")
	labelsFile := fs.String("labels-file", "", "file with one label per line (blank lines and lines starting with # are skipped)")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	top := fs.Int("top", 0, "show only the N most likely labels per image (0: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	if *top < 0 {
		return usageErrorf("--top %d: want 0 (every label) or a positive number", *top)
	}
	if src.demo {
		if *labelsFlag == "" && *labelsFile == "" {
			*labelsFlag = strings.Join(samples.Labels(), ",")
		}
	}
	paths := fs.Args()
	if src.demo && len(paths) == 0 {
		paths = samples.Names()
	}
	labels := splitList(*labelsFlag)
	if *labelsFile != "" {
		more, err := readLabelsFile(*labelsFile)
		if err != nil {
			return err
		}
		labels = append(labels, more...)
	}
	if len(labels) == 0 {
		return usageErrorf("give labels with --labels \"a cat,a dog\" or --labels-file FILE")
	}
	if len(paths) == 0 {
		return usageErrorf("give at least one IMAGE")
	}
	if err := lateFlags(fs.Args()); err != nil {
		return err
	}
	images := make([]*preprocess.Image, len(paths))
	for i, path := range paths {
		_, load, err := src.imageArg(path)
		if err != nil {
			return err
		}
		if images[i], err = load(); err != nil {
			return err
		}
	}
	spec, err := src.resolve(ctx, stderr)
	if err != nil {
		return err
	}
	m, err := spec.load()
	if err != nil {
		return err
	}
	defer m.Close()
	prompt := src.prompt()
	encoded, _, err := m.EncodeLabels(ctx, labels, prompt)
	if err != nil {
		return err
	}
	var results []classifyResult
	for i, img := range images {
		p, err := m.Prepare(img, src.maxPatches)
		if err != nil {
			return fmt.Errorf("%s: %w", paths[i], err)
		}
		out, err := m.EncodeImages(ctx, []engine.VisionInput{p.Input}, false)
		if err != nil {
			return err
		}
		if err := m.CheckVision(ctx, []engine.VisionInput{p.Input}, out); err != nil {
			return fmt.Errorf("%s: %w", paths[i], err)
		}
		scores, err := m.ScoreLabels(out.Embeds, encoded)
		if err != nil {
			return err
		}
		r := classifyResult{Image: paths[i]}
		for k, s := range scores {
			r.Labels = append(r.Labels, labelScore{Label: encoded[k].Text, Prompt: encoded[k].Prompt, Prob: viz.JSONFloat(s.Prob), Logit: viz.JSONFloat(s.Logit),
				Unknown: encoded[k].Unknown})
		}
		sort.SliceStable(r.Labels, func(a, b int) bool { return r.Labels[a].Logit > r.Labels[b].Logit })
		if *top > 0 && len(r.Labels) > *top {
			r.Labels = r.Labels[:*top]
		}
		results = append(results, r)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		template := cmp.Or(prompt.Template, tokenizer.DefaultTemplate)
		out := map[string]any{"model": spec.name, "template": template, "lowercase": !prompt.KeepCase, "results": results}
		if unknown := unknownWords(encoded); len(unknown) > 0 {
			out["unknown_words"] = unknown
			out["unknown_words_note"] = unknownNote(m)
		}
		return enc.Encode(out)
	}
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintln(stdout, r.Image)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  label\tprobability\tlogit\t")
		for _, l := range r.Labels {
			name := textsafe.Sanitize(l.Label)
			if len(l.Unknown) > 0 {
				name += " ?"
			}
			fmt.Fprintf(tw, "  %s\t%s  %s\t%s\t\n", name, formatPercent(l.Prob), bar(l.Prob, 20), formatLogit(l.Logit))
		}
		tw.Flush()
	}
	if unknown := unknownWords(encoded); len(unknown) > 0 {
		fmt.Fprintf(stdout, "\n? %s: %s\n", strings.Join(unknown, ", "), unknownNote(m))
	}
	return nil
}

type classifyResult struct {
	Image  string       `json:"image"`
	Labels []labelScore `json:"labels"`
}

type labelScore struct {
	Label  string        `json:"label"`
	Prompt string        `json:"prompt"`
	Prob   viz.JSONFloat `json:"probability"`
	Logit  viz.JSONFloat `json:"logit"`
	// Unknown lists the label's words the model cannot know.
	Unknown []string `json:"unknown_words,omitempty"`
}

// unknownWords lists, once each, the words of any label the model cannot
// know.
func unknownWords(labels []engine.Label) []string {
	var out []string
	for _, l := range labels {
		for _, w := range l.Unknown {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// unknownNote says in one line why scores of unknown words mean nothing.
func unknownNote(m *engine.Model) string {
	if m.ClosedVocabulary() {
		return "words this model never saw in training: the text tower maps them to noise, so the scores of labels with them (marked ?) say nothing about the image"
	}
	return "words the tokenizer can only read as <unk>: the scores of labels with them (marked ?) say nothing about the image"
}

// formatPercent prints a probability as a percentage, or NaN/Inf as such.
func formatPercent(p viz.JSONFloat) string {
	if f := float64(p); math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprintf("%7v", f)
	}
	return fmt.Sprintf("%6.2f%%", 100*p)
}

// formatLogit prints a logit with its sign, or NaN/Inf as such.
func formatLogit(l viz.JSONFloat) string {
	if f := float64(l); math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	return fmt.Sprintf("%+.3f", l)
}

// bar draws a probability as a fixed-width bar of block characters.
func bar(p viz.JSONFloat, width int) string {
	if p != p { // NaN: no bar to draw
		return strings.Repeat("?", width)
	}
	p = min(max(p, 0), 1)
	eighths := int(float32(p)*float32(width)*8 + 0.5)
	full, part := eighths/8, eighths%8
	s := strings.Repeat("█", full)
	if part > 0 {
		s += string([]rune("▏▎▍▌▋▊▉")[part-1])
		full++
	}
	return s + strings.Repeat(" ", width-full)
}

func readLabelsFile(path string) ([]string, error) {
	data, err := inputfile.ReadFile(path, inputfile.ListLimit)
	if err != nil {
		return nil, fmt.Errorf("--labels-file: %w", err)
	}
	var labels []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(textsafe.Sanitize(line))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		labels = append(labels, line)
	}
	return labels, nil
}

// flagSet reports whether the command line set the named flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
