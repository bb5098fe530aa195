package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"golang.org/x/term"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/samples"
	"github.com/siglip2-tui/siglip2-tui/tui"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cmdExplore is the interactive view of SigLIP 2's internals.
var cmdExplore = command{
	name:    "explore",
	summary: "open an image and look at what the model sees, patch by patch (interactive)",
	run:     runExplore,
}

const exploreHelp = `Usage: siglip2-tui explore [--model ID|DIR] [--max-patches N] [--labels "a,b,c"] [--demo] IMAGE

Opens IMAGE in an interactive view of SigLIP 2's internals. Move the cursor
over the patches (arrows, hjkl or a mouse click) and see, layer by layer
([ and ] or the mouse wheel):

  1 Similarity  how alike every patch is to the cursor patch
  2 Attention   where the cursor patch looks (per head or the mean), what the
                pooling head looks at, and attention rollout (t switches)
  3 Labels      your text labels with their sigmoid probabilities, and where
                in the image each label matches (an approximation)
  4 PCA         the three main directions of the patch features as colours
  5 Locality    how similarity falls off with distance, layer by layer, and
                whether features follow content or position (with a lesson)

? shows every key, s saves the view as PNG + JSON, q quits.

  siglip2-tui explore --demo
      tries everything offline with the built-in toy SigLIP 2 (0.9 M
      parameters, trained by this project on scenes of coloured shapes: it
      knows 5 shapes, 7 colours, 2 sizes, 9 positions) and a built-in scene;
      --demo wide.png (or tall.png, two-shapes.png, ...) opens another

For scripts and teaching material, 'siglip2-tui heatmap' writes the same
views to files without a terminal.

Flags:
`

// sourceFlags are the flags explore and heatmap share: which model, on
// which device, and the NaFlex budget.
type sourceFlags struct {
	model      modelFlags
	device     deviceFlags
	demo       bool
	maxPatches int
	template   string
	// scene is the built-in scene --demo opens without an IMAGE (default
	// demoScene).
	scene string
}

func (s *sourceFlags) register(fs *flag.FlagSet) {
	s.model.register(fs)
	s.device.register(fs)
	fs.BoolVar(&s.demo, "demo", false, "use the built-in toy SigLIP 2 (trained on coloured shapes; no download) and a built-in scene when IMAGE is not given (or IMAGE names one: "+strings.Join(samples.Names(), ", ")+")")
	fs.IntVar(&s.maxPatches, "max-patches", 0, "NaFlex patch budget (default: the checkpoint's max_num_patches)")
	fs.StringVar(&s.template, "template", "", `label prompt template, "{}" marks the label (default "this is a photo of {}.")`)
}

// modelLoader returns the model's name and a function that loads it. A hub
// model is downloaded here, before any screen opens, with progress on
// stderr; the weights are read by the returned function.
func (s *sourceFlags) modelLoader(ctx context.Context, stderr io.Writer) (string, func() (*engine.Model, error), error) {
	if s.demo {
		backend, err := s.device.backend(stderr)
		if err != nil {
			return "", nil, err
		}
		return demoModelName, func() (*engine.Model, error) { return demoModel(backend) }, nil
	}
	dir, err := s.model.resolve(ctx, stderr)
	if err != nil {
		return "", nil, err
	}
	backend, err := s.device.backend(stderr)
	if err != nil {
		return "", nil, err
	}
	return s.model.model, func() (*engine.Model, error) { return engine.Load(dir, engine.Options{Backend: backend}) }, nil
}

// imageLoader checks the image argument and returns its name and loader:
// the built-in picture with --demo and no IMAGE.
func (s *sourceFlags) imageLoader(args []string) (string, func() (*preprocess.Image, error), error) {
	switch {
	case len(args) > 1:
		return "", nil, usageErrorf("give one IMAGE, got %d arguments (%s); flags go before the image", len(args), strings.Join(args, " "))
	case len(args) == 0 && s.demo:
		scene := cmp.Or(s.scene, demoScene)
		return scene, func() (*preprocess.Image, error) { return demoImage(scene) }, nil
	case len(args) == 0:
		return "", nil, usageErrorf("give an IMAGE to open (or --demo to try the interface with the built-in toy model and scenes)")
	}
	path := args[0]
	if _, err := os.Stat(path); err != nil && s.demo {
		if _, ok := samples.Image(path); ok {
			return path, func() (*preprocess.Image, error) { return demoImage(path) }, nil
		}
		return "", nil, fmt.Errorf("image: %w; with --demo, IMAGE may also name a built-in scene: %s", err, strings.Join(samples.Names(), ", "))
	}
	if st, err := os.Stat(path); err != nil {
		return "", nil, fmt.Errorf("image: %w", err)
	} else if st.IsDir() {
		return "", nil, fmt.Errorf("image: %s is a folder; give an image file (PNG, JPEG, GIF, WebP, BMP)", path)
	}
	return path, func() (*preprocess.Image, error) { return loadImage(path) }, nil
}

// labels are the labels to start with when --labels is not given: with
// --demo, the objects of the built-in scene.
func (s *sourceFlags) labels(imageName string) []string {
	if !s.demo {
		return nil
	}
	return demoLabels(imageName)
}

// prompt says how labels become prompts: --template, or with --demo the
// bare label the toy models were trained on.
func (s *sourceFlags) prompt() engine.PromptOptions {
	if s.demo && s.template == "" {
		return engine.PromptOptions{Template: demoTemplate}
	}
	return engine.PromptOptions{Template: s.template}
}

func (s *sourceFlags) check() error {
	if s.maxPatches < 0 {
		return usageErrorf("--max-patches %d: want a positive number (or 0 for the checkpoint's)", s.maxPatches)
	}
	return nil
}

func runExplore(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src sourceFlags
	src.register(fs)
	labels := fs.String("labels", "", `comma-separated text labels to start with (edit them in the Labels view)`)
	graphics := fs.String("graphics", "auto", "full-resolution image protocol: auto (detect), kitty, sixel, iterm2 or none (text cells)")
	colorFlag := fs.String("color", "auto", "colours: auto (detect; NO_COLOR is honoured), truecolor, 256 or none")
	cmapFlag := fs.String("colormap", "viridis", "colormap: viridis, inferno, turbo or grey")
	outDir := fs.String("out", ".", "folder where s saves the view (PNG + JSON)")
	fs.Usage = func() {
		fmt.Fprint(stderr, exploreHelp)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	mode, err := parseColorMode(*colorFlag, os.Getenv)
	if err != nil {
		return err
	}
	proto, err := parseGraphics(*graphics, mode, os.Getenv)
	if err != nil {
		return err
	}
	cmap, err := viz.ParseColormap(*cmapFlag)
	if err != nil {
		return usageErrorf("--colormap: %v", err)
	}
	if st, err := os.Stat(*outDir); err != nil || !st.IsDir() {
		return usageErrorf("--out %s: not a folder (s saves views there)", *outDir)
	}
	imageName, loadImage, err := src.imageLoader(fs.Args())
	if err != nil {
		return err
	}
	tty, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) {
		return errors.New("explore draws an interactive screen, so its output must be a terminal, and it is not here; " +
			"for scripts and files use 'siglip2-tui heatmap' (the same views written to PNG and JSON)")
	}
	initial := splitList(*labels)
	if *labels == "" {
		initial = src.labels(imageName)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	modelName, loadModel, err := src.modelLoader(ctx, stderr)
	stop()
	if err != nil {
		return err
	}
	cfg := tui.Config{
		ImageName:  imageName,
		LoadImage:  loadImage,
		LoadModel:  loadModel,
		ModelName:  modelName,
		Demo:       src.demo,
		MaxPatches: src.maxPatches,
		Labels:     initial,
		Prompt:     src.prompt(),
		ColorMode:  mode,
		Graphics:   proto,
		Colormap:   cmap,
		ExportDir:  *outDir,
	}
	return tui.Run(cfg, tty)
}

// parseColorMode reads --color; auto asks the environment.
func parseColorMode(s string, getenv func(string) string) (viz.ColorMode, error) {
	switch strings.ToLower(s) {
	case "auto", "":
		return viz.DetectColorMode(getenv), nil
	case "truecolor", "24bit":
		return viz.TrueColor, nil
	case "256":
		return viz.ANSI256, nil
	case "none", "no":
		return viz.NoColor, nil
	}
	return 0, usageErrorf("--color %q: want auto, truecolor, 256 or none", s)
}

// parseGraphics reads --graphics; auto asks the environment, and stays off
// when colours are off (NO_COLOR) or the terminal is a multiplexer.
func parseGraphics(s string, mode viz.ColorMode, getenv func(string) string) (viz.Protocol, error) {
	switch strings.ToLower(s) {
	case "auto", "":
		if mode == viz.NoColor {
			return viz.ProtocolNone, nil
		}
		return viz.DetectProtocol(getenv), nil
	case "none", "off", "cells":
		return viz.ProtocolNone, nil
	case "kitty":
		return viz.ProtocolKitty, nil
	case "sixel":
		return viz.ProtocolSixel, nil
	case "iterm2", "iterm":
		return viz.ProtocolITerm2, nil
	}
	return 0, usageErrorf("--graphics %q: want auto, kitty, sixel, iterm2 or none", s)
}
