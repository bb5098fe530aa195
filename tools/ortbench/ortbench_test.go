package ortbench

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/cpu"
	"github.com/siglip2-tui/siglip2-tui/engine"
)

// TestProtoEncoding holds the hand-written wire format against bytes
// worked out from the protocol-buffers encoding rules.
func TestProtoEncoding(t *testing.T) {
	var m msg
	m.int(1, 300)             // field 1 varint: 0x08, 300 = 0xac 0x02
	m.str(2, "ab")            // field 2 bytes: 0x12 0x02 'a' 'b'
	m.float(2, 1)             // field 2 fixed32: 0x15, 1.0 = 0x3f800000 little-endian
	m.ints(8, []int64{1, -1}) // packed: 0x42 len, 0x01, -1 as a 10-byte varint
	want := []byte{0x08, 0xac, 0x02, 0x12, 0x02, 'a', 'b', 0x15, 0x00, 0x00, 0x80, 0x3f,
		0x42, 0x0b, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}
	if !bytes.Equal(m, want) {
		t.Fatalf("encoded % x\nwant    % x", []byte(m), want)
	}
}

// startRunner starts ONNX Runtime or skips the test, saying why.
func startRunner(t *testing.T) *Runner {
	t.Helper()
	modules, err := Find("../../" + DefaultModules)
	if errors.Is(err, ErrNotInstalled) {
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(modules)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestONNXRuntimeMatchesEngine runs the written graph in ONNX Runtime and
// the engine on the same random weights and image, and compares the pooled
// output and the last hidden state: the benchmark compares like with like.
func TestONNXRuntimeMatchesEngine(t *testing.T) {
	r := startRunner(t)
	cases := []struct {
		name  string
		size  string
		res   int // 0: NaFlex
		grid  [2]int
		opset int
	}{
		{"base@224", "base", 224, [2]int{14, 14}, 17},
		{"base@224 opset 20", "base", 224, [2]int{14, 14}, 20},
		{"base NaFlex 12x20", "base", 0, [2]int{12, 20}, 17},
	}
	if testing.Short() {
		cases = cases[:1]
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := engine.ArchitectureConfig(c.size, 16, c.res, 1000)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Vision(cfg, 7, c.grid[0], c.grid[1], Options{Opset: c.opset})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Load("m", m, 2); err != nil {
				t.Fatal(err)
			}
			defer r.Free("m")
			backend, err := cpu.New(cpu.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer backend.Close()
			model, err := engine.NewRandom(cfg, engine.DefaultPreprocessor(cfg), 7, engine.Options{Backend: backend})
			if err != nil {
				t.Fatal(err)
			}
			defer model.Close()

			// One random image, as ONNX Runtime takes it and as the engine does.
			p, tokens := cfg.Vision.PatchSize, c.grid[0]*c.grid[1]
			rng := rand.New(rand.NewSource(1))
			ortIn := make([]float32, 0, tokens*cfg.Vision.PatchDim())
			in := engine.VisionInput{Patches: make([]float32, tokens*cfg.Vision.PatchDim()), Tokens: tokens, GridH: c.grid[0], GridW: c.grid[1]}
			if c.res > 0 { // pixel_values 1×3×H×W, patches (py, px, channel)
				h, w := c.grid[0]*p, c.grid[1]*p
				for i := 0; i < 3*h*w; i++ {
					ortIn = append(ortIn, float32(rng.NormFloat64()))
				}
				for gy := 0; gy < c.grid[0]; gy++ {
					for gx := 0; gx < c.grid[1]; gx++ {
						for py := 0; py < p; py++ {
							for px := 0; px < p; px++ {
								for ch := 0; ch < 3; ch++ {
									in.Patches[((gy*c.grid[1]+gx)*p*p+py*p+px)*3+ch] = ortIn[(ch*h+gy*p+py)*w+gx*p+px]
								}
							}
						}
					}
				}
			} else {
				for i := range in.Patches {
					in.Patches[i] = float32(rng.NormFloat64())
				}
				ortIn = append(ortIn, in.Patches...)
			}
			got, err := r.Run("m", ortIn)
			if err != nil {
				t.Fatal(err)
			}
			out, err := model.EncodeImages(context.Background(), []engine.VisionInput{in}, false)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, "pooler_output", got[PooledOutput], out.Pooled, 1e-5)
			compare(t, "last_hidden_state", got[LastHiddenOutput], out.LastHidden, 1e-5)
		})
	}
}

// compare fails unless ort and ours agree to within tol of the largest
// magnitude in ours (float32 rounding differences through 12 blocks).
func compare(t *testing.T, name string, ort, ours []float32, tol float64) {
	t.Helper()
	if len(ort) != len(ours) {
		t.Fatalf("%s: ONNX Runtime gave %d values, the engine %d", name, len(ort), len(ours))
	}
	var maxAbs, maxDiff float64
	for i := range ours {
		maxAbs = math.Max(maxAbs, math.Abs(float64(ours[i])))
		maxDiff = math.Max(maxDiff, math.Abs(float64(ort[i]-ours[i])))
	}
	t.Logf("%s: largest difference %.3g, largest value %.3g", name, maxDiff, maxAbs)
	if !(maxDiff <= tol*maxAbs) {
		t.Errorf("%s: ONNX Runtime and the engine differ by %.3g (largest value %.3g, allowed %.3g)", name, maxDiff, maxAbs, tol*maxAbs)
	}
}
