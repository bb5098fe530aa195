package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine"
)

// probeBatches are the batch sizes benchProbes compares.
var probeBatches = []int{8, 16}

// benchProbes times the causal probes on a base@224 analysis of a
// synthetic photo: every patch dropped in turn (196 passes), every 2×2
// block (49), every head silenced (144), through Analysis.Ablate's batched,
// prefix-shared passes, at each of probeBatches.
func benchProbes(ctx context.Context, stdout, stderr io.Writer, backend compute.Backend) error {
	cfg, err := engine.ArchitectureConfig("base", 16, 224, 1000)
	if err != nil {
		return err
	}
	statusLine(stderr, "building random base@224 weights for the probes...")
	m, err := newRandomModel(ctx, cfg, backend)
	statusLine(stderr, "")
	if err != nil {
		return err
	}
	defer m.Close()
	a, err := m.Analyze(ctx, testPhoto(1024, 768), 0)
	if err != nil {
		return err
	}
	rows, cols := a.Grid()
	var occlusion, blocks, heads []engine.Ablation
	for p := 0; p < rows*cols; p++ {
		occlusion = append(occlusion, engine.Ablation{Drop: []int{p}})
	}
	for r := 0; r+1 < rows; r += 2 {
		for c := 0; c+1 < cols; c += 2 {
			p := r*cols + c
			blocks = append(blocks, engine.Ablation{Drop: []int{p, p + 1, p + cols, p + cols + 1}})
		}
	}
	for b := 0; b < a.Layers(); b++ {
		for h := 0; h < a.Heads(); h++ {
			heads = append(heads, engine.Ablation{Silence: []engine.HeadRef{{Block: b, Head: h}}})
		}
	}
	fmt.Fprintf(stdout, "\ncausal probes on base@224 (%d×%d patches), batched and prefix-shared (Analysis.Ablate):\n", rows, cols)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "probe\tpasses\tbatch\ttime\tpasses/s\ttarget\t")
	for _, probe := range []struct {
		name   string
		abls   []engine.Ablation
		target time.Duration
	}{
		{"every patch dropped", occlusion, 30 * time.Second},
		{"every 2×2 block dropped", blocks, 8 * time.Second},
		{"every head silenced", heads, 12 * time.Second},
	} {
		for _, batch := range probeBatches {
			start := time.Now()
			if _, err := a.Ablate(ctx, probe.abls, engine.AblateOptions{Batch: batch}); err != nil {
				return err
			}
			d := time.Since(start)
			mark := "≤ " + probe.target.String()
			if d > probe.target {
				mark += " (over)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f s\t%.1f\t%s\t\n", probe.name, len(probe.abls), batch, d.Seconds(), float64(len(probe.abls))/d.Seconds(), mark)
		}
	}
	return tw.Flush()
}
