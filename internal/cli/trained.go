package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/samples"
	"github.com/siglip2-tui/siglip2-tui/tui"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The globallocal, context and correspond commands measure what SigLIP 2's
// training objectives ask of the dense features (inspect/trained.go). In a
// terminal each opens the explorer's Trained view (7) in its mode; with
// --json or -o it writes the numbers or the picture without one. This
// file holds what they share.

// trainedFlags are the flags the three commands share besides the model's.
type trainedFlags struct {
	src      sourceFlags
	labels   *string
	asJSON   *bool
	out      *string
	layer    *int
	graphics *string
	color    *string
	cmap     *string
	outDir   *string
}

// register adds the shared flags; what names the command's picture.
func (f *trainedFlags) register(fs *flag.FlagSet, what string) {
	f.src.register(fs)
	f.labels = fs.String("labels", "", `comma-separated text labels to score (with --demo: the scene's objects and one absent shape)`)
	f.asJSON = fs.Bool("json", false, "print the numbers as JSON (no terminal needed)")
	f.out = fs.String("o", "", "write "+what+" as a PNG to this file (no terminal needed)")
	f.layer = fs.Int("layer", -1, "feature level of the picture (0 = embeddings … L+1 = after the final LayerNorm; default: the last block)")
	f.graphics = fs.String("graphics", "auto", "interactive: full-resolution image protocol in the other views: auto, kitty, sixel, iterm2 or none")
	f.color = fs.String("color", "auto", "interactive: colours: auto (detect; NO_COLOR is honoured), truecolor, 256 or none")
	f.cmap = fs.String("colormap", "viridis", "colormap: viridis, inferno, turbo or grey")
	f.outDir = outDirFlag(fs, "the view")
}

// headless tells whether the command writes files instead of opening the
// explorer.
func (f *trainedFlags) headless() bool { return *f.asJSON || *f.out != "" }

// check reports flag values that cannot work together.
func (f *trainedFlags) check() (viz.Colormap, error) {
	if err := f.src.check(); err != nil {
		return 0, err
	}
	if *f.asJSON && *f.out != "" {
		return 0, usageErrorf("--json prints the numbers and -o writes the picture: give one of them")
	}
	if *f.layer < -1 {
		return 0, usageErrorf("--layer %d: want a level from 0 (the embeddings) up, or leave it out for the last block", *f.layer)
	}
	cmap, err := viz.ParseColormap(*f.cmap)
	if err != nil {
		return 0, usageErrorf("--colormap: %v", err)
	}
	return cmap, nil
}

// level is --layer checked against a model of the given depth (default:
// the last block).
func (f *trainedFlags) level(layers int) (int, error) {
	if *f.layer > layers+1 {
		return 0, usageErrorf("--layer %d is outside 0…%d (0 = embeddings, %d = last block, %d = after the final LayerNorm)", *f.layer, layers+1, layers, layers+1)
	}
	if *f.layer < 0 {
		return layers, nil
	}
	return *f.layer, nil
}

// labelTexts are --labels, or with --demo the scene's objects.
func (f *trainedFlags) labelTexts(imageName string) []string {
	if *f.labels != "" {
		return splitList(*f.labels)
	}
	return f.src.labels(imageName)
}

// encodeLabels encodes the labels for scoring; a model without a
// tokenizer scores none (and says so only when labels were asked for).
func (f *trainedFlags) encodeLabels(ctx context.Context, m *engine.Model, texts []string) ([]engine.Label, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	if m.Tokenizer == nil {
		if *f.labels != "" {
			return nil, fmt.Errorf("this model has no tokenizer (tokenizer.json or tokenizer.model), so --labels cannot be scored; leave --labels out")
		}
		return nil, nil
	}
	labels, _, err := m.EncodeLabels(ctx, texts, f.src.prompt())
	return labels, err
}

// pictureTitle heads an exported picture: the image's file name and the
// model's name.
func pictureTitle(se *session) []string {
	return []string{fmt.Sprintf("%s - %s", filepath.Base(se.imageName), inspect.ASCIIText(se.spec.name))}
}

// writePicture writes an exported picture to -o.
func (f *trainedFlags) writePicture(pic *image.NRGBA) error {
	if err := outfile.Write(*f.out, func(w io.Writer) error { return viz.WritePNG(w, pic) }); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	return nil
}

// meta is what every JSON output says about its run.
func (f *trainedFlags) meta(se *session, a *engine.Analysis) map[string]any {
	rows, cols := a.Grid()
	return map[string]any{"image": se.imageName, "model": se.spec.name, "variant": se.model.Config.Variant.String(),
		"demo": f.src.demo, "patches": rows * cols, "tokens": a.Tokens(), "backend": se.model.Backend().Name()}
}

// interactive opens the explorer in the Trained view with start, after
// checking that stdout is a terminal.
func (f *trainedFlags) interactive(ctx context.Context, name string, stdout, stderr io.Writer, imageName string,
	loadImage func() (*preprocess.Image, error), pairName string, loadPair func() (*preprocess.Image, error), start tui.TrainedStart, cmap viz.Colormap) error {
	mode, err := parseColorMode(*f.color, stdout, os.Environ())
	if err != nil {
		return err
	}
	proto, err := parseGraphics(*f.graphics, mode, os.Getenv)
	if err != nil {
		return err
	}
	if err := checkOutDir(*f.outDir); err != nil {
		return err
	}
	tty, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) {
		return errors.New(name + " draws an interactive screen, so its output must be a terminal, and it is not here; for scripts use --json or -o FILE.png")
	}
	if loadPair == nil { // with --demo, the scene's built-in partner
		if pairName, loadPair, err = f.src.pairLoader("", imageName); err != nil {
			return err
		}
	}
	spec, err := f.src.resolve(ctx, stderr)
	if err != nil {
		return err
	}
	return tui.Run(tui.Config{
		Context:   ctx,
		Notice:    colorNotice(*f.color, mode, os.Environ()),
		ImageName: imageName, LoadImage: loadImage, LoadModel: spec.load, ModelName: spec.name,
		Demo: f.src.demo, MaxPatches: f.src.maxPatches, Labels: f.labelTexts(imageName),
		Prompt:    f.src.prompt(),
		ColorMode: mode, Graphics: proto, Colormap: cmap, ExportDir: *f.outDir,
		StartView: "trained", Trained: start, PairName: pairName, LoadPair: loadPair,
	}, tty)
}

// pairLoader is the second image of a correspondence: --pair, or with
// --demo and no --pair the built-in partner of a built-in scene ("" and
// nil when there is none).
func (s *sourceFlags) pairLoader(pair, imageName string) (string, func() (*preprocess.Image, error), error) {
	if pair != "" {
		if err := lateFlags([]string{pair}); err != nil {
			return "", nil, err
		}
		name, load, err := s.imageArg(pair)
		if err != nil {
			return "", nil, fmt.Errorf("--pair: %w", err)
		}
		return name, load, nil
	}
	if !s.demo {
		return "", nil, nil
	}
	p, ok := samples.Partner(imageName)
	if !ok {
		return "", nil, nil
	}
	return p.Name, func() (*preprocess.Image, error) { return demoImage(p.Name) }, nil
}
