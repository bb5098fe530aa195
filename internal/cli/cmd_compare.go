package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/tui"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cmdCompare shows what resolution does to the model's view of one image.
var cmdCompare = command{
	name:    "compare",
	summary: "one image at several resolutions side by side: NaFlex budgets, fixed-resolution checkpoints (interactive, or --json)",
	run:     runCompare,
}

const compareHelp = `Usage: siglip2-tui compare [--model ID|DIR ...] [--max-patches 64,256,1024] [--labels "a,b,c"] [--demo] [--json] IMAGE

Shows IMAGE as several settings see it, one pane each, side by side (stacked
on narrow terminals):

  several NaFlex budgets of one model   --model google/siglip2-base-patch16-naflex --max-patches 64,256,1024
  several fixed-resolution checkpoints  --model google/siglip2-base-patch16-224 --model google/siglip2-base-patch16-512
  fixed versus NaFlex                   --model google/siglip2-base-patch16-256 --model google/siglip2-base-patch16-naflex --max-patches 256

Each pane shows the image as its model received it (squashed to a square for
fixed resolution, resized to the NaFlex grid otherwise), its patch grid and
the explorer's views over it (1 similarity, 2 attention, 3 labels, 4 PCA).
One cursor lives in image coordinates: the arrows move it one patch of the
focused pane (f focuses the next pane, or click a pane) and every pane
shows the patch that covers the same spot. When models differ in depth the
layer is relative: the same fraction of depth in every pane. The labels
view puts every pane's label scores in one table with the differences
marked. Each pane shows its forward-pass time and the size of what it
captured. s saves the whole comparison as one PNG (and JSON).

The models share one compute backend and run one at a time (a forward pass
already uses every core); panes appear as they finish. Compare draws with
text cells (no graphics protocols).

--model may be repeated or comma-separated (default:
google/siglip2-base-patch16-naflex). Every NaFlex model gets one pane per
--max-patches budget (default 64,256,1024 for a single NaFlex model, else
the checkpoint's own); a fixed-resolution model gets one pane.

With --demo the models are the built-in toy SigLIP 2 (trained by this project
on scenes of coloured shapes, 8-pixel patches; no download), the image a
built-in wide scene (or IMAGE names one), and --model names toy variants:
naflex, fixed (the fixed-resolution toy checkpoint, 72×72: a 9×9 grid), or
fixed-SIZE (the NaFlex weights taking SIZE×SIZE squashed images, e.g.
fixed-48: a 6×6 grid). The default is --model naflex,fixed --max-patches
32,72: the wide scene at the toy's native 6×12 grid, at a coarser 4×8, and
squashed into a square.

--json prints, per setting, the grid, the label scores, the timings and the
captured-internals size, without a terminal.

Examples:
  siglip2-tui compare --demo
  siglip2-tui compare --model google/siglip2-base-patch16-naflex --max-patches 64,256,1024 photo.jpg
  siglip2-tui compare --model google/siglip2-base-patch16-256,google/siglip2-base-patch16-naflex --max-patches 256 photo.jpg
  siglip2-tui compare --demo --json > compare.json

Flags:
`

// listFlag is a flag that may be repeated and takes comma-separated lists.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	items := splitList(s)
	if len(items) == 0 {
		return fmt.Errorf("empty list")
	}
	*l = append(*l, items...)
	return nil
}

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", compareHelp, stderr)
	src := sourceFlags{scene: demoCompareScene, models: modelList{multi: true}}
	src.register(fs)
	var budgets listFlag
	fs.Var(&budgets, "max-patches", "NaFlex patch budgets, comma-separated (e.g. 64,256,1024)")
	labels := fs.String("labels", "", `comma-separated text labels (edit them in the Labels view)`)
	asJSON := fs.Bool("json", false, "print each setting's grid, label scores, timings and memory as JSON (no terminal needed)")
	colorFlag := fs.String("color", "auto", "colours: auto (detect; NO_COLOR is honoured), truecolor, 256 or none")
	cmapFlag := fs.String("colormap", "viridis", "colormap: "+colormapChoices())
	outDir := outDirFlag(fs, "the comparison")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	var budgetList []int
	for _, b := range budgets {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 || n > maxPatchBudget {
			return usageErrorf("--max-patches %q: want patch budgets from 1 to %d, e.g. 64,256,1024", b, maxPatchBudget)
		}
		budgetList = append(budgetList, n)
	}
	cmap, err := viz.ParseColormap(*cmapFlag)
	if err != nil {
		return usageErrorf("--colormap: %v", err)
	}
	mode, err := parseColorMode(*colorFlag, stdout, os.Environ())
	if err != nil {
		return err
	}
	imageName, loadImage, err := src.imageLoader(fs.Args())
	if err != nil {
		return err
	}
	var tty *os.File
	if !*asJSON {
		f, ok := stdout.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return errors.New("compare draws an interactive screen, so its output must be a terminal, and it is not here; " +
				"for scripts use --json (grids, label scores, timings and memory of every setting)")
		}
		if err := checkOutDir(*outDir); err != nil {
			return err
		}
		tty = f
	}
	models := src.models.names
	if len(models) == 0 && src.demo {
		models = []string{"naflex", "fixed"}
	} else if len(models) == 0 {
		models = []string{defaultCompareModel}
	}
	resolved, err := src.resolveModels(ctx, models, stderr)
	if err != nil {
		return err
	}
	if len(budgets) == 0 {
		budgetList = defaultBudgets(resolved, src.demo)
	}
	cfg := tui.CompareConfig{Config: tui.Config{
		Context:   ctx,
		Notice:    colorNotice(*colorFlag, mode, os.Environ()),
		ImageName: imageName, LoadImage: loadImage, Demo: src.demo,
		Labels: splitList(*labels), Prompt: src.prompt(),
		ColorMode: mode, Colormap: cmap, ExportDir: *outDir,
	}}
	if *labels == "" {
		cfg.Labels = src.labels(imageName)
	}
	for i, m := range resolved {
		cfg.Models = append(cfg.Models, inspect.ModelSource{Name: m.name, Load: m.load})
		if m.variant == engine.FixedRes {
			cfg.Settings = append(cfg.Settings, inspect.CompareSetting{Name: m.short, Model: i})
			continue
		}
		for _, b := range budgetList {
			name := m.short
			if b > 0 {
				name += fmt.Sprintf(" %d", b)
			}
			cfg.Settings = append(cfg.Settings, inspect.CompareSetting{Name: name, Model: i, MaxPatches: b})
		}
	}
	if len(cfg.Settings) > inspect.MaxComparePanes {
		return usageErrorf("%d settings (models × budgets) to compare; at most %d fit: give fewer --model or --max-patches values", len(cfg.Settings), inspect.MaxComparePanes)
	}
	if *asJSON {
		out, err := inspect.CompareHeadless(ctx, cfg.Spec())
		if err != nil {
			return err
		}
		out.Meta = map[string]any{"backend": resolved[0].backend, "demo": src.demo,
			"note": "settings ran one at a time on one backend; timings_ms are wall-clock per stage, internals_bytes the size of the captured hidden states and attention"}
		return out.Write(stdout)
	}
	return tui.RunCompare(cfg, tty)
}

// defaultBudgets are the NaFlex budgets when --max-patches is not given.
func defaultBudgets(models []modelSpec, demo bool) []int {
	if demo {
		// The toy model's native 72 patches on the wide scene (6×12) and
		// a coarser 4×8.
		return []int{32, 72}
	}
	if len(models) == 1 && models[0].variant == engine.NaFlex {
		return []int{64, 256, 1024}
	}
	return []int{0}
}

// defaultCompareModel is compare's model when --model is not given.
const defaultCompareModel = "google/siglip2-base-patch16-naflex"
