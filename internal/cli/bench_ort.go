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

// load writes cfg's tower (seed as the engine's random model) for a
// gridH×gridW image as ONNX and opens it in ONNX Runtime (which runs it
// once); it returns the session's name.
func (o *ortSide) load(stderr io.Writer, cfg engine.Config, seed int64, grid [2]int) (string, error) {
	statusLine(stderr, "writing the ONNX graph...")
	m, err := ortbench.Vision(cfg, seed, grid[0], grid[1], ortbench.Options{Opset: o.opset})
	if err != nil {
		statusLine(stderr, "")
		return "", err
	}
	statusLine(stderr, "loading it into ONNX Runtime...")
	_, err = o.r.Load("bench", m, o.threads)
	statusLine(stderr, "")
	return "bench", err
}

// runner times one run of session id, as node measures it around
// session.run.
func (o *ortSide) runner(id string) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		t, err := o.r.Time(id, 1)
		if err != nil {
			return 0, err
		}
		return time.Duration(t[0] * float64(time.Second)), nil
	}
}

// free closes the session load opened.
func (o *ortSide) free() { o.r.Free("bench") }

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
