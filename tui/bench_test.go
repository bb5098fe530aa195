package tui

import (
	"context"
	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu"
	"slices"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// benchConfigJSON has the width and heads of a base SigLIP 2 (768, 12)
// with two thin blocks: what a redraw reads scales with patches, width
// and heads, not with depth, and the forward pass stays short.
const benchConfigJSON = `{"model_type":"siglip2",
 "vision_config":{"hidden_size":768,"intermediate_size":64,"num_hidden_layers":2,"num_attention_heads":12,"num_patches":256,"patch_size":16},
 "text_config":{"hidden_size":768,"intermediate_size":64,"num_hidden_layers":1,"num_attention_heads":12,"vocab_size":27,"max_position_embeddings":8}}`

var (
	benchOnce     sync.Once
	benchAnalysis *engine.Analysis
	benchErr      error
)

// benchExplorer is an explorer on a 32×32 = 1024-patch analysis, loaded.
// The forward pass runs once for all benchmarks (it takes seconds on the
// reference backend); each explorer gets the same analysis.
func benchExplorer(b *testing.B, w, h int, mode viz.ColorMode) *Model {
	b.Helper()
	benchOnce.Do(func() {
		cfg, err := engine.ParseConfig([]byte(benchConfigJSON))
		if err != nil {
			benchErr = err
			return
		}
		model, err := engine.NewRandom(cfg, engine.DefaultPreprocessor(cfg), 1, engine.Options{Backend: testCPU(b)})
		if err != nil {
			benchErr = err
			return
		}
		benchAnalysis, benchErr = model.Analyze(context.Background(), testImage(512, 512), 1024)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	a := benchAnalysis
	m := New(Config{ImageName: "bench.png", ColorMode: mode, ModelName: "bench"})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	for i := range m.progress.stages {
		m.progress.stages[i] = stage{state: stageDone}
	}
	m.img, m.pic, m.model, m.prepared, m.analysis = a.Source, inspect.NRGBA(a.Source), a.Model, a.Prepared, a
	m.pane.SetImage(m.pic)
	m.mapper = inspect.NewMaps(a)
	m.setModel(a.Layers(), a.Heads())
	m.patch = viz.Patch{Row: 16, Col: 16}
	m.Update(nil)
	if r, c := m.grid(); r*c != 1024 {
		b.Fatalf("grid %d×%d, want 1024 patches", r, c)
	}
	return m
}

// benchRedraw measures one key press (Update: reading the captured
// internals for the new map) and the frame that follows (View: blending
// the map over the cached cell picture and drawing the cells). The budget
// is 16 ms per redraw at 1024 patches.
func benchRedraw(b *testing.B, w, h int, mode viz.ColorMode, setup []string, keys ...string) {
	m := benchExplorer(b, w, h, mode)
	for _, k := range setup {
		(&driver{t: b, m: m}).send(keyPress(k))
	}
	m.View()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(m.maps.cache) // every redraw computes its map, as the first visit of a patch does
		start := time.Now()
		m.Update(keyPress(keys[i%len(keys)]))
		m.View()
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
	b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
	b.ReportMetric(ms(times[len(times)-1]), "max-ms")
	if m.maps.cur == nil || len(m.maps.inFlight) > 0 {
		b.Fatal("the map was not computed inside the key press")
	}
}

func BenchmarkRedrawSimilarityCursor(b *testing.B) {
	benchRedraw(b, 80, 24, viz.TrueColor, nil, "right", "down", "left", "up")
}

func BenchmarkRedrawSimilarityCursor200x60(b *testing.B) {
	benchRedraw(b, 200, 60, viz.TrueColor, nil, "right", "down", "left", "up")
}

func BenchmarkRedrawSimilarityLayer(b *testing.B) {
	benchRedraw(b, 80, 24, viz.TrueColor, nil, "[", "[", "]", "]")
}

func BenchmarkRedrawAttentionCursor(b *testing.B) {
	benchRedraw(b, 80, 24, viz.TrueColor, []string{"2"}, "right", "down", "left", "up")
}

func BenchmarkRedrawAttentionHead(b *testing.B) {
	benchRedraw(b, 200, 60, viz.ANSI256, []string{"2"}, ".", ".", ",", ",")
}

// testCPU is the fast CPU backend, for benchmarks at real sizes.
func testCPU(b *testing.B) compute.Backend {
	c, err := cpu.New(cpu.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return c
}
