package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/siglip2-tui/siglip2-tui/compute"
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

// compareModel is one --model resolved: how to load it and what it is.
type compareModel struct {
	name    string // full name, for JSON and exports
	short   string // for pane titles
	variant engine.Variant
	load    func() (*engine.Model, error)
}

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var models, budgets listFlag
	var device deviceFlags
	device.register(fs)
	fs.Var(&models, "model", "SigLIP 2 model, a hub id or a folder; repeat or comma-separate for several (with --demo: naflex or fixed-SIZE)")
	revision := fs.String("revision", "main", "branch, tag or commit of hub models")
	fs.Var(&budgets, "max-patches", "NaFlex patch budgets, comma-separated (e.g. 64,256,1024)")
	demo := fs.Bool("demo", false, "compare variants of the built-in toy SigLIP 2 (trained on coloured shapes; no download) on a built-in wide scene when IMAGE is not given")
	labels := fs.String("labels", "", `comma-separated text labels (edit them in the Labels view)`)
	template := fs.String("template", "", `label prompt template, "{}" marks the label (default "this is a photo of {}.")`)
	asJSON := fs.Bool("json", false, "print each setting's grid, label scores, timings and memory as JSON (no terminal needed)")
	colorFlag := fs.String("color", "auto", "colours: auto (detect; NO_COLOR is honoured), truecolor, 256 or none")
	cmapFlag := fs.String("colormap", "viridis", "colormap: viridis, inferno, turbo or grey")
	outDir := fs.String("out", ".", "folder where s saves the comparison (PNG + JSON)")
	fs.Usage = func() {
		fmt.Fprint(stderr, compareHelp)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var budgetList []int
	for _, b := range budgets {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 || n > 65536 {
			return usageErrorf("--max-patches %q: want patch budgets from 1 to 65536, e.g. 64,256,1024", b)
		}
		budgetList = append(budgetList, n)
	}
	cmap, err := viz.ParseColormap(*cmapFlag)
	if err != nil {
		return usageErrorf("--colormap: %v", err)
	}
	mode, err := parseColorMode(*colorFlag, os.Getenv)
	if err != nil {
		return err
	}
	src := sourceFlags{demo: *demo, scene: demoCompareScene, template: *template}
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
		if st, err := os.Stat(*outDir); err != nil || !st.IsDir() {
			return usageErrorf("--out %s: not a folder (s saves the comparison there)", *outDir)
		}
		tty = f
	}
	backend, err := device.backend(stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	resolved, err := resolveCompareModels(ctx, models, *demo, *revision, backend, stderr)
	stop()
	if err != nil {
		return err
	}
	if len(budgets) == 0 {
		budgetList = defaultBudgets(resolved, *demo)
	}
	cfg := tui.CompareConfig{Config: tui.Config{
		ImageName: imageName, LoadImage: loadImage, Demo: *demo,
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
		out, err := inspect.CompareHeadless(cfg.Spec())
		if err != nil {
			return err
		}
		out.Meta = map[string]any{"backend": backend.Name(), "demo": *demo,
			"note": "settings ran one at a time on one backend; timings_ms are wall-clock per stage, internals_bytes the size of the captured hidden states and attention"}
		return out.Write(stdout)
	}
	return tui.RunCompare(cfg, tty)
}

// defaultBudgets are the NaFlex budgets when --max-patches is not given.
func defaultBudgets(models []compareModel, demo bool) []int {
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

// resolveCompareModels turns the --model values into loaders on one shared
// backend: demo variants with --demo, else hub ids or folders (downloaded
// here, before any screen opens).
func resolveCompareModels(ctx context.Context, names []string, demo bool, revision string, backend compute.Backend, stderr io.Writer) ([]compareModel, error) {
	if len(names) == 0 {
		names = []string{defaultCompareModel}
		if demo {
			names = []string{"naflex", "fixed"}
		}
	}
	seen := map[string]bool{}
	var out []compareModel
	for _, n := range names {
		if seen[n] {
			return nil, usageErrorf("--model %s is given twice", n)
		}
		seen[n] = true
		if demo {
			m, err := demoCompareModel(n, backend)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			continue
		}
		dir, err := resolveModel(ctx, n, revision, stderr)
		if err != nil {
			return nil, err
		}
		cfg, err := engine.LoadConfig(dir)
		if err != nil {
			return nil, err
		}
		short := strings.TrimPrefix(filepath.Base(n), "siglip2-")
		out = append(out, compareModel{name: n, short: short, variant: cfg.Variant,
			load: func() (*engine.Model, error) { return engine.Load(dir, engine.Options{Backend: backend}) }})
	}
	return out, nil
}

// demoCompareModel is a --demo model variant: naflex (the toy NaFlex
// model), fixed (the toy fixed-resolution model, 72×72), or fixed-SIZE (the
// same weights taking SIZE×SIZE squashed images, positions resized).
func demoCompareModel(name string, backend compute.Backend) (compareModel, error) {
	switch name {
	case "naflex":
		return compareModel{name: demoModelName, short: "NaFlex", variant: engine.NaFlex,
			load: func() (*engine.Model, error) { return demoModel(backend) }}, nil
	case "fixed":
		return compareModel{name: demoFixedName, short: "fixed 72×72", variant: engine.FixedRes,
			load: func() (*engine.Model, error) { return demoFixedModel(backend) }}, nil
	}
	size, err := strconv.Atoi(strings.TrimPrefix(name, "fixed-"))
	if !strings.HasPrefix(name, "fixed-") || err != nil || size < 8 || size > 512 || size%8 != 0 {
		return compareModel{}, usageErrorf("--model %s with --demo: want naflex, fixed, or fixed-SIZE with SIZE a multiple of 8 from 8 to 512 (e.g. fixed-48)", name)
	}
	return compareModel{
		name:    fmt.Sprintf("%s, squashed to %d×%d", demoModelName, size, size),
		short:   fmt.Sprintf("fixed %d×%d", size, size),
		variant: engine.FixedRes,
		load: func() (*engine.Model, error) {
			m, err := demoModel(backend)
			if err != nil {
				return nil, err
			}
			defer m.Close()
			return engine.FixedResFromNaFlex(m, size, engine.Options{Backend: backend})
		},
	}, nil
}
