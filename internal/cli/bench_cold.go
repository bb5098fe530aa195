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
	"math"
	"os"
	"os/exec"
	"path/filepath"
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
	Backend  string  `json:"backend"`
	Load     float64 `json:"load_s"`
	Analyze  float64 `json:"analyze_s"`
	Heatmap  float64 `json:"heatmap_s"`
	Total    float64 `json:"total_s"`
	PeakRSS  int64   `json:"peak_rss_bytes"`
	Grid     string  `json:"grid"`
	HasTexts bool    `json:"tokenizer"`
}

// runColdStart measures cold start to the first heatmap and peak memory
// for the model in dir (a random checkpoint of size written to a temporary
// folder when dir is empty).
func runColdStart(dir, size string, dev deviceFlags, stdout, stderr io.Writer) error {
	tmp, err := os.MkdirTemp("", "siglip2-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if dir == "" {
		statusLine(stderr, "writing a random "+size+" checkpoint (float32, 256 000-token vocabulary)...")
		dir = filepath.Join(tmp, "model")
		err = writeRandomCheckpoint(dir, size)
		statusLine(stderr, "")
		if err != nil {
			return err
		}
	}
	imgPath := filepath.Join(tmp, "photo.png")
	if err := writeTestPhoto(imgPath, 1024, 768); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "bench", coldFlag, dir, imgPath, dev.device)
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("cold-start run: %w", err)
	}
	var r coldResult
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("cold-start run printed %q: %w", out, err)
	}
	fmt.Fprintf(stdout, "cold start, fresh process, %s (%s), 1024×768 PNG → %s patches\n", filepath.Base(dir), r.Backend, r.Grid)
	fmt.Fprintf(stdout, "  load weights%s   %.3f s\n", map[bool]string{true: " + tokenizer", false: ""}[r.HasTexts], r.Load)
	fmt.Fprintf(stdout, "  decode + preprocess + vision (all internals captured)   %.3f s\n", r.Analyze)
	fmt.Fprintf(stdout, "  first similarity heatmap   %.4f s\n", r.Heatmap)
	fmt.Fprintf(stdout, "  total   %.3f s, peak memory %s\n", r.Total, formatPeak(r.PeakRSS))
	return nil
}

// coldChild is the measured process: load, analyse, draw one map.
func coldChild(args []string, stdout io.Writer) error {
	if len(args) != 3 {
		return usageErrorf("%s DIR IMAGE DEVICE", coldFlag)
	}
	start := time.Now()
	dev := deviceFlags{device: args[2]}
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
	rows, cols := a.Grid()
	return json.NewEncoder(stdout).Encode(coldResult{
		Backend: backend.Name(), Load: loaded.Sub(start).Seconds(), Analyze: analysed.Sub(loaded).Seconds(),
		Heatmap: done.Sub(analysed).Seconds(), Total: done.Sub(start).Seconds(), PeakRSS: peakRSS(),
		Grid: fmt.Sprintf("%dx%d", rows, cols), HasTexts: m.Tokenizer != nil,
	})
}

// writeRandomCheckpoint writes a float32 model folder of a released size
// with random weights and the real vocabulary size.
func writeRandomCheckpoint(dir, size string) error {
	cfg, err := engine.ArchitectureConfig(size, 16, 224, 256000)
	if err != nil {
		return usageErrorf("%v", err)
	}
	tensors, err := engine.RandomWeights(cfg, 1)
	if err != nil {
		return err
	}
	for i, t := range tensors { // BF16 → F32, as released checkpoints store them
		raw := t.Data.(safetensors.Raw).Bytes
		f := make([]float32, len(raw)/2)
		for k := range f {
			f[k] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*k:])) << 16)
		}
		tensors[i].Data = f
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
