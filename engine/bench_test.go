package engine

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// Forward-pass benchmarks at the base model's real sizes with random
// weights on the default CPU backend (OpenBLAS when installed). They report
// GFLOP/s and allocs/op, which must be 0 once warm. Compare ratios within
// one run: the machine's other load moves absolute times.
//
//	go test -run '^$' -bench Forward -benchtime 5x ./engine/

func benchModel(b *testing.B, res int) *Model {
	b.Helper()
	cfg, err := ArchitectureConfig("base", 16, res, 1000)
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewRandom(cfg, DefaultPreprocessor(cfg), 1, Options{Backend: cpuBackend})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

func randomPatches(cfg Config, tokens, valid int) VisionInput {
	rng := rand.New(rand.NewSource(1))
	g := 1
	for (g+1)*(g+1) <= valid {
		g++
	}
	in := VisionInput{Patches: make([]float32, tokens*cfg.Vision.PatchDim()), Tokens: tokens, GridH: g, GridW: valid / g}
	for i := range in.Patches[:in.Valid()*cfg.Vision.PatchDim()] {
		in.Patches[i] = float32(rng.NormFloat64())
	}
	return in
}

func BenchmarkVisionForward(b *testing.B) {
	for _, res := range []int{224, 384, 512} {
		for _, capture := range []bool{false, true} {
			b.Run(fmt.Sprintf("base%d/capture=%v", res, capture), func(b *testing.B) {
				m := benchModel(b, res)
				g := res / 16
				in := []VisionInput{randomPatches(m.Config, g*g, g*g)}
				var out VisionOutput
				if err := m.EncodeImagesInto(context.Background(), &out, in, capture); err != nil { // warm up
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if out.Internals != nil {
						out.Internals.Release()
					}
					if err := m.EncodeImagesInto(context.Background(), &out, in, capture); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(m.Config.VisionFLOPs(g*g)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

func BenchmarkNaFlexForward256(b *testing.B) {
	cfg, err := ArchitectureConfig("base", 16, 0, 1000)
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewRandom(cfg, DefaultPreprocessor(cfg), 1, Options{Backend: cpuBackend})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	in := []VisionInput{randomPatches(cfg, 256, 240)} // a 15×16 grid padded to 256
	var out VisionOutput
	if err := m.EncodeImagesInto(context.Background(), &out, in, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.EncodeImagesInto(context.Background(), &out, in, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(cfg.VisionFLOPs(256)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkTextForward10Labels(b *testing.B) {
	m := benchModel(b, 224)
	ids := make([][]int, 10)
	for i := range ids {
		ids[i] = make([]int, m.Config.Text.MaxPositions)
		for k := 0; k < 8; k++ {
			ids[i][k] = 4 + (i*7+k*13)%900
		}
		ids[i][8] = 1
	}
	var out TextOutput
	if err := m.EncodeTextsInto(context.Background(), &out, ids, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.EncodeTextsInto(context.Background(), &out, ids, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(m.Config.TextFLOPs(10, 64)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkAblate times the probes' passes at base@224 (196 patches):
// single patches dropped (occlusion), 2×2 blocks dropped, and one head
// silenced in every block (head ablation, each from its own block), 16
// copies per op in batches of 8. ns/pass is comparable with
// BenchmarkVisionForward/base224: the probe targets (#15) are 196
// occlusion passes ≤ 30 s, 49 block passes ≤ 8 s and 144 head passes ≤
// 12 s on the 2-core machine.
func BenchmarkAblate(b *testing.B) {
	m := benchModel(b, 224)
	img, _ := preprocess.NewImage(224, 224)
	rng := rand.New(rand.NewSource(2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Intn(256))
	}
	a, err := m.Analyze(context.Background(), img, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Release)
	cases := map[string]func(i int) Ablation{
		"occlusion": func(i int) Ablation { return Ablation{Drop: []int{i * 7}} },
		"blocks2x2": func(i int) Ablation {
			p := (i/7)*28 + (i%7)*2
			return Ablation{Drop: []int{p, p + 1, p + 14, p + 15}}
		},
		"heads": func(i int) Ablation { return Ablation{Silence: []HeadRef{{Block: i % 12, Head: i / 12}}} },
	}
	for _, name := range []string{"occlusion", "blocks2x2", "heads"} {
		b.Run(name, func(b *testing.B) {
			abls := make([]Ablation, 16)
			for i := range abls {
				abls[i] = cases[name](i)
			}
			if _, err := a.Ablate(context.Background(), abls, AblateOptions{Batch: 8}); err != nil { // warm up
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := a.Ablate(context.Background(), abls, AblateOptions{Batch: 8}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(abls)), "ns/pass")
		})
	}
}
