package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/tui"
)

// cmdContext drops patches and asks what the kept ones lose: SigLIP 2's
// masked prediction.
var cmdContext = command{
	name:    "context",
	summary: "drop part of the image: do the kept patches keep their features? layer by layer (interactive, or --json/-o)",
	run:     runMaskedContext,
}

const contextHelp = `Usage: siglip2-tui context [--drop FRACTION] [--seed S | --patches "R,C;R,C..."] [--layer L] [--labels "a,b"] [--json | -o out.png] [--model ID|DIR] [--demo] IMAGE

SigLIP 2 learnt part of its dense features from masked prediction: half of
the student's patches are masked and it must still produce the teacher's
features at the rest. This command drops patches from your image and asks
how much the kept ones change.

Dropping is what the causal probes do: a dropped patch's token is removed,
so no layer and not the pooling head can attend to it; the kept patches keep
their own position embeddings. --drop FRACTION (default 0.5) drops that
share of the patches, chosen at random from --seed (the same patches for the
same seed on every machine); --patches names them instead (rows and columns
counted from 0).

For every level (0 = the patch embeddings, 1…L the blocks, L+1 after the
final LayerNorm) it gives each kept patch's cosine similarity to its own
features in the whole image, their mean, the patches that changed most (the
ones that depend most on the dropped context) and the labels' scores with
part of the image gone. At level 0 the cosine is 1: a patch's embedding is
its own pixels and position, before any patch has looked at another.

In a terminal this opens the explorer's Trained view (7) with those patches
dropped.

Without a terminal:
  --json        {"grid": [r, c], "dropped": [[r, c], ...], "kept": n,
                 "layers": [{"layer": l, "mean": m, "cosine": [[...], ...] (null where dropped),
                             "most_dependent": [{"patch": [r, c], "cosine": x}, ...]}, ...],
                 "labels": [...], ...}
  -o FILE.png   the image with the dropped patches black and the kept ones' cosines at --layer,
                the means by level and the labels' scores

Examples:
  siglip2-tui context --demo
  siglip2-tui context --demo --drop 0.75 --seed 3 --json
  siglip2-tui context --patches "0,0;0,1;1,0;1,1" -o context.png photo.jpg

Flags:
`

func runMaskedContext(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("context", contextHelp, stderr)
	var f trainedFlags
	f.register(fs, "the picture")
	drop := fs.Float64("drop", inspect.DefaultDropFraction, "share of the patches to drop, from 0 up to (not including) 1")
	seed := fs.Uint64("seed", 1, "which random patches --drop drops (the same for the same seed)")
	patches := fs.String("patches", "", `the patches to drop instead, "ROW,COL;ROW,COL…" counted from 0`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cmap, err := f.check()
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if *patches != "" && (given["drop"] || given["seed"]) {
		return usageErrorf("--patches names the dropped patches itself: leave out --drop and --seed")
	}
	if !(*drop >= 0 && *drop < 1) {
		return usageErrorf("--drop %v: want a share of the patches from 0 up to (not including) 1, e.g. 0.5", *drop)
	}
	if !f.headless() {
		imageName, loadImage, err := f.src.imageLoader(fs.Args())
		if err != nil {
			return err
		}
		start := tui.TrainedStart{Mode: "context", DropFraction: drop, Seed: *seed, DropPatches: *patches}
		return f.interactive(ctx, "context", stdout, stderr, imageName, loadImage, "", nil, start, cmap)
	}
	if err := outfile.CheckDistinct(fs.Args(), []string{*f.out}); err != nil {
		return usageErrorf("%v", err)
	}
	se, err := f.src.open(ctx, fs.Args(), stderr)
	if err != nil {
		return err
	}
	defer se.Close()
	a, err := se.analyze(ctx, f.src.maxPatches)
	if err != nil {
		return err
	}
	defer a.Release()
	level, err := f.level(a.Layers())
	if err != nil {
		return err
	}
	rows, cols := a.Grid()
	meta := f.meta(se, a)
	var dropped []int
	if *patches != "" {
		if dropped, err = inspect.ParsePatches(*patches, rows, cols); err != nil {
			return usageErrorf("--patches: %v", err)
		}
		if len(dropped) >= a.Valid() {
			return usageErrorf("--patches names all %d patches: keep at least one", a.Valid())
		}
		meta["chosen"] = "--patches"
	} else {
		if dropped, err = inspect.RandomDrop(a.Valid(), *drop, *seed); err != nil {
			return usageErrorf("--drop: %v", err)
		}
		meta["chosen"] = "random"
		meta["drop_fraction"] = *drop
		meta["seed"] = *seed
	}
	labels, err := f.encodeLabels(ctx, se.model, f.labelTexts(se.imageName))
	if err != nil {
		return err
	}
	r, err := inspect.MaskedContext(ctx, a, dropped, labels)
	if err != nil {
		return err
	}
	if *f.asJSON {
		return r.WriteJSON(stdout, meta)
	}
	title := pictureTitle(se)
	pic, err := inspect.ContextPicture(r, inspect.NRGBA(se.image), level, cmap, title)
	if err != nil {
		return err
	}
	if err := f.writePicture(pic); err != nil {
		return err
	}
	lv := r.Levels[level]
	var deps []string
	for _, p := range r.MostDependent(level, 3) {
		deps = append(deps, fmt.Sprintf("(%d,%d)", p/cols, p%cols))
	}
	fmt.Fprintf(stdout, "wrote %s: %d of %d patches dropped, %s: kept patches' mean cosine to the whole image %.3f; most changed %s\n",
		*f.out, len(r.Dropped), a.Valid(), lv.Name, lv.Mean, strings.Join(deps, " "))
	return nil
}
