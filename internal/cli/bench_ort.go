package cli

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/tools/ortbench"
)

// ortSide runs ONNX Runtime next to the engine for `bench --vs-ort`: the
// same vision tower, written as ONNX with the same random weights
// (tools/ortbench), timed in turns with our forward passes so both see
// the same machine.
type ortSide struct {
	r       *ortbench.Runner
	threads int
	opset   int
}

// startORT finds onnxruntime-node (in modules, else the default install
// folder and $NODE_PATH) and starts its server.
func startORT(modules string, threads, opset int) (*ortSide, error) {
	dirs := []string{ortbench.DefaultModules}
	if modules != "" {
		dirs = []string{modules}
	}
	dir, err := ortbench.Find(dirs...)
	if err != nil {
		return nil, err
	}
	r, err := ortbench.Start(dir)
	if err != nil {
		return nil, err
	}
	return &ortSide{r: r, threads: threads, opset: opset}, nil
}

func (o *ortSide) close() { o.r.Close() }

// pairTiming is one input timed on both sides.
type pairTiming struct {
	ours, ort time.Duration // medians
	ratio     float64       // median of ours/ORT over the pairs of runs
}

// timePair loads cfg's tower (seed as the engine's random model) for a
// gridH×gridW image into ONNX Runtime and then alternates one run of ours
// with one of ONNX Runtime, n times after a warm-up of each.
func (o *ortSide) timePair(stderr io.Writer, cfg engine.Config, seed int64, grid [2]int, n int, ours func() error) (pairTiming, error) {
	statusLine(stderr, "writing the ONNX graph...")
	m, err := ortbench.Vision(cfg, seed, grid[0], grid[1], ortbench.Options{Opset: o.opset})
	if err != nil {
		statusLine(stderr, "")
		return pairTiming{}, err
	}
	statusLine(stderr, "loading it into ONNX Runtime...")
	_, err = o.r.Load("bench", m, o.threads)
	statusLine(stderr, "")
	if err != nil {
		return pairTiming{}, err
	}
	defer o.r.Free("bench")
	if err := ours(); err != nil { // warm-up (ONNX Runtime's ran in Load)
		return pairTiming{}, err
	}
	a, b, r := make([]time.Duration, n), make([]time.Duration, n), make([]float64, n)
	for i := 0; i < n; i++ {
		t, err := o.r.Time("bench", 1)
		if err != nil {
			return pairTiming{}, err
		}
		b[i] = time.Duration(t[0] * float64(time.Second))
		start := time.Now()
		if err := ours(); err != nil {
			return pairTiming{}, err
		}
		a[i] = time.Since(start)
		r[i] = a[i].Seconds() / b[i].Seconds()
	}
	return pairTiming{ours: median(a), ort: median(b), ratio: medianF(r)}, nil
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func medianF(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// ortVersion names the runtime for the table header.
func (o *ortSide) version() string { return fmt.Sprintf("ONNX Runtime %s", o.r.Version) }
