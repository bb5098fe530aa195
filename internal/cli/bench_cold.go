package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// coldFlag runs the measured half of `bench --cold` in a fresh process, so
// its peak memory is the explorer's alone.
const coldFlag = "--cold-child"

// coldResult is what the fresh process measured.
type coldResult struct {
	Backend   string  `json:"backend"`
	Load      float64 `json:"load_s"`
	Analyze   float64 `json:"analyze_s"`
	Heatmap   float64 `json:"heatmap_s"`
	Total     float64 `json:"total_s"`     // the child's start to the first heatmap
	FromExec  float64 `json:"from_exec_s"` // the parent's exec of the child to the first heatmap
	PeakRSS   int64   `json:"peak_rss_bytes"`
	Labels    float64 `json:"labels_s"` // three labels: the text tower read and run
	PeakTexts int64   `json:"peak_rss_labels_bytes"`
	Grid      string  `json:"grid"`
	HasTexts  bool    `json:"tokenizer"`
}

// coldRuns is how many fresh processes measure each model; the median is
// shown.
const coldRuns = 3

// runColdStart measures cold start to the first heatmap and peak memory,
// then with three labels, for the model in dir, or for a random checkpoint
// of each of sizes written to a temporary folder when dir is empty.
func runColdStart(dir string, sizes []string, dev deviceFlags, stdout, stderr io.Writer) error {
	tmp, err := os.MkdirTemp("", "siglip2-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	imgPath := filepath.Join(tmp, "photo.png")
	if err := writeTestPhoto(imgPath, 1024, 768); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dirs := []string{dir}
	if dir == "" {
		dirs = nil
		for _, size := range sizes {
			statusLine(stderr, "writing a random "+size+" checkpoint (float32, 256 000-token vocabulary)...")
			d := filepath.Join(tmp, size)
			err := writeRandomCheckpoint(d, size)
			statusLine(stderr, "")
			if err != nil {
				return err
			}
			dirs = append(dirs, d)
		}
	}
	fmt.Fprintf(stdout, "cold start, %d fresh processes each (median), weights in the page cache, 1024×768 PNG, internals captured:\n", coldRuns)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tload\tdecode+preprocess+vision\tto first heatmap\tpeak memory\t+3 labels\tpeak with labels\t")
	for i, d := range dirs {
		if err := warmPageCache(d); err != nil {
			return err
		}
		var runs []coldResult
		for r := 0; r < coldRuns; r++ {
			res, err := coldRun(exe, d, imgPath, dev, stderr)
			if err != nil {
				return err
			}
			runs = append(runs, res)
		}
		med := func(f func(coldResult) float64) float64 {
			v := make([]float64, len(runs))
			for i, r := range runs {
				v[i] = f(r)
			}
			return medianF(v)
		}
		name := filepath.Base(d)
		if dir == "" {
			name = sizes[i]
		}
		fmt.Fprintf(tw, "%s\t%.3f s\t%.3f s\t%.3f s\t%.0f MB\t%.3f s\t%.0f MB\t\n", name,
			med(func(r coldResult) float64 { return r.Load }), med(func(r coldResult) float64 { return r.Analyze }),
			med(func(r coldResult) float64 { return r.FromExec }), med(func(r coldResult) float64 { return float64(r.PeakRSS) / 1e6 }),
			med(func(r coldResult) float64 { return r.Labels }), med(func(r coldResult) float64 { return float64(r.PeakTexts) / 1e6 }))
		if i == len(dirs)-1 {
			tw.Flush()
			fmt.Fprintf(stdout, "  (%s, %s patches; first heatmap = the parent's exec of the process to the first similarity map drawn)\n", runs[0].Backend, runs[0].Grid)
		}
	}
	return nil
}

// warmPageCache reads every file of the model folder once, so the cold
// start measures the program rather than the disk.
func warmPageCache(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		for {
			if _, err := f.Read(buf); err != nil {
				break
			}
		}
		f.Close()
	}
	return nil
}

// coldRun runs the measured half in a fresh process.
func coldRun(exe, dir, imgPath string, dev deviceFlags, stderr io.Writer) (coldResult, error) {
	start := time.Now()
	cmd := exec.Command(exe, "bench", coldFlag, dir, imgPath, dev.device, dev.precision, strconv.FormatInt(start.UnixNano(), 10))
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return coldResult{}, fmt.Errorf("cold-start run: %w", err)
	}
	var r coldResult
	if err := json.Unmarshal(out, &r); err != nil {
		return coldResult{}, fmt.Errorf("cold-start run printed %q: %w", out, err)
	}
	return r, nil
}

// coldChild is the measured process: load, analyse, draw one map; then
// encode three labels (the text tower is read then).
func coldChild(args []string, stdout io.Writer) error {
	if len(args) != 5 {
		return usageErrorf("%s DIR IMAGE DEVICE PRECISION EXEC-NANOS", coldFlag)
	}
	start := time.Now()
	execAt, err := strconv.ParseInt(args[4], 10, 64)
	if err != nil {
		return usageErrorf("%s: %v", coldFlag, err)
	}
	dev := deviceFlags{device: args[2], precision: args[3]}
	backend, err := dev.backend(io.Discard)
	if err != nil {
		return err
	}
	m, err := engine.Load(args[0], engine.Options{Backend: backend})
	if err != nil {
		return err
	}
	loaded := time.Now()
	img, err := loadImage(args[1])
	if err != nil {
		return err
	}
	a, err := m.Analyze(context.Background(), img, 0)
	if err != nil {
		return err
	}
	analysed := time.Now()
	feats, err := a.Features(a.FeatureLevels() - 1)
	if err != nil {
		return err
	}
	if _, err := viz.SimilarityMap(feats, a.Hidden(), a.Valid(), a.Valid()/2); err != nil {
		return err
	}
	done := time.Now()
	peak := peakRSS()
	// Three labels, as token ids (a random checkpoint has no tokenizer).
	ids := make([][]int, 3)
	for i := range ids {
		ids[i] = make([]int, m.Config.Text.MaxPositions)
		for k := 0; k < 6; k++ {
			ids[i][k] = 100 + 1000*i + 37*k
		}
		ids[i][6] = 1
	}
	if _, err := m.TextEmbeddings(context.Background(), ids); err != nil {
		return err
	}
	labelled := time.Now()
	rows, cols := a.Grid()
	return json.NewEncoder(stdout).Encode(coldResult{
		Backend: backend.Name(), Load: loaded.Sub(start).Seconds(), Analyze: analysed.Sub(loaded).Seconds(),
		Heatmap: done.Sub(analysed).Seconds(), Total: done.Sub(start).Seconds(),
		FromExec: float64(done.UnixNano()-execAt) / 1e9, PeakRSS: peak,
		Labels: labelled.Sub(done).Seconds(), PeakTexts: peakRSS(),
		Grid: fmt.Sprintf("%dx%d", rows, cols), HasTexts: m.Tokenizer != nil,
	})
}

// writeRandomCheckpoint writes a float32 model folder of a released size
// with random weights and the real vocabulary size, one tensor converted at
// a time.
func writeRandomCheckpoint(dir, size string) error {
	cfg, err := engine.ArchitectureConfig(size, 16, 224, 256000)
	if err != nil {
		return usageErrorf("%v", err)
	}
	tensors, err := engine.RandomWeights(cfg, 1)
	if err != nil {
		return err
	}
	for i := range tensors { // BF16 → F32, as released checkpoints store them
		t := &tensors[i]
		raw := t.Data.(safetensors.Raw).Bytes
		t.Data = safetensors.Lazy{DType: safetensors.F32, N: len(raw) / 2, Bytes: func() []byte {
			out := make([]byte, 2*len(raw))
			for k := 0; k < len(raw)/2; k++ {
				binary.LittleEndian.PutUint32(out[4*k:], uint32(binary.LittleEndian.Uint16(raw[2*k:]))<<16)
			}
			t.Data = nil // let the BF16 bytes go
			return out
		}}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, _ := cfg.MarshalHF()
	pj, _ := engine.DefaultPreprocessor(cfg).MarshalHF(cfg)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), js, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), pj, 0o644); err != nil {
		return err
	}
	return safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), tensors, map[string]string{"format": "pt"})
}

// writeTestPhoto writes a smooth synthetic photo-sized PNG.
func writeTestPhoto(path string, w, h int) error {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
