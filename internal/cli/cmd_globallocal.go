package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/tui"
)

// cmdGlobalLocal compares a crop, seen as an image of its own, with the
// whole image: SigLIP 2's global–local objective.
var cmdGlobalLocal = command{
	name:    "globallocal",
	summary: "does a crop, seen alone, keep the whole image's patch features? layer by layer (interactive, or --json/-o)",
	run:     runGlobalLocal,
}

const globalLocalHelp = `Usage: siglip2-tui globallocal [--crop X0,Y0,X1,Y1] [--layer L] [--labels "a,b"] [--json | -o out.png] [--model ID|DIR] [--demo] IMAGE

SigLIP 2 learnt part of its dense features from a global–local loss: a
student sees a small crop of an image and must produce, there, the features
a teacher computed from the whole image. This command asks the same of the
model on your image.

The crop is the box [X0, X1) × [Y0, Y1) of the original image in pixels
(default: the middle, half the width and height), cut exactly as PIL's
Image.crop and then processed as an image of its own (the model's resize for
fixed resolution, NaFlex sizing at the same patch budget for NaFlex). Crop
patch (i, j) is compared with the whole image's patch that holds its centre:
x = X0 + (j + ½)·(X1 − X0)/cols_crop, y = Y0 + (i + ½)·(Y1 − Y0)/rows_crop,
patch (⌊y·rows_full/H⌋, ⌊x·cols_full/W⌋).

For every level (0 = the patch embeddings, 1…L the blocks, L+1 after the
final LayerNorm) it gives each crop patch's cosine similarity to its
counterpart, their mean, the chance level (a crop patch against every patch
of the whole image), and the labels' scores on the crop beside the whole
image's.

In a terminal this opens the explorer's Trained view (7) with the crop: drag
a new one with the mouse, move it with the arrows, < and > resize it.

Without a terminal:
  --json        {"grid_full": [r, c], "grid_crop": [r, c], "match": [[[r, c], ...], ...],
                 "layers": [{"layer": l, "mean": m, "baseline": b, "cosine": [[...], ...]}, ...],
                 "labels": [...], ...}
  -o FILE.png   the whole image with the crop, the crop's cosine map at --layer, the
                means by level and the labels' scores

Examples:
  siglip2-tui globallocal --demo
  siglip2-tui globallocal --demo --crop 0,0,36,36 --json
  siglip2-tui globallocal --crop 100,80,340,300 --layer 6 -o crop.png photo.jpg

Flags:
`

func runGlobalLocal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("globallocal", globalLocalHelp, stderr)
	var f trainedFlags
	f.register(fs, "the picture")
	cropFlag := fs.String("crop", "", "the crop X0,Y0,X1,Y1 in the original image's pixels, [X0, X1) × [Y0, Y1) (default: the middle, half the width and height)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cmap, err := f.check()
	if err != nil {
		return err
	}
	var box *inspect.CropBox
	if *cropFlag != "" {
		b, err := inspect.ParseCropBox(*cropFlag)
		if err != nil {
			return usageErrorf("--crop: %v", err)
		}
		box = &b
	}
	if !f.headless() {
		imageName, loadImage, err := f.src.imageLoader(fs.Args())
		if err != nil {
			return err
		}
		return f.interactive(ctx, "globallocal", stdout, stderr, imageName, loadImage, "", nil, tui.TrainedStart{Mode: "globallocal", Crop: box}, cmap)
	}
	if err := outfile.CheckDistinct(fs.Args(), []string{*f.out}); err != nil {
		return usageErrorf("%v", err)
	}
	se, err := f.src.open(ctx, fs.Args(), stderr)
	if err != nil {
		return err
	}
	defer se.Close()
	if box == nil {
		b := inspect.DefaultCrop(se.image.Width, se.image.Height)
		box = &b
	} else if err := box.Check(se.image.Width, se.image.Height); err != nil {
		return usageErrorf("--crop: %v", err)
	}
	a, err := se.analyze(ctx, f.src.maxPatches)
	if err != nil {
		return err
	}
	defer a.Release()
	level, err := f.level(a.Layers())
	if err != nil {
		return err
	}
	labels, err := f.encodeLabels(ctx, se.model, f.labelTexts(se.imageName))
	if err != nil {
		return err
	}
	r, err := inspect.GlobalLocal(ctx, a, *box, labels)
	if err != nil {
		return err
	}
	if *f.asJSON {
		return r.WriteJSON(stdout, f.meta(se, a))
	}
	title := pictureTitle(se)
	pic, err := inspect.GlobalLocalPicture(r, inspect.NRGBA(se.image), level, cmap, title)
	if err != nil {
		return err
	}
	if err := f.writePicture(pic); err != nil {
		return err
	}
	lv := r.Levels[level]
	fmt.Fprintf(stdout, "wrote %s: crop %s as %d×%d patches, %s: mean cosine to the whole image's patches %.3f (chance %.3f)\n",
		*f.out, box, r.CropRows, r.CropCols, lv.Name, lv.Mean, lv.Baseline)
	return nil
}
