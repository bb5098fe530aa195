package cli

import (
	"context"
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
	"github.com/siglip2-tui/siglip2-tui/compute/cpu"
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
       [--vs-ort] [--bf16] [--probes] [--cold [--cold-sizes base,so400m | --model DIR]] [--all]

Builds a model of the given size with random weights in memory (nothing is
downloaded; the numbers do not depend on the weights) and times forward
passes: the median of --repeat runs after one warm-up. For each input it
prints the time, the arithmetic (GFLOP: matrix products and attention), the
rate, and that rate as a share of the backend's own matrix-product ceiling,
measured first on one large product. A profiled run then breaks one forward
down by operation.

Examples:
  siglip2-tui bench                                   base at 224, 384, 512 and NaFlex 256
  siglip2-tui bench --size so400m --res 384 --naflex ""  one fixed size of the large model
  siglip2-tui bench --device cuda --capture           on the GPU, with internals captured
  siglip2-tui bench --bf16                            bfloat16 timed beside float32, and its error
  siglip2-tui bench --vs-ort                          next to ONNX Runtime (bash scripts/bench-vs-ort)
  siglip2-tui bench --probes                          occlusion, 2×2 blocks, every head silenced
  siglip2-tui bench --cold                            cold start to the first heatmap, peak memory
  siglip2-tui bench --all                             all of the above

Flags:
`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == coldFlag {
		return coldChild(args[1:], stdout)
	}
	fs := newFlagSet("bench", benchHelp, stderr)
	var dev deviceFlags
	dev.register(fs)
	size := fs.String("size", "base", "model size: "+strings.Join(engine.ArchitectureNames(), ", "))
	patch := fs.Int("patch", 16, "patch size")
	resList := fs.String("res", "224,384,512", "fixed resolutions to time (comma-separated; empty for none)")
	naflexList := fs.String("naflex", "256", "NaFlex patch counts to time (comma-separated; empty for none)")
	texts := fs.Int("text", 10, "labels to encode with the text tower (64 tokens each; 0 skips)")
	repeat := fs.Int("repeat", 5, "timed runs per input (the median is shown)")
	capture := fs.Bool("capture", false, "also time forwards with every internal captured")
	breakdown := fs.Bool("profile", true, "break one forward of the largest input down by operation")
	cold := fs.Bool("cold", false, "measure cold start to the first heatmap and peak memory in fresh processes (alone: instead of the forward passes)")
	coldSizes := fs.String("cold-sizes", "", "with --cold: the model sizes to write random checkpoints of (comma-separated; default --size)")
	coldModel := fs.String("model", "", "with --cold: a model folder to measure instead of random checkpoints")
	vsORT := fs.Bool("vs-ort", false, "also time ONNX Runtime (onnxruntime-node) on the same tower and weights, in turns with ours (bash scripts/bench-vs-ort installs it)")
	ortModules := fs.String("ort-modules", "", "with --vs-ort: the node_modules folder holding onnxruntime-node (default "+ortbench.DefaultModules+", then $NODE_PATH)")
	ortOpset := fs.Int("ort-opset", 17, "with --vs-ort: write the ONNX graph at opset 17 (GELU from basic operators, as torch.onnx.export does) or 20 (the Gelu operator)")
	bf16 := fs.Bool("bf16", false, "also time the CPU backend in bfloat16 (--precision bf16) and measure its error against float32")
	probes := fs.Bool("probes", false, "also time the causal probes (occlusion, 2×2 blocks, head ablations) on a base@224 analysis")
	all := fs.Bool("all", false, "everything: --vs-ort --bf16 --probes --cold with base and so400m")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if *all {
		*vsORT, *bf16, *probes, *cold = true, true, true, true
		if *coldSizes == "" {
			*coldSizes = "base,so400m"
		}
	}
	sizes := splitList(*coldSizes)
	if len(sizes) == 0 {
		sizes = []string{*size}
	}
	if *cold && !*all && !*vsORT && !*bf16 && !*probes {
		return runColdStart(*coldModel, sizes, dev, stdout, stderr)
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
	var backend16 compute.Backend
	if *bf16 {
		b16, err := cpu.New(cpu.Options{Precision: cpu.PrecisionBF16})
		if err != nil {
			return err
		}
		defer b16.Close()
		if note := b16.Info().PrecisionNote; note != "" {
			fmt.Fprintf(stdout, "bf16     not timed: %s\n", note)
		} else {
			backend16 = b16
			fmt.Fprintf(stdout, "bf16     %s\n", b16.Name())
		}
	}
	ceiling, err := matmulCeiling(backend)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ceiling  %.0f GFLOP/s (one 1024×3072×768 matrix product, weight prepared, best of 5)\n", ceiling/1e9)
	var ort *ortSide
	if *vsORT {
		if ort, err = startORT(*ortModules, runtime.GOMAXPROCS(0), *ortOpset); err != nil {
			return err
		}
		defer ort.close()
		fmt.Fprintf(stdout, "versus   onnxruntime-node, %d intra-op threads, opset %d graph of the same tower and weights\n", ort.threads, *ortOpset)
	}
	if ort != nil || backend16 != nil {
		fmt.Fprintln(stdout, "         runs take turns (ours, then the others), the median of each and of each pair's ratio shown")
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
	header := "input\ttokens\ttime\tGFLOP\tGFLOP/s\tof ceiling\t"
	if ort != nil {
		header += "ONNX Runtime\tours/ORT\t"
	}
	if backend16 != nil {
		header += "bf16\tspeed-up\t"
	}
	fmt.Fprintln(tw, header)
	var models = map[engine.Variant]*engine.Model{}
	var models16 = map[engine.Variant]*engine.Model{}
	defer func() {
		for _, m := range models {
			m.Close()
		}
		for _, m := range models16 {
			m.Close()
		}
	}()
	// model returns the random model for cfg on b, building it when the
	// shape changed.
	model := func(set map[engine.Variant]*engine.Model, b compute.Backend, cfg engine.Config, name string) (*engine.Model, error) {
		m := set[cfg.Variant]
		if m != nil && m.Config.Vision.ImageSize == cfg.Vision.ImageSize {
			return m, nil
		}
		if m != nil {
			m.Close()
			delete(set, cfg.Variant)
		}
		statusLine(stderr, "building random "+name+" weights...")
		m, err := newRandomModel(ctx, cfg, b)
		statusLine(stderr, "")
		if err != nil {
			return nil, err
		}
		set[cfg.Variant] = m
		return m, nil
	}
	var largest job
	for _, j := range jobs {
		m, err := model(models, backend, j.cfg, j.name)
		if err != nil {
			return err
		}
		in := randomInput(j.cfg, j.tokens, j.grid)
		forwardOn := func(m *engine.Model) func() (time.Duration, error) {
			return func() (time.Duration, error) {
				start := time.Now()
				out, err := m.EncodeImages(ctx, []engine.VisionInput{in}, j.capture)
				d := time.Since(start)
				if err == nil && out.Internals != nil {
					out.Internals.Release()
				}
				return d, err
			}
		}
		contenders := []contender{{"ours", forwardOn(m)}}
		if ort != nil && !j.capture {
			id, err := ort.load(stderr, j.cfg, 1, j.grid)
			if err != nil {
				return err
			}
			contenders = append(contenders, contender{"ort", ort.runner(id)})
		}
		if backend16 != nil {
			m16, err := model(models16, backend16, j.cfg, j.name+" bf16")
			if err != nil {
				return err
			}
			contenders = append(contenders, contender{"bf16", forwardOn(m16)})
		}
		times, ratios, err := takeTurns(ctx, *repeat, contenders)
		if ort != nil && !j.capture {
			ort.free()
		}
		if err != nil {
			return err
		}
		median := times[0]
		flops := j.cfg.VisionFLOPs(j.tokens)
		rate := flops / median.Seconds()
		fmt.Fprintf(tw, "%s\t%d\t%.3f s\t%.1f\t%.0f\t%.0f%%\t", j.name, j.tokens, median.Seconds(), flops/1e9, rate/1e9, 100*rate/ceiling)
		for i, c := range contenders[1:] {
			switch c.name {
			case "ort":
				fmt.Fprintf(tw, "%.3f s\t%.2f\t", times[i+1].Seconds(), 1/ratios[i+1])
			case "bf16":
				if ort != nil && j.capture {
					fmt.Fprint(tw, "\t\t")
				}
				fmt.Fprintf(tw, "%.3f s\t%.2f×\t", times[i+1].Seconds(), 1/ratios[i+1])
			}
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
		m, err := model(models, backend, cfg, "text")
		if err != nil {
			return err
		}
		ids := randomIDs(*texts, cfg)
		median, err := timeRuns(*repeat, func() error { _, err := m.TextEmbeddings(ctx, ids); return err })
		if err != nil {
			return err
		}
		flops := cfg.TextFLOPs(*texts, cfg.Text.MaxPositions)
		rate := flops / median.Seconds()
		fmt.Fprintf(tw, "text %d×%d\t%d\t%.3f s\t%.1f\t%.0f\t%.0f%%\t\n", *texts, cfg.Text.MaxPositions, *texts*cfg.Text.MaxPositions, median.Seconds(), flops/1e9, rate/1e9, 100*rate/ceiling)
	}
	tw.Flush()
	if ort != nil {
		fmt.Fprintf(stdout, "(ours/ORT below 1: ours is faster; %s)\n", ort.version())
	}

	if backend16 != nil {
		if err := benchBF16Error(ctx, stdout, stderr, *size, *patch, backend, backend16); err != nil {
			return err
		}
	}
	if *probes {
		if err := benchProbes(ctx, stdout, stderr, backend); err != nil {
			return err
		}
	}
	if *breakdown && largest.tokens > 0 && !*all {
		prof := profile.Wrap(backend)
		m, err := newRandomModel(ctx, largest.cfg, prof)
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
	if *cold {
		for _, m := range models {
			m.Close()
		}
		for _, m := range models16 {
			m.Close()
		}
		clear(models)
		clear(models16)
		fmt.Fprintln(stdout)
		if err := runColdStart(*coldModel, sizes, dev, stdout, stderr); err != nil {
			return err
		}
		if backend16 != nil {
			d16 := dev
			d16.precision = cpu.PrecisionBF16
			if err := runColdStart(*coldModel, sizes, d16, stdout, stderr); err != nil {
				return err
			}
		}
	}
	return nil
}

// newRandomModel builds a random model (NewRandom, seed 1), giving up when
// ctx is cancelled: building a large one takes seconds and cannot stop on
// its own, so it continues in the background and is dropped.
func newRandomModel(ctx context.Context, cfg engine.Config, b compute.Backend) (*engine.Model, error) {
	type result struct {
		m   *engine.Model
		err error
	}
	ch := make(chan result, 1)
	go func() {
		m, err := engine.NewRandom(cfg, engine.DefaultPreprocessor(cfg), 1, engine.Options{Backend: b})
		ch <- result{m, err}
	}()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// randomIDs is n label rows of random token ids, each 8 tokens and the end
// marker, padded as SigLIP 2 pads.
func randomIDs(n int, cfg engine.Config) [][]int {
	ids := make([][]int, n)
	rng := rand.New(rand.NewSource(2))
	for i := range ids {
		ids[i] = make([]int, cfg.Text.MaxPositions)
		for k := 0; k < 8; k++ {
			ids[i][k] = 4 + rng.Intn(cfg.Text.VocabSize-4)
		}
		ids[i][8] = 1
	}
	return ids
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

// contender is one thing timed in turns: run does one forward pass and
// returns how long it took.
type contender struct {
	name string
	run  func() (time.Duration, error)
}

// takeTurns warms every contender up once, then runs each once in turn, n
// rounds, and returns each one's median time and the median over the
// rounds of its time divided by the first contender's.
func takeTurns(ctx context.Context, n int, cs []contender) ([]time.Duration, []float64, error) {
	for _, c := range cs {
		if _, err := c.run(); err != nil {
			return nil, nil, err
		}
	}
	times := make([][]time.Duration, len(cs))
	ratios := make([][]float64, len(cs))
	for r := 0; r < n; r++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, context.Cause(ctx)
		}
		for i, c := range cs {
			d, err := c.run()
			if err != nil {
				return nil, nil, err
			}
			times[i] = append(times[i], d)
		}
		for i := range cs {
			ratios[i] = append(ratios[i], times[i][r].Seconds()/times[0][r].Seconds())
		}
	}
	med := make([]time.Duration, len(cs))
	rat := make([]float64, len(cs))
	for i := range cs {
		med[i] = median(times[i])
		rat[i] = medianF(ratios[i])
	}
	return med, rat, nil
}

// matmulCeiling measures the backend's rate on one large matrix product,
// with the weight prepared as model weights are.
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
	if prep, ok := b.(compute.LinearWeightPreparer); ok {
		if p, ok := prep.PrepareLinearWeight(w); ok {
			defer b.Free(p)
			w = p
		}
	}
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
