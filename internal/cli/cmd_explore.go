package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/siglip2-tui/siglip2-tui/tui"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cmdExplore is the interactive view of SigLIP 2's internals.
var cmdExplore = command{
	name:    "explore",
	summary: "open an image and look at what the model sees, patch by patch (interactive)",
	run:     runExplore,
}

const exploreHelp = `Usage: siglip2-tui explore [--model ID|DIR] [--max-patches N] [--labels "a,b,c"] [--pair IMAGE_B] [--demo] IMAGE

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
  6 Why         what a label's score depends on: each patch dropped, each
                head silenced, and which map is faithful (causal probes)
  7 Trained     what SigLIP 2's training objectives ask of the features: a
                crop seen alone (global–local), patches dropped (masked
                context), the same thing in a second image (--pair), and a
                lesson

? shows every key, s saves the view as PNG + JSON, q quits.

For scripts and teaching material, 'siglip2-tui heatmap' writes the same
views to files without a terminal.

Examples:
  siglip2-tui explore photo.jpg
  siglip2-tui explore --model google/siglip2-base-patch16-naflex --max-patches 1024 --labels "a cat,a sofa" photo.jpg
  siglip2-tui explore --demo
      tries everything offline with the built-in toy SigLIP 2 (0.9 M
      parameters, trained by this project on scenes of coloured shapes: it
      knows 5 shapes, 7 colours, 2 sizes, 9 positions) and a built-in scene;
      --demo wide.png (or tall.png, two-shapes.png, ...) opens another

Flags:
`

func runExplore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("explore", exploreHelp, stderr)
	var src sourceFlags
	src.register(fs)
	labels := fs.String("labels", "", `comma-separated text labels to start with (edit them in the Labels view)`)
	graphics := fs.String("graphics", "auto", "full-resolution image protocol: auto (detect), kitty, sixel, iterm2 or none (text cells)")
	colorFlag := fs.String("color", "auto", "colours: auto (detect; NO_COLOR is honoured), truecolor, 256 or none")
	cmapFlag := fs.String("colormap", "viridis", "colormap: "+colormapChoices())
	outDir := outDirFlag(fs, "the view")
	pair := fs.String("pair", "", "a second image for the Trained view's correspondence (7, v v); with --demo a built-in scene's partner by default")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	mode, err := parseColorMode(*colorFlag, stdout, os.Environ())
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
	if err := checkOutDir(*outDir); err != nil {
		return err
	}
	imageName, loadImage, err := src.imageLoader(fs.Args())
	if err != nil {
		return err
	}
	pairName, loadPair, err := src.pairLoader(*pair, imageName)
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
	spec, err := src.resolve(ctx, stderr)
	if err != nil {
		return err
	}
	cfg := tui.Config{
		Context:    ctx,
		Notice:     colorNotice(*colorFlag, mode, os.Environ()),
		ImageName:  imageName,
		LoadImage:  loadImage,
		LoadModel:  spec.load,
		ModelName:  spec.name,
		Demo:       src.demo,
		MaxPatches: src.maxPatches,
		Labels:     initial,
		Prompt:     src.prompt(),
		ColorMode:  mode,
		Graphics:   proto,
		AskSixel:   askSixel(*graphics, mode, proto, os.Getenv),
		Colormap:   cmap,
		ExportDir:  *outDir,
		PairName:   pairName,
		LoadPair:   loadPair,
	}
	return tui.Run(cfg, tty)
}

// parseColorMode reads --color; auto asks the terminal out and the
// environment env (detectColorMode).
func parseColorMode(s string, out io.Writer, env []string) (viz.ColorMode, error) {
	switch strings.ToLower(s) {
	case "auto", "":
		return detectColorMode(out, env), nil
	case "truecolor", "24bit":
		return viz.TrueColor, nil
	case "256":
		return viz.ANSI256, nil
	case "none", "no":
		return viz.NoColor, nil
	}
	return 0, usageErrorf("--color %q: want auto, truecolor, 256 or none", s)
}

// askSixel tells whether the explorer should ask the terminal whether it
// draws sixel (its device attributes): with --graphics auto, in colour,
// when the environment named no protocol and no multiplexer answers in the
// terminal's place (xterm -ti vt340 says nothing in its environment).
func askSixel(flagValue string, mode viz.ColorMode, proto viz.Protocol, getenv func(string) string) bool {
	auto := flagValue == "" || strings.EqualFold(flagValue, "auto")
	return auto && mode != viz.NoColor && proto == viz.ProtocolNone && !viz.InMultiplexer(getenv)
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
