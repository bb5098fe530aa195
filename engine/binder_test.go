package engine

import (
	"runtime"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// allocRecorder is a backend that remembers the largest tensor asked of it.
type allocRecorder struct {
	compute.Backend
	largest int64 // bytes
}

func (a *allocRecorder) Alloc(rows, cols int) (compute.Tensor, error) {
	a.largest = max(a.largest, 4*int64(rows)*int64(cols))
	return a.Backend.Alloc(rows, cols)
}

// TestBinderChecksShapesBeforeAllocating: a config inside the accepted
// limits (hidden 16384, a 256×256 position grid) against the small
// reference weights. The position table alone would take 4 GiB; the
// shape disagreement must be found from the header, before any of it is
// reserved, on the backend or on the Go heap.
func TestBinderChecksShapesBeforeAllocating(t *testing.T) {
	dir := copyModel(t, "siglip2_naflex")
	editConfig(t, dir, func(m map[string]any) {
		v := m["vision_config"].(map[string]any)
		v["hidden_size"], v["num_patches"], v["intermediate_size"] = 16384, 65536, 65536
		tc := m["text_config"].(map[string]any)
		tc["projection_size"] = 16384
	})
	cfg, err := LoadConfig(dir)
	if err != nil {
		t.Fatalf("the config must be inside the accepted limits for this test: %v", err)
	}
	if table := int64(cfg.Vision.NumPatches) * int64(cfg.Vision.Hidden) * 4; table < 4<<30 {
		t.Fatalf("the position table would take %d bytes; the test wants ≥ 4 GiB", table)
	}
	rec := &allocRecorder{Backend: cpuBackend}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := Load(dir, Options{Backend: rec})
	runtime.ReadMemStats(&after)
	if err == nil {
		m.Close()
		t.Fatal("Load accepted a config that disagrees with the weights")
	}
	if !strings.Contains(err.Error(), "config.json and the weights disagree") {
		t.Errorf("error %q does not say the config and the weights disagree", err)
	}
	if rec.largest > 1<<20 {
		t.Errorf("the backend was asked for %d bytes before the shapes were checked", rec.largest)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
		t.Errorf("Load allocated %d MB on the heap before refusing", grew>>20)
	}
}

// TestMissingTensorNamesTheFile: the error says which file was searched.
func TestMissingTensorNamesTheFile(t *testing.T) {
	dir := copyModel(t, "siglip2_fixed")
	w, err := OpenWeights(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.Float32("vision_model.no_such.weight", 3)
	if err == nil {
		t.Fatal("no error for a missing tensor")
	}
	for _, want := range []string{`"vision_model.no_such.weight"`, dir + "/model.safetensors", "missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
