package engine

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // 0: refused
	}{
		{"1048576", 1 << 20},
		{"16GB", 16e9},
		{"16 gb", 16e9},
		{"16G", 16 << 30},
		{"512MiB", 512 << 20},
		{"1.5e9", 1.5e9},
		{"2kB", 2000},
		{" 3TiB ", 3 << 40},
		{"abc", 0},
		{"", 0},
		{"GB", 0},
		{"-5GB", 0},
		{"0", 0},
		{"12XB", 0},
		{"1e30", 0},
		{"NaN", 0},
	} {
		got, err := ParseByteSize(tc.in)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("ParseByteSize(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestMemoryLimitSources(t *testing.T) {
	dir := t.TempDir()
	meminfo := filepath.Join(dir, "meminfo")
	os.WriteFile(meminfo, []byte("MemTotal:       24683748 kB\nMemFree:         1000 kB\nMemAvailable:   16000000 kB\n"), 0o644)
	if got, ok := memAvailable(meminfo); !ok || got != 16000000*1024 {
		t.Errorf("memAvailable = %d, %v", got, ok)
	}
	os.WriteFile(meminfo, []byte("MemTotal: 5 kB\n"), 0o644)
	if _, ok := memAvailable(meminfo); ok {
		t.Error("a meminfo without MemAvailable gave a number")
	}
	os.WriteFile(filepath.Join(dir, "memory.max"), []byte("4294967296\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "memory.current"), []byte("1073741824\n"), 0o644)
	if got, ok := cgroupAvailable(dir); !ok || got != 3<<30 {
		t.Errorf("cgroupAvailable = %d, %v; want 3 GiB", got, ok)
	}
	os.WriteFile(filepath.Join(dir, "memory.max"), []byte("max\n"), 0o644)
	if _, ok := cgroupAvailable(dir); ok {
		t.Error("an unlimited cgroup gave a limit")
	}

	t.Setenv(MemoryLimitEnv, "2GiB")
	if n, src, err := MemoryLimit(); err != nil || n != 2<<30 || !strings.Contains(src, MemoryLimitEnv) {
		t.Errorf("MemoryLimit = %d %q %v", n, src, err)
	}
	t.Setenv(MemoryLimitEnv, "unlimited")
	if n, _, err := MemoryLimit(); err != nil || n != math.MaxInt64 {
		t.Errorf("unlimited: %d %v", n, err)
	}
	t.Setenv(MemoryLimitEnv, "lots")
	if _, _, err := MemoryLimit(); err == nil || !strings.Contains(err.Error(), MemoryLimitEnv+`="lots"`) || !strings.Contains(err.Error(), "16GB") {
		t.Errorf("a malformed %s: %v", MemoryLimitEnv, err)
	}
}

// baseConfig is google/siglip2-base-patch16-naflex's shape.
func baseConfig(t *testing.T) Config {
	t.Helper()
	cfg, err := ParseConfig([]byte(`{"model_type":"siglip2","text_config":{"vocab_size":256000}}`))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestEstimateVisionBase: capturing everything for 8192 patches of the
// base model holds 12 layers × 12 heads × 8192² attention probabilities
// (38.65 GB) plus 13 hidden states of 8192 × 768 (0.33 GB); the estimate
// must cover both and not be far above.
func TestEstimateVisionBase(t *testing.T) {
	cfg := baseConfig(t)
	const attention, hidden = 12 * 12 * 8192 * 8192 * 4, 13 * 8192 * 768 * 4
	got := EstimateVision(cfg, 1, 8192, true)
	if got < attention+hidden || got > attention+hidden+1e9 {
		t.Errorf("EstimateVision(8192, capture) = %d, want between %d and %d", got, int64(attention+hidden), int64(attention+hidden+1e9))
	}
	if plain := EstimateVision(cfg, 1, 8192, false); plain > 1e9 || plain < 8192*768*4*4 {
		t.Errorf("EstimateVision(8192, no capture) = %d", plain)
	}
	if a, b := EstimateVision(cfg, 2, 256, true), 2*EstimateVision(cfg, 1, 256, true); a != b {
		t.Errorf("two images estimate %d, twice one is %d", a, b)
	}
	if EstimateText(cfg, 100000, 64, false) < 100000*64*768*4*4 {
		t.Error("EstimateText(100000 texts) is below their hidden states alone")
	}
}

// TestMemoryRefusalWithoutAllocating: a model struct with the base shape
// and no weights at all. The refusal must come from the estimate alone,
// before the forward pass touches a backend or allocates.
func TestMemoryRefusalWithoutAllocating(t *testing.T) {
	cfg := baseConfig(t)
	m := &Model{Config: cfg, Vision: &VisionTower{Config: cfg.Vision, Variant: cfg.Variant}, Text: &TextTower{Config: cfg.Text}}
	t.Setenv(MemoryLimitEnv, "16GB")
	ids := make([][]int, 100000)
	for i := range ids {
		ids[i] = make([]int, 64)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, verr := m.EncodeImages(context.Background(), []VisionInput{{Tokens: 8192, GridH: 64, GridW: 128}}, true)
	_, terr := m.EncodeTexts(context.Background(), ids, false)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("the refusal allocated %d MB", grew>>20)
	}
	var me *MemoryError
	if !errors.As(verr, &me) || me.Need != EstimateVision(cfg, 1, 8192, true) || me.Limit != 16e9 {
		t.Fatalf("EncodeImages: %v, want a *MemoryError for EstimateVision against 16 GB", verr)
	}
	for _, w := range []string{"capturing every hidden state and attention map for 8192 patches", "needs " + formatGB(me.Need), "16.0 GB", MemoryLimitEnv, "lower --max-patches"} {
		if !strings.Contains(verr.Error(), w) {
			t.Errorf("error %q does not mention %q", verr, w)
		}
	}
	if !errors.As(terr, &me) || !strings.Contains(terr.Error(), "encoding 100000 texts of 64 tokens") || !strings.Contains(terr.Error(), "fewer texts") {
		t.Errorf("EncodeTexts: %v", terr)
	}
	t.Setenv(MemoryLimitEnv, "16 bytes?")
	if _, err := m.EncodeImages(context.Background(), []VisionInput{{Tokens: 16, GridH: 4, GridW: 4}}, false); err == nil || !strings.Contains(err.Error(), MemoryLimitEnv) {
		t.Errorf("a malformed %s: %v", MemoryLimitEnv, err)
	}
}

// TestMemoryLimitOnARealModel: under a limit the reference model's
// captured forward is refused; without it, it runs; a repeat of the same
// shape reuses its scratch and captures, so it is not refused for memory
// it already holds.
func TestMemoryLimitOnARealModel(t *testing.T) {
	m := loadReference(t, "siglip2_naflex", naive.New())
	inputs := goldenVisionInputs(t, m, "naflex_mnp64.safetensors")[:1]
	need := EstimateVision(m.Config, 1, inputs[0].Tokens, true)
	t.Setenv(MemoryLimitEnv, "1000")
	var me *MemoryError
	if _, err := m.EncodeImages(context.Background(), inputs, true); !errors.As(err, &me) || me.Need != need || me.Limit != 1000 {
		t.Fatalf("EncodeImages under a 1000-byte limit: %v", err)
	}
	t.Setenv(MemoryLimitEnv, "unlimited")
	out, err := m.EncodeImages(context.Background(), inputs, true)
	if err != nil {
		t.Fatal(err)
	}
	out.Internals.Release()
	work, outputs, _ := visionParts(m.Config, 1, inputs[0].Tokens, true)
	t.Setenv(MemoryLimitEnv, strconv.FormatInt(outputs, 10))
	if _, err := m.EncodeImages(context.Background(), inputs, true); err != nil {
		t.Errorf("a repeat that reuses %d bytes of scratch and the released capture was refused: %v", work, err)
	}
}

func TestFormatGB(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{39_412_000_000, "39.4 GB"}, {16e9, "16.0 GB"}, {512e6, "512.0 MB"}, {1500, "1.5 kB"}} {
		if got := formatGB(tc.n); got != tc.want {
			t.Errorf("formatGB(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// TestTextEmbeddingsBatchesMatchOneBatch: 150 texts go through the text
// tower as 64 + 64 + 22; the embeddings must equal those of one batch of
// 150, bit for bit, on every backend whose products are our own code. A
// library's sgemm (OpenBLAS, Accelerate) picks its kernels by the
// product's shape and so may sum a row in another order when the batch
// differs: there they must agree to float32 rounding (1e-6 on these
// unit-length embeddings).
func TestTextEmbeddingsBatchesMatchOneBatch(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	ids := make([][]int, 150)
	for i := range ids {
		ids[i] = make([]int, 64)
		n := 1 + rng.Intn(63)
		for j := 0; j < n-1; j++ {
			ids[i][j] = 4 + rng.Intn(996)
		}
		ids[i][n-1] = 1
	}
	for _, b := range testBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			m := loadReference(t, "siglip2_fixed", b)
			one, err := m.EncodeTexts(context.Background(), ids, false)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]float32(nil), one.Embeds...)
			got, err := m.TextEmbeddings(context.Background(), ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d values, want %d", len(got), len(want))
			}
			tol := 0.0
			if c, ok := b.(*cpu.Backend); ok && c.Info().BLAS != "" && !c.Info().Direct {
				tol = 1e-6
			}
			for i := range got {
				if math.Abs(float64(got[i])-float64(want[i])) > tol {
					t.Fatalf("value %d (text %d): batched %v, one batch %v", i, i/m.Config.Text.ProjectionSize, got[i], want[i])
				}
			}
		})
	}
}

// TestEstimateVisionMatchesAllocation holds the estimate against what a
// forward pass of a new shape really allocates on the host backends
// (scratch, outputs and, with capture, the internals): within −25 % and
// +50 %, so a change to the forward pass that allocates much more than the
// estimate says fails here.
func TestEstimateVisionMatchesAllocation(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"model_type":"siglip2","vision_config":{"hidden_size":128,"intermediate_size":512,"num_hidden_layers":3,"num_attention_heads":4,"num_patches":256},"text_config":{"hidden_size":128,"intermediate_size":512,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":100}}`))
	if err != nil {
		t.Fatal(err)
	}
	const tokens = 512
	for _, b := range []compute.Backend{naive.New(), cpuBackend} {
		m, err := NewRandom(cfg, DefaultPreprocessor(cfg), 1, Options{Backend: b})
		if err != nil {
			t.Fatal(err)
		}
		for _, capture := range []bool{false, true} {
			in := VisionInput{Patches: make([]float32, tokens*cfg.Vision.PatchDim()), Tokens: tokens, GridH: 16, GridW: 32}
			// A warm-up pass fills the backend's own one-time caches; then
			// the pass measured finds no scratch or capture to reuse.
			warm, err := m.EncodeImages(context.Background(), []VisionInput{in}, capture)
			if err != nil {
				t.Fatal(err)
			}
			if warm.Internals != nil {
				warm.Internals.Release()
			}
			m.Vision.work, m.Vision.captures = nil, internalsPool{}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			out, err := m.EncodeImages(context.Background(), []VisionInput{in}, capture)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if out.Internals != nil {
				out.Internals.Release()
			}
			got, est := float64(after.TotalAlloc-before.TotalAlloc), float64(EstimateVision(cfg, 1, tokens, capture))
			if est < 0.75*got || est > 1.5*got {
				t.Errorf("%s, capture %v: estimate %.1f MB, the pass allocated %.1f MB", b.Name(), capture, est/1e6, got/1e6)
			}
		}
	}
}
