package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/tui"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cmdCorrespond finds a patch of one image in another.
var cmdCorrespond = command{
	name:    "correspond",
	summary: "find a patch of one image in another: similarity to every patch, best match, mutual nearest neighbours (interactive, or --json/-o)",
	run:     runCorrespond,
}

const correspondHelp = `Usage: siglip2-tui correspond [--patch R,C] [--layer L] [--json | -o out.png] [--model ID|DIR] [--demo] IMAGE_A IMAGE_B

Dense features are useful when the same thing gets alike features wherever
it is, in any image: SigLIP 2's decoder and self-distillation losses push
its patch features that way. This command runs two images through one model
and, at a level (0 = the patch embeddings, 1…L the blocks, L+1 after the
final LayerNorm; default the last block), compares patch R,C of A (rows and
columns counted from 0; default the centre) with every patch of B: the
cosine similarities, B's best match, and how many patches of A are mutual
nearest neighbours with a patch of B (each the other's best match).

With --demo, IMAGE_A and IMAGE_B may name built-in scenes; without them A is
the default scene and B its partner (the same shapes at other places and
sizes), and with IMAGE_A alone B is IMAGE_A's partner.

In a terminal this opens the explorer's Trained view (7) on the two images:
the cursor moves over A and B lights up.

Without a terminal:
  --json        {"grid_a": [r, c], "grid_b": [r, c], "layer": l, "patch": [r, c],
                 "similarity": [[...], ...], "best": [r, c], "mutual": n, ...}
  -o FILE.png   A with the patch outlined, B with its similarity map and the best match

Examples:
  siglip2-tui correspond --demo
  siglip2-tui correspond --demo --patch 1,1 --json three-shapes.png three-shapes-moved.png
  siglip2-tui correspond --patch 5,7 --layer 8 -o match.png cat1.jpg cat2.jpg

Flags:
`

func runCorrespond(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("correspond", correspondHelp, stderr)
	var f trainedFlags
	f.register(fs, "the picture")
	patchFlag := fs.String("patch", "", "the patch of IMAGE_A as ROW,COL counted from 0 (default: the centre)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cmap, err := f.check()
	if err != nil {
		return err
	}
	if *f.labels != "" {
		return usageErrorf("correspond scores no labels: leave out --labels")
	}
	var start *viz.Patch
	if *patchFlag != "" {
		p, err := parsePatch(*patchFlag)
		if err != nil {
			return err
		}
		start = &p
	}
	nameA, loadA, nameB, loadB, err := f.src.pairArgs(fs.Args())
	if err != nil {
		return err
	}
	if !f.headless() {
		return f.interactive(ctx, "correspond", stdout, stderr, nameA, loadA, nameB, loadB, tui.TrainedStart{Mode: "correspond", Patch: start}, cmap)
	}
	if err := outfile.CheckDistinct(fs.Args(), []string{*f.out}); err != nil {
		return usageErrorf("%v", err)
	}
	spec, err := f.src.resolve(ctx, stderr)
	if err != nil {
		return err
	}
	imgA, err := loadA()
	if err != nil {
		return fmt.Errorf("image A: %w", err)
	}
	imgB, err := loadB()
	if err != nil {
		return fmt.Errorf("image B: %w", err)
	}
	m, err := spec.load()
	if err != nil {
		return err
	}
	defer m.Close()
	a, err := m.Analyze(ctx, imgA, f.src.maxPatches)
	if err != nil {
		return fmt.Errorf("image A: %w", err)
	}
	defer a.Release()
	b, err := m.Analyze(ctx, imgB, f.src.maxPatches)
	if err != nil {
		return fmt.Errorf("image B: %w", err)
	}
	defer b.Release()
	level, err := f.level(a.Layers())
	if err != nil {
		return err
	}
	rows, cols := a.Grid()
	p := viz.Patch{Row: rows / 2, Col: cols / 2}
	if start != nil {
		p = *start
		if p.Row >= rows || p.Col >= cols {
			return usageErrorf("--patch %d,%d is outside image A's %d×%d patch grid (rows 0…%d, columns 0…%d)", p.Row, p.Col, rows, cols, rows-1, cols-1)
		}
	}
	r, err := inspect.Correspond(a, b, level)
	if err != nil {
		return err
	}
	rb, cb := b.Grid()
	meta := map[string]any{"image_a": nameA, "image_b": nameB, "model": spec.name, "variant": m.Config.Variant.String(),
		"demo": f.src.demo, "backend": m.Backend().Name(), "patches_a": rows * cols, "patches_b": rb * cb}
	if *f.asJSON {
		return r.WriteJSON(stdout, p, meta)
	}
	title := []string{fmt.Sprintf("A: %s, B: %s - %s", filepath.Base(nameA), filepath.Base(nameB), inspect.ASCIIText(spec.name))}
	pic, err := inspect.CorrespondPicture(r, inspect.NRGBA(imgA), inspect.NRGBA(imgB), p, cmap, title)
	if err != nil {
		return err
	}
	if err := f.writePicture(pic); err != nil {
		return err
	}
	i := p.Row*cols + p.Col
	best := r.Best(i)
	fmt.Fprintf(stdout, "wrote %s: %s, A's patch (%d,%d) best matches B's (%d,%d) at %.3f; %d of %d patches of A are mutual nearest neighbours\n",
		*f.out, r.Name, p.Row, p.Col, best.Row, best.Col, r.Row(i)[r.BestA[i]], r.Mutual, rows*cols)
	return nil
}

// pairArgs reads the two images of a correspondence: IMAGE_A IMAGE_B, or
// with --demo the default scene and its partner, or IMAGE_A and its
// partner.
func (s *sourceFlags) pairArgs(args []string) (nameA string, loadA func() (*preprocess.Image, error), nameB string, loadB func() (*preprocess.Image, error), err error) {
	if err := lateFlags(args); err != nil {
		return "", nil, "", nil, err
	}
	switch {
	case len(args) > 2:
		return "", nil, "", nil, usageErrorf("give two images, IMAGE_A and IMAGE_B; got %d arguments (%s)", len(args), strings.Join(args, " "))
	case len(args) == 2:
		if nameA, loadA, err = s.imageArg(args[0]); err != nil {
			return "", nil, "", nil, err
		}
		nameB, loadB, err = s.imageArg(args[1])
		return nameA, loadA, nameB, loadB, err
	case !s.demo:
		return "", nil, "", nil, usageErrorf("give two images, IMAGE_A and IMAGE_B (or --demo to try built-in scenes)")
	}
	if nameA, loadA, err = s.imageLoader(args); err != nil {
		return "", nil, "", nil, err
	}
	if nameB, loadB, err = s.pairLoader("", filepath.Base(nameA)); err != nil {
		return "", nil, "", nil, err
	}
	if loadB == nil {
		return "", nil, "", nil, usageErrorf("%s has no built-in partner: give IMAGE_B too", nameA)
	}
	return nameA, loadA, nameB, loadB, nil
}
