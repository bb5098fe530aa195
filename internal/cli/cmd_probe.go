package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cmdProbe answers "what does this score depend on?" by changing the
// forward pass: patches dropped, heads silenced.
var cmdProbe = command{
	name:    "probe",
	summary: "causal probes of a label's score: drop patches, silence heads, test which map is faithful",
	run:     runProbe,
}

const probeHelp = `Usage: siglip2-tui probe --method occlusion|heads|curves [--block K] [--label TEXT | --input-ids FILE.json] [--steps N] [--json] [-o OUT.png] IMAGE

Measures what a label's score depends on by running the image again with
parts of the model's input or of the model taken away, where the explorer's
maps (attention, rollout, the pooling head, the label map) only show where
it looks. The score is the label's logit, as classify prints it.

Methods (--method):
  occlusion  drop each patch (its token is removed: no layer and not the
             pooling head can attend to it) and report the logit change;
             with --block K, K×K blocks of patches are dropped together.
             Negative: the patch supported the label.
             Cost: one pass per patch (per block with --block).
  heads      silence each head of each block (its output zeroed before the
             output projection) and report the logit change, one row per
             block (block 1 first), one value per head (head 1 first).
             Cost: one pass per head, each from its own block on.
  curves     rank the patches by each map (pooling head, last block's mean
             attention, rollout, label map, and occlusion), drop them in that
             order (deletion) or keep only the top ones (insertion), and
             report the logit after each of --steps steps and the area under
             each curve. A faithful map's deletion curve falls fastest (small
             deletion area) and its insertion curve rises fastest (large
             insertion area). Cost: a pass per patch for occlusion plus
             about 2 × steps passes per map.

Without --json a summary is printed; --json prints the numbers as JSON
(arrays count from 0: heads[0][0] is block 1, head 1). -o writes a picture:
the occlusion map over the image, the block × head grid, or the two charts.
With --demo the label defaults to the scene's first object. Ctrl-C stops.

Examples:
  siglip2-tui probe --demo --method occlusion -o occlusion.png
  siglip2-tui probe --method heads --label "a cat" --json cat.jpg > heads.json
  siglip2-tui probe --demo --method curves --label "a blue circle" -o curves.png shapes
  siglip2-tui probe --model DIR --method occlusion --input-ids ids.json --json cat.png

Flags:
`

// probeMethods are the --method values.
var probeMethods = []string{"occlusion", "heads", "curves"}

func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("probe", probeHelp, stderr)
	var src sourceFlags
	src.register(fs)
	method := fs.String("method", "occlusion", strings.Join(probeMethods, ", "))
	block := fs.Int("block", 1, "occlusion: drop K×K blocks of patches together (1: single patches)")
	label := fs.String("label", "", "the label whose score is explained (default with --demo: the scene's first object)")
	idsFile := fs.String("input-ids", "", "JSON file with one row of token ids (an array, or an array holding one array), used verbatim instead of --label")
	steps := fs.Int("steps", 16, "curves: points per curve")
	asJSON := fs.Bool("json", false, "print the numbers as JSON instead of a summary")
	out := fs.String("o", "", "write a picture of the result (PNG)")
	display := fs.String("display", "map", "occlusion picture: map, overlay, side or image")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	if !slices.Contains(probeMethods, *method) {
		return usageErrorf("--method %q: want one of %s", *method, strings.Join(probeMethods, ", "))
	}
	if *block < 1 || *block > 64 {
		return usageErrorf("--block %d: want a block side from 1 to 64 patches", *block)
	}
	if *steps < 2 || *steps > 1024 {
		return usageErrorf("--steps %d: want 2 to 1024 points per curve", *steps)
	}
	if *label != "" && *idsFile != "" {
		return usageErrorf("--label and --input-ids both name the text: give one")
	}
	disp, err := viz.ParseDisplay(*display)
	if err != nil {
		return usageErrorf("--display: %v", err)
	}
	if err := outfile.CheckDistinct(append(fs.Args(), *idsFile), []string{*out}); err != nil {
		return usageErrorf("%v", err)
	}
	var ids []int
	if *idsFile != "" {
		if ids, err = readInputRow(*idsFile); err != nil {
			return err
		}
	}
	se, err := src.open(ctx, fs.Args(), stderr)
	if err != nil {
		return err
	}
	defer se.Close()
	text, name := *label, *label
	if ids == nil && strings.TrimSpace(text) == "" {
		if defaults := src.labels(se.imageName); len(defaults) > 0 {
			text, name = defaults[0], defaults[0]
		} else {
			return usageErrorf("give --label TEXT (or --input-ids FILE.json): the score to explain")
		}
	}
	statusLine(stderr, "analysing the image…")
	a, err := se.analyze(ctx, src.maxPatches)
	statusLine(stderr, "")
	if err != nil {
		return err
	}
	defer a.Release()
	if rows, cols := a.Grid(); *method != "heads" && *block >= rows && *block >= cols {
		return usageErrorf("--block %d covers the whole %d×%d patch grid, so nothing would be left: choose a block smaller than the grid", *block, rows, cols)
	}
	var embed []float32
	var lab *engine.Label
	if ids != nil {
		name = "token ids from " + *idsFile
		if embed, err = se.model.TextEmbeddings(ctx, [][]int{ids}); err != nil {
			return fmt.Errorf("%s: %w", *idsFile, err)
		}
	} else {
		labels, _, err := se.model.EncodeLabels(ctx, []string{text}, src.prompt())
		if err != nil {
			return err
		}
		lab, embed = &labels[0], labels[0].Embed
		if len(lab.Unknown) > 0 {
			fmt.Fprintf(stderr, "siglip2-tui probe: %q has words the model cannot know (%s): its score, and what it depends on, mean nothing\n", text, strings.Join(lab.Unknown, ", "))
		}
	}
	p, err := inspect.NewProbe(a, name, embed)
	if err != nil {
		return err
	}
	r := probeRun{ctx: ctx, p: p, stderr: stderr, meta: inspect.ProbeMeta{Model: se.spec.name, Image: se.imageName}}
	var report any
	switch *method {
	case "occlusion":
		o, err := r.occlusion(*block)
		if err != nil {
			return err
		}
		report = p.OcclusionReport(o, r.meta)
		if *out != "" {
			img, err := inspect.OcclusionPicture(inspect.NRGBA(se.image), o, disp, name, se.spec.name)
			if err != nil {
				return err
			}
			if err := writePNG(*out, img); err != nil {
				return err
			}
		}
		if !*asJSON {
			printOcclusion(stdout, p, o)
		}
	case "heads":
		h, err := r.heads()
		if err != nil {
			return err
		}
		report = p.HeadsReport(h, r.meta)
		if *out != "" {
			if err := writePNG(*out, inspect.HeadsTable(h, name).Draw(28, 18)); err != nil {
				return err
			}
		}
		if !*asJSON {
			printHeads(stdout, p, h)
		}
	case "curves":
		o, err := r.occlusion(*block)
		if err != nil {
			return err
		}
		maps, err := inspect.ProbeMaps(inspect.NewMaps(a), lab, o)
		if err != nil {
			return err
		}
		if lab == nil { // token ids: the label map needs the text embedding
			lm, err := a.LabelMap(embed)
			if err != nil {
				return err
			}
			maps = slices.Insert(maps, len(maps)-1, inspect.RankedMap{Name: "label map", Values: lm})
		}
		cs, err := r.curves(maps, *steps)
		if err != nil {
			return err
		}
		report = p.CurvesReport(cs, r.meta)
		if *out != "" {
			img, err := inspect.CurvesPicture(cs, name)
			if err != nil {
				return err
			}
			if err := writePNG(*out, img); err != nil {
				return err
			}
		}
		if !*asJSON {
			printCurves(stdout, p, cs)
		}
	}
	if *asJSON {
		if err := inspect.WriteJSON(stdout, report); err != nil {
			return err
		}
	}
	if *out != "" {
		fmt.Fprintf(stderr, "siglip2-tui probe: wrote %s\n", *out)
	}
	return nil
}

// probeRun runs one probe's passes with progress on stderr.
type probeRun struct {
	ctx    context.Context
	p      *inspect.Probe
	stderr io.Writer
	meta   inspect.ProbeMeta
}

// probeBatch is how many changed copies of the image one batched pass
// holds.
const probeBatch = 8

// progress draws "what: done/total passes, elapsed" on a terminal.
func (r probeRun) progress(what string) func(done, total int) {
	start := time.Now()
	return func(done, total int) {
		statusLine(r.stderr, fmt.Sprintf("%s: %d/%d passes, %s (Ctrl-C stops)", what, done, total, time.Since(start).Round(time.Second)))
	}
}

func (r probeRun) occlusion(block int) (*inspect.Occlusion, error) {
	o, err := r.p.Occlude(r.ctx, block, probeBatch, r.progress("occlusion"))
	statusLine(r.stderr, "")
	return o, err
}

func (r probeRun) heads() (*inspect.HeadAblation, error) {
	h, err := r.p.AblateHeads(r.ctx, probeBatch, r.progress("head ablation"))
	statusLine(r.stderr, "")
	return h, err
}

func (r probeRun) curves(maps []inspect.RankedMap, steps int) (*inspect.Curves, error) {
	cs, err := r.p.MeasureCurves(r.ctx, maps, steps, probeBatch, r.progress("curves"))
	statusLine(r.stderr, "")
	return cs, err
}

// writePNG writes a picture by the output rule (internal/outfile).
func writePNG(path string, img image.Image) error {
	return outfile.Write(path, func(w io.Writer) error { return viz.WritePNG(w, img) })
}

// readInputRow reads --input-ids for one text: a JSON array of token ids,
// or an array holding one such array.
func readInputRow(path string) ([]int, error) {
	data, err := inputfile.ReadFile(path, inputfile.ListLimit)
	if err != nil {
		return nil, fmt.Errorf("--input-ids: %w", err)
	}
	var row []int
	if err := json.Unmarshal(data, &row); err == nil {
		if len(row) == 0 {
			return nil, fmt.Errorf("%s: no token ids", path)
		}
		return row, nil
	}
	var rows [][]int
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of token ids (or an array holding one): %w", path, err)
	}
	if len(rows) != 1 || len(rows[0]) == 0 {
		return nil, fmt.Errorf("%s: want one row of token ids, found %d rows", path, len(rows))
	}
	return rows[0], nil
}
