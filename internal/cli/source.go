package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/hub"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/samples"
)

// Every command that runs a model reads it the same way: --model (a hub id
// or a folder; with --demo a variant of the built-in toy model), on the
// --device backend, an IMAGE (with --demo it may name a built-in scene),
// the NaFlex budget and how labels become prompts. sourceFlags holds those
// flags; resolveModels turns --model values into loaders; open does
// "resolve, load the image, load the model" for the commands that then
// analyse it.

// sourceFlags are the flags shared by every command that runs a model.
type sourceFlags struct {
	// models are the --model values: one at most, except where multi
	// allows several (compare). None means the default: defaultModel, or
	// the toy model's NaFlex variant with --demo.
	models     modelList
	revision   string
	device     deviceFlags
	demo       bool
	maxPatches int
	template   string
	keepCase   bool
	// scene is the built-in scene --demo opens without an IMAGE (default
	// demoScene).
	scene string
}

// register adds the shared flags to fs: the model's and the prompt's.
func (s *sourceFlags) register(fs *flag.FlagSet) {
	s.registerModel(fs)
	s.registerPrompt(fs)
}

// registerModel adds --model, --revision, --device, --fast, --demo and
// --max-patches: what a command that reads no labels needs.
func (s *sourceFlags) registerModel(fs *flag.FlagSet) {
	usage := "SigLIP 2 model: a Hugging Face hub id (run 'siglip2-tui models') or a local folder (default " + defaultModel + "); with --demo a toy variant: naflex (default), fixed, or fixed-SIZE"
	if s.models.multi {
		usage += "; repeat or comma-separate for several"
	}
	fs.Var(&s.models, "model", usage)
	fs.StringVar(&s.revision, "revision", hub.DefaultRevision, "branch, tag or commit of a hub model")
	s.device.register(fs)
	fs.BoolVar(&s.demo, "demo", false, "use the built-in toy SigLIP 2 (trained on coloured shapes; no download) and a built-in scene when IMAGE is not given (or IMAGE names one: "+strings.Join(samples.Names(), ", ")+")")
	if !s.models.multi { // compare takes a list of budgets of its own
		fs.IntVar(&s.maxPatches, "max-patches", 0, "NaFlex patch budget (default: the checkpoint's max_num_patches)")
	}
}

// registerPrompt adds --template and --no-lowercase: how labels become
// prompts.
func (s *sourceFlags) registerPrompt(fs *flag.FlagSet) {
	fs.StringVar(&s.template, "template", "", `label prompt template, "{}" marks the label (default "this is a photo of {}.", with --demo "{}")`)
	fs.BoolVar(&s.keepCase, "no-lowercase", false, "keep the labels' case (SigLIP 2 was trained on lower-cased text)")
}

// modelList is the --model flag: a repeatable, comma-separated list where
// multi allows several models, else one.
type modelList struct {
	names []string
	multi bool
}

// String joins the models given.
func (l *modelList) String() string { return strings.Join(l.names, ",") }

// Set adds one --model value (or a comma-separated list).
func (l *modelList) Set(v string) error {
	items := splitList(v)
	if len(items) == 0 {
		return fmt.Errorf("empty model name (give a hub id such as %s, a folder, or leave --model out)", defaultModel)
	}
	if !l.multi && len(l.names)+len(items) > 1 {
		return fmt.Errorf("one model at a time here (compare takes several)")
	}
	l.names = append(l.names, items...)
	return nil
}

// model is the one --model value, or "" for the default.
func (s *sourceFlags) model() string {
	if len(s.models.names) == 0 {
		return ""
	}
	return s.models.names[0]
}

// check reports flag values no command can use.
func (s *sourceFlags) check() error {
	if s.maxPatches < 0 || s.maxPatches > maxPatchBudget {
		return usageErrorf("--max-patches %d: want 1 to %d (or 0 for the checkpoint's)", s.maxPatches, maxPatchBudget)
	}
	if s.demo && s.revision != hub.DefaultRevision {
		return usageErrorf("--revision applies to hub models; the --demo models are built in")
	}
	if _, err := imageLimits(); err != nil { // refused even when only built-in scenes are read
		return err
	}
	return nil
}

// maxPatchBudget bounds --max-patches: 64k patches is 16× what any
// released NaFlex checkpoint was trained with.
const maxPatchBudget = 65536

// prompt says how labels become prompts: --template and --no-lowercase, or
// with --demo the bare label the toy models were trained on.
func (s *sourceFlags) prompt() engine.PromptOptions {
	if s.demo && s.template == "" {
		return engine.PromptOptions{Template: demoTemplate, KeepCase: s.keepCase}
	}
	return engine.PromptOptions{Template: s.template, KeepCase: s.keepCase}
}

// labels are the labels to start with when --labels is not given: with
// --demo, the objects of the built-in scene.
func (s *sourceFlags) labels(imageName string) []string {
	if !s.demo {
		return nil
	}
	return demoLabels(imageName)
}

// modelSpec is one --model value resolved: its names, its variant and how
// to load it.
type modelSpec struct {
	name    string // full name, for screens, JSON and exports
	short   string // for pane titles
	variant engine.Variant
	backend string // the compute backend's name
	load    func() (*engine.Model, error)
}

// resolveModels turns --model values into loaders on one backend, opened
// here: toy variants with --demo, else hub ids (downloaded here, before any
// screen opens, with progress on stderr) or folders. No value means the
// default model.
func (s *sourceFlags) resolveModels(ctx context.Context, names []string, stderr io.Writer) ([]modelSpec, error) {
	if len(names) == 0 {
		names = []string{""}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return nil, usageErrorf("--model %s is given twice", cmp.Or(n, "(default)"))
		}
		seen[n] = true
	}
	backend, err := s.device.backend(stderr)
	if err != nil {
		return nil, err
	}
	var out []modelSpec
	for _, n := range names {
		if s.demo {
			m, err := demoVariant(cmp.Or(n, "naflex"), backend)
			if err != nil {
				return nil, err
			}
			m.backend = backend.Name()
			out = append(out, m)
			continue
		}
		id := cmp.Or(n, defaultModel)
		dir, err := resolveModel(ctx, id, s.revision, stderr)
		if err != nil {
			return nil, err
		}
		cfg, err := engine.LoadConfig(dir)
		if err != nil {
			return nil, err
		}
		short := strings.TrimPrefix(filepath.Base(id), "siglip2-")
		out = append(out, modelSpec{name: id, short: short, variant: cfg.Variant, backend: backend.Name(),
			load: func() (*engine.Model, error) { return engine.Load(dir, engine.Options{Backend: backend}) }})
	}
	return out, nil
}

// resolve is resolveModels for --model alone.
func (s *sourceFlags) resolve(ctx context.Context, stderr io.Writer) (modelSpec, error) {
	specs, err := s.resolveModels(ctx, []string{s.model()}, stderr)
	if err != nil {
		return modelSpec{}, err
	}
	return specs[0], nil
}

// modelDir resolves --model to a folder without loading it (a hub id is
// downloaded); with --demo it is empty (the toy models live in the binary).
func (s *sourceFlags) modelDir(ctx context.Context, stderr io.Writer) (string, error) {
	if s.demo {
		return "", nil
	}
	return resolveModel(ctx, cmp.Or(s.model(), defaultModel), s.revision, stderr)
}

// demoVariant is a --demo model: naflex (the toy NaFlex model), fixed (the
// toy fixed-resolution model, 72×72), or fixed-SIZE (the NaFlex weights
// taking SIZE×SIZE squashed images, positions resized).
func demoVariant(name string, backend compute.Backend) (modelSpec, error) {
	switch name {
	case "naflex":
		return modelSpec{name: demoModelName, short: "NaFlex", variant: engine.NaFlex,
			load: func() (*engine.Model, error) { return demoModel(backend) }}, nil
	case "fixed":
		return modelSpec{name: demoFixedName, short: "fixed 72×72", variant: engine.FixedRes,
			load: func() (*engine.Model, error) { return demoFixedModel(backend) }}, nil
	}
	size, err := strconv.Atoi(strings.TrimPrefix(name, "fixed-"))
	if !strings.HasPrefix(name, "fixed-") || err != nil || size < 8 || size > 512 || size%8 != 0 {
		return modelSpec{}, usageErrorf("--model %s with --demo: want naflex, fixed, or fixed-SIZE with SIZE a multiple of 8 from 8 to 512 (e.g. fixed-48)", name)
	}
	return modelSpec{
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

// imageLoader checks the image argument and returns its name and loader:
// the built-in scene with --demo and no IMAGE.
func (s *sourceFlags) imageLoader(args []string) (string, func() (*preprocess.Image, error), error) {
	if err := lateFlags(args); err != nil {
		return "", nil, err
	}
	switch {
	case len(args) > 1:
		return "", nil, usageErrorf("give one IMAGE, got %d arguments (%s); flags go before the image", len(args), strings.Join(args, " "))
	case len(args) == 0 && s.demo:
		scene := cmp.Or(s.scene, demoScene)
		return scene, func() (*preprocess.Image, error) { return demoImage(scene) }, nil
	case len(args) == 0:
		return "", nil, usageErrorf("give an IMAGE to open (or --demo to try the built-in toy model and scenes)")
	}
	return s.imageArg(args[0])
}

// lateFlags refuses arguments that look like flags among the images: the
// flag package stops at the first argument that is not a flag, so a flag
// after the image would be taken for a file name.
func lateFlags(args []string) error {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			return usageErrorf("%s comes after the image: flags go before the image", a)
		}
	}
	return nil
}

// imageArg checks one IMAGE argument: a file, or with --demo a built-in
// scene's name.
func (s *sourceFlags) imageArg(path string) (string, func() (*preprocess.Image, error), error) {
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

// session is one model and one image, loaded, for a command that then
// analyses the image (heatmap, locality, the probes).
type session struct {
	imageName string
	image     *preprocess.Image
	spec      modelSpec
	model     *engine.Model
}

// open resolves --model, decodes the IMAGE argument and loads the model:
// "resolve, load the image, load the model", in that order, so a mistyped
// image fails before any download. Close the session when done.
func (s *sourceFlags) open(ctx context.Context, args []string, stderr io.Writer) (*session, error) {
	name, loadImg, err := s.imageLoader(args)
	if err != nil {
		return nil, err
	}
	spec, err := s.resolve(ctx, stderr)
	if err != nil {
		return nil, err
	}
	img, err := loadImg()
	if err != nil {
		return nil, err
	}
	m, err := spec.load()
	if err != nil {
		return nil, err
	}
	return &session{imageName: name, image: img, spec: spec, model: m}, nil
}

// loadModel resolves --model (downloading it if need be) and loads it:
// for commands that read their images themselves. Close the model when
// done.
func (s *sourceFlags) loadModel(ctx context.Context, stderr io.Writer) (*engine.Model, error) {
	spec, err := s.resolve(ctx, stderr)
	if err != nil {
		return nil, err
	}
	return spec.load()
}

// analyze runs the vision tower on the session's image with every
// internal captured, at the --max-patches budget.
func (se *session) analyze(ctx context.Context, maxPatches int) (*engine.Analysis, error) {
	return se.model.Analyze(ctx, se.image, maxPatches)
}

// Close releases the model.
func (se *session) Close() {
	if se != nil && se.model != nil {
		se.model.Close()
	}
}
