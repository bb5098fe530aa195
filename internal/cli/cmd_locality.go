package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/tui"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cmdLocality measures and teaches how local and semantic the patch
// features are, layer by layer.
var cmdLocality = command{
	name:    "locality",
	summary: "how patch-feature similarity falls with distance, layer by layer, with a guided lesson (interactive, or --json/--csv)",
	run:     runLocality,
}

const localityHelp = `Usage: siglip2-tui locality [--model ID|DIR] [--max-patches N] [--demo] [--lesson] [--json | --csv | --png FILE] IMAGE

SigLIP 2 was trained with decoder, self-distillation and masked-prediction
losses so that a patch's features describe what is at that patch, and
similar things get similar features wherever they are. This command shows
and measures that, for every layer of the vision tower:

  similarity vs distance  the mean (± standard deviation) cosine similarity
                          of patch pairs as a function of their distance
  locality index          near − far: the mean similarity of 4-neighbours
                          minus that of pairs ≥ 4 patches apart
  self-vs-neighbour       mean over patches of (similarity to itself −
    contrast              mean similarity to its 4-neighbours); 0 means
                          neighbours are copies of each other
  mirror test             the image flipped left to right goes through the
                          model too: a patch's features are compared with
                          the mirror's at the same content (r, W−1−c) and at
                          the same place (r, c); content > place means the
                          features follow what is there, not where
  position embeddings     the same curve for the position embeddings alone:
                          what position by itself explains

Distances are Euclidean distances between patch centres on the patch grid,
in patch units, rounded to the nearest integer (4-neighbours and diagonal
neighbours are distance 1). A patch is never paired with itself, and NaFlex
padding patches never count.

In a terminal this opens the explorer in its locality view (5): [ ] pick the
layer, v switches curve → layer × distance table → lesson, n starts the
lesson (n/p or →/← turn pages), s saves the charts as PNG + JSON.
--lesson opens the lesson directly.

Without a terminal:
  --json        every level's curve and numbers, with their definitions
  --csv         the curves as rows: source,level,level_name,distance,pairs,mean,std
  --png FILE    the charts of --layer as one picture

Examples:
  siglip2-tui locality --demo
  siglip2-tui locality --model google/siglip2-base-patch16-naflex --max-patches 256 --csv photo.jpg > curves.csv

Flags:
`

func runLocality(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("locality", localityHelp, stderr)
	var src sourceFlags
	src.register(fs)
	asJSON := fs.Bool("json", false, "print every level's curve and locality numbers as JSON (no terminal needed)")
	asCSV := fs.Bool("csv", false, "print the curves as CSV (no terminal needed)")
	pngOut := fs.String("png", "", "write the charts of --layer as a PNG to this file (no terminal needed)")
	layer := fs.Int("layer", -1, "feature level of --png (0 = embeddings … L+1 = final LayerNorm; default: the last block)")
	lesson := fs.Bool("lesson", false, "open the guided lesson directly (interactive)")
	graphics := fs.String("graphics", "auto", "full-resolution image protocol in the other views: auto, kitty, sixel, iterm2 or none")
	colorFlag := fs.String("color", "auto", "colours: auto (detect; NO_COLOR is honoured), truecolor, 256 or none")
	cmapFlag := fs.String("colormap", "viridis", "colormap of the layer table: "+colormapChoices())
	outDir := outDirFlag(fs, "the charts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	outputs := 0
	for _, on := range []bool{*asJSON, *asCSV, *pngOut != ""} {
		if on {
			outputs++
		}
	}
	if outputs > 1 {
		return usageErrorf("--json, --csv and --png each print everything on their own: give one of them")
	}
	if *lesson && outputs > 0 {
		return usageErrorf("--lesson is for the interactive screen; leave out --json, --csv and --png")
	}
	cmap, err := viz.ParseColormap(*cmapFlag)
	if err != nil {
		return usageErrorf("--colormap: %v", err)
	}
	imageName, loadImage, err := src.imageLoader(fs.Args())
	if err != nil {
		return err
	}
	if outputs == 0 {
		mode, err := parseColorMode(*colorFlag, stdout, os.Environ())
		if err != nil {
			return err
		}
		proto, err := parseGraphics(*graphics, mode, os.Getenv)
		if err != nil {
			return err
		}
		if err := checkOutDir(*outDir); err != nil {
			return err
		}
		tty, ok := stdout.(*os.File)
		if !ok || !term.IsTerminal(int(tty.Fd())) {
			return errors.New("locality draws an interactive screen, so its output must be a terminal, and it is not here; " +
				"for scripts use --json, --csv or --png FILE")
		}
		spec, err := src.resolve(ctx, stderr)
		if err != nil {
			return err
		}
		labels := src.labels(imageName)
		return tui.Run(tui.Config{
			Context:   ctx,
			Notice:    colorNotice(*colorFlag, mode, os.Environ()),
			ImageName: imageName, LoadImage: loadImage, LoadModel: spec.load, ModelName: spec.name,
			Demo: src.demo, MaxPatches: src.maxPatches, Labels: labels,
			Prompt:    src.prompt(),
			ColorMode: mode, Graphics: proto, AskSixel: askSixel(*graphics, mode, proto, os.Getenv), Colormap: cmap, ExportDir: *outDir,
			StartView: "locality", StartLesson: *lesson,
		}, tty)
	}
	se, err := src.open(ctx, fs.Args(), stderr)
	if err != nil {
		return err
	}
	defer se.Close()
	m, modelName := se.model, se.spec.name
	a, err := se.analyze(ctx, src.maxPatches)
	if err != nil {
		return err
	}
	defer a.Release()
	if *layer < -1 || *layer > a.Layers()+1 {
		return usageErrorf("--layer %d is outside 0…%d (0 = embeddings, %d = last block, %d = after the final LayerNorm)", *layer, a.Layers()+1, a.Layers(), a.Layers()+1)
	}
	r, err := inspect.ComputeLocality(ctx, a)
	if err != nil {
		return err
	}
	rows, cols := a.Grid()
	meta := map[string]any{"image": imageName, "model": modelName, "variant": m.Config.Variant.String(),
		"demo": src.demo, "patches": rows * cols, "tokens": a.Tokens(), "backend": m.Backend().Name()}
	switch {
	case *asJSON:
		return r.WriteJSON(stdout, meta)
	case *asCSV:
		return r.WriteCSV(stdout)
	}
	level := *layer
	if level < 0 {
		level = a.Layers()
	}
	title := []string{
		fmt.Sprintf("Dense-feature locality of %s - %s", imageName, modelName),
		fmt.Sprintf("%d x %d patch grid, %d patches; %s", rows, cols, rows*cols, m.Config.Variant),
	}
	pic, err := inspect.LocalityPicture(r, level, cmap, title, inspect.NRGBA(se.image))
	if err != nil {
		return err
	}
	if err := outfile.Write(*pngOut, func(w io.Writer) error { return viz.WritePNG(w, pic) }); err != nil {
		return fmt.Errorf("--png: %w", err)
	}
	lv := r.Levels[level]
	fmt.Fprintf(stdout, "wrote %s: %s, locality index %+.3f (near %.3f, far %.3f)\n", *pngOut, strings.TrimSpace(lv.Name), lv.Stats.Index, lv.Stats.Near, lv.Stats.Far)
	return nil
}
