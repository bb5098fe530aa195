package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/profile"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/tools/ortbench"
)

// cmdBench measures the engine at real model sizes with random weights.
var cmdBench = command{
	name:    "bench",
	summary: "time the vision and text towers at real model sizes (random weights, no download)",
	run:     runBench,
}

const benchHelp = `Usage: siglip2-tui bench [--size base|large|so400m|giant-opt] [--res 224,384,512] [--naflex 256] [--text 10] [--device cpu]

Builds a model of the given size with random weights in memory (nothing is
downloaded; the numbers do not depend on the weights) and times forward
passes: the median of --repeat runs after one warm-up. For each input it
prints the time, the arithmetic (GFLOP: matrix products and attention), the
rate, and that rate as a share of the backend's own matrix-product ceiling,
measured first on one large product. A profiled run then breaks one forward
down by operation.

Flags:
`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == coldFlag {
		return coldChild(args[1:], stdout)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var dev deviceFlags
	dev.register(fs)
	size := fs.String("size", "base", "model size: "+strings.Join(engine.ArchitectureNames(), ", ")+" (with --cold, a comma-separated list)")
	patch := fs.Int("patch", 16, "patch size")
	resList := fs.String("res", "224,384,512", "fixed resolutions to time (comma-separated; empty for none)")
	naflexList := fs.String("naflex", "256", "NaFlex patch counts to time (comma-separated; empty for none)")
	texts := fs.Int("text", 10, "labels to encode with the text tower (64 tokens each; 0 skips)")
	repeat := fs.Int("repeat", 5, "timed runs per input (the median is shown)")
	capture := fs.Bool("capture", false, "also time forwards with every internal captured")
	breakdown := fs.Bool("profile", true, "break one forward of the largest input down by operation")
	cold := fs.Bool("cold", false, "instead, measure cold start to the first heatmap and peak memory in a fresh process")
	coldModel := fs.String("model", "", "with --cold: a model folder to measure (default: a random checkpoint of --size written to a temporary folder)")
	vsORT := fs.Bool("vs-ort", false, "also time ONNX Runtime (onnxruntime-node) on the same tower and weights, in turns with ours (bash scripts/bench-vs-ort installs it)")
	ortModules := fs.String("ort-modules", "", "with --vs-ort: the node_modules folder holding onnxruntime-node (default "+ortbench.DefaultModules+", then $NODE_PATH)")
	ortOpset := fs.Int("ort-opset", 17, "with --vs-ort: write the ONNX graph at opset 17 (GELU from basic operators, as torch.onnx.export does) or 20 (the Gelu operator)")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchHelp)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if *cold {
		return runColdStart(*coldModel, splitList(*size), dev, stdout, stderr)
	}
	resolutions, err := parseInts(*resList, "--res")
	if err != nil {
		return err
	}
	budgets, err := parseInts(*naflexList, "--naflex")
	if err != nil {
		return err
	}
	if *texts < 0 || *texts > 4096 {
		return usageErrorf("--text %d: want 0 to 4096 labels (they are encoded in batches of %d)", *texts, engine.TextBatch)
	}
	if *repeat < 1 {
		return usageErrorf("--repeat must be at least 1")
	}
	backend, err := dev.backend(stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backend  %s\n", backend.Name())
	ceiling, err := matmulCeiling(backend)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ceiling  %.0f GFLOP/s (one 1024×3072×768 matrix product, best of 5)\n", ceiling/1e9)
	var ort *ortSide
	if *vsORT {
		if ort, err = startORT(*ortModules, runtime.GOMAXPROCS(0), *ortOpset); err != nil {
			return err
		}
		defer ort.close()
		fmt.Fprintf(stdout, "versus   onnxruntime-node, %d intra-op threads, opset %d graph of the same tower and weights; runs alternate\n", ort.threads, *ortOpset)
	}
	fmt.Fprintln(stdout)

	type job struct {
		name    string
		cfg     engine.Config
		tokens  int
		grid    [2]int
		capture bool
	}
	var jobs []job
	for _, r := range resolutions {
		cfg, err := engine.ArchitectureConfig(*size, *patch, r, 1000)
		if err != nil {
			return usageErrorf("%v", err)
		}
		g := r / *patch
		jobs = append(jobs, job{fmt.Sprintf("%s@%d", *size, r), cfg, g * g, [2]int{g, g}, false})
	}
	for _, n := range budgets {
		cfg, err := engine.ArchitectureConfig(*size, *patch, 0, 1000)
		if err != nil {
			return usageErrorf("%v", err)
		}
		gh := 1
		for (gh+1)*(gh+1) <= n {
			gh++
		}
		jobs = append(jobs, job{fmt.Sprintf("%s NaFlex %d", *size, n), cfg, n, [2]int{gh, n / gh}, false})
	}
	if *capture {
		for _, j := range append([]job(nil), jobs...) {
			j.capture, j.name = true, j.name+" +capture"
			jobs = append(jobs, j)
		}
	}
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].cfg.Variant < jobs[b].cfg.Variant })

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	if ort != nil {
		fmt.Fprintln(tw, "input\ttokens\ttime\tGFLOP\tGFLOP/s\tof ceiling\tONNX Runtime\tours/ORT\t")
	} else {
		fmt.Fprintln(tw, "input\ttokens\ttime\tGFLOP\tGFLOP/s\tof ceiling\t")
	}
	var models = map[engine.Variant]*engine.Model{}
	defer func() {
		for _, m := range models {
			m.Close()
		}
	}()
	var largest job
	for _, j := range jobs {
		m := models[j.cfg.Variant]
		if m == nil || m.Config.Vision.ImageSize != j.cfg.Vision.ImageSize {
			if m != nil {
				m.Close()
			}
			statusLine(stderr, "building random "+j.name+" weights...")
			m, err = engine.NewRandom(j.cfg, engine.DefaultPreprocessor(j.cfg), 1, engine.Options{Backend: backend})
			statusLine(stderr, "")
			if err != nil {
				return err
			}
			models[j.cfg.Variant] = m
		}
		in := randomInput(j.cfg, j.tokens, j.grid)
		forward := func() error {
			out, err := m.EncodeImages(ctx, []engine.VisionInput{in}, j.capture)
			if err == nil && out.Internals != nil {
				out.Internals.Release()
			}
			return err
		}
		var pair pairTiming
		if ort != nil && !j.capture {
			pair, err = ort.timePair(stderr, j.cfg, 1, j.grid, *repeat, forward)
		} else {
			pair.ours, err = timeRuns(*repeat, forward)
		}
		if err != nil {
			return err
		}
		median := pair.ours
		flops := j.cfg.VisionFLOPs(j.tokens)
		rate := flops / median.Seconds()
		fmt.Fprintf(tw, "%s\t%d\t%.3f s\t%.1f\t%.0f\t%.0f%%\t", j.name, j.tokens, median.Seconds(), flops/1e9, rate/1e9, 100*rate/ceiling)
		if pair.ort > 0 {
			fmt.Fprintf(tw, "%.3f s\t%.2f\t", pair.ort.Seconds(), pair.ratio)
		}
		fmt.Fprintln(tw)
		if j.tokens > largest.tokens && !j.capture {
			largest = j
		}
	}
	if *texts > 0 {
		cfg, err := engine.ArchitectureConfig(*size, *patch, 224, 1000)
		if err != nil {
			return err
		}
		m := models[engine.FixedRes]
		if m == nil {
			if m, err = engine.NewRandom(cfg, engine.DefaultPreprocessor(cfg), 1, engine.Options{Backend: backend}); err != nil {
				return err
			}
			models[engine.FixedRes] = m
		}
		ids := make([][]int, *texts)
		rng := rand.New(rand.NewSource(2))
		for i := range ids {
			ids[i] = make([]int, cfg.Text.MaxPositions)
			for k := 0; k < 8; k++ {
				ids[i][k] = 4 + rng.Intn(cfg.Text.VocabSize-4)
			}
			ids[i][8] = 1
		}
		median, err := timeRuns(*repeat, func() error { _, err := m.TextEmbeddings(ctx, ids); return err })
		if err != nil {
			return err
		}
		flops := cfg.TextFLOPs(*texts, cfg.Text.MaxPositions)
		rate := flops / median.Seconds()
		fmt.Fprintf(tw, "text %d×%d\t%d\t%.3f s\t%.1f\t%.0f\t%.0f%%\t\n", *texts, cfg.Text.MaxPositions, *texts*cfg.Text.MaxPositions, median.Seconds(), flops/1e9, rate/1e9, 100*rate/ceiling)
	}
	tw.Flush()

	if *breakdown && largest.tokens > 0 {
		prof := profile.Wrap(backend)
		m, err := engine.NewRandom(largest.cfg, engine.DefaultPreprocessor(largest.cfg), 1, engine.Options{Backend: prof})
		if err != nil {
			return err
		}
		defer m.Close()
		in := randomInput(largest.cfg, largest.tokens, largest.grid)
		if _, err := m.EncodeImages(ctx, []engine.VisionInput{in}, false); err != nil { // warm-up
			return err
		}
		prof.Reset()
		start := time.Now()
		if _, err := m.EncodeImages(ctx, []engine.VisionInput{in}, false); err != nil {
			return err
		}
		total := time.Since(start)
		fmt.Fprintf(stdout, "\none %s forward by operation (each followed by a sync; total %.3f s):\n", largest.name, total.Seconds())
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, s := range prof.Stages() {
			fmt.Fprintf(tw, "  %s\t%d calls\t%.1f ms\t%.0f%%\t\n", s.Op, s.Calls, float64(s.Time.Microseconds())/1000, 100*s.Time.Seconds()/total.Seconds())
		}
		tw.Flush()
	}
	return nil
}

// randomInput is an image's worth of random patch values.
func randomInput(cfg engine.Config, tokens int, grid [2]int) engine.VisionInput {
	rng := rand.New(rand.NewSource(3))
	in := engine.VisionInput{Patches: make([]float32, tokens*cfg.Vision.PatchDim()), Tokens: tokens, GridH: grid[0], GridW: grid[1]}
	for i := range in.Patches[:grid[0]*grid[1]*cfg.Vision.PatchDim()] {
		in.Patches[i] = float32(rng.NormFloat64())
	}
	return in
}

// timeRuns runs f once to warm up, then n times, and returns the median.
func timeRuns(n int, f func() error) (time.Duration, error) {
	if err := f(); err != nil {
		return 0, err
	}
	times := make([]time.Duration, n)
	for i := range times {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		times[i] = time.Since(start)
	}
	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	return times[n/2], nil
}

// matmulCeiling measures the backend's rate on one large matrix product.
func matmulCeiling(b compute.Backend) (float64, error) {
	const m, k, n = 1024, 768, 3072
	x, err := b.Alloc(m, k)
	if err != nil {
		return 0, err
	}
	defer b.Free(x)
	w, err := b.Alloc(n, k)
	if err != nil {
		return 0, err
	}
	defer b.Free(w)
	y, err := b.Alloc(m, n)
	if err != nil {
		return 0, err
	}
	defer b.Free(y)
	vals := make([]float32, n*k)
	for i := range vals {
		vals[i] = float32(i%13) / 13
	}
	b.Upload(x, vals[:m*k])
	b.Upload(w, vals)
	best := time.Duration(1 << 62)
	for i := 0; i < 6; i++ {
		start := time.Now()
		b.Linear(y, x, w, compute.Tensor{}, compute.NoActivation)
		if err := b.Sync(); err != nil {
			return 0, err
		}
		if d := time.Since(start); i > 0 && d < best {
			best = d
		}
	}
	return 2 * m * k * n / best.Seconds(), nil
}

// parseInts parses a comma-separated list of positive integers.
func parseInts(s, flagName string) ([]int, error) {
	var out []int
	for _, p := range splitList(s) {
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 {
			return nil, usageErrorf("%s: %q is not a positive integer", flagName, p)
		}
		out = append(out, v)
	}
	return out, nil
}
