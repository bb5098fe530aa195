package cuda

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/computetest"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// The tests in this file need an NVIDIA GPU. They skip without one, unless
// SIGLIP2_TEST_DEVICE=cuda says a GPU is expected: then New failing fails
// them (scripts/gpu-check sets it).

var (
	sharedCacheOnce sync.Once
	sharedCache     string
)

// gpuBackend opens GPU 0. Backends share one kernel cache folder per test
// run, so NVRTC compiles once per mode.
func gpuBackend(t testing.TB, opts Options) *Backend {
	t.Helper()
	if opts.CacheDir == "" {
		sharedCacheOnce.Do(func() {
			dir, err := os.MkdirTemp("", "siglip2-cuda-test-")
			if err == nil {
				sharedCache = dir
			}
		})
		opts.CacheDir = sharedCache
	}
	b, err := New(opts)
	if err != nil {
		if os.Getenv("SIGLIP2_TEST_DEVICE") == "cuda" {
			t.Fatalf("SIGLIP2_TEST_DEVICE=cuda but cuda.New failed: %v", err)
		}
		t.Skipf("no usable GPU: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return b
}

func TestGPUProbe(t *testing.T) {
	b := gpuBackend(t, Options{})
	r := Probe()
	t.Logf("backend %s\n%s", b.Name(), r)
	if r.Problem != "" || len(r.Devices) == 0 || r.Devices[0].Name == "" {
		t.Errorf("Probe on a working GPU: %+v", r)
	}
	info := b.Info()
	t.Logf("info %+v", info)
	if !strings.HasPrefix(b.Name(), "cuda ("+info.DeviceName+", sm_") || !strings.Contains(b.Name(), "cuBLAS ") {
		t.Errorf("name %q", b.Name())
	}
}

func TestGPUConformance(t *testing.T) {
	b := gpuBackend(t, Options{})
	computetest.Run(t, b, computetest.Float32)
}

func TestGPUAttentionPaths(t *testing.T) {
	b := gpuBackend(t, Options{})
	checkAttentionPaths(t, func(*testing.T) compute.Backend { return b })
}

func TestGPULinearAliasing(t *testing.T) {
	checkLinearAliasing(t, gpuBackend(t, Options{}))
}

// TestGPUKernelCache checks that the second backend loads the kernels NVRTC
// compiled for the first from disk.
func TestGPUKernelCache(t *testing.T) {
	dir := t.TempDir()
	first := gpuBackend(t, Options{CacheDir: dir})
	if first.Info().KernelsFromCache {
		t.Error("fresh cache folder, yet the kernels came from the cache")
	}
	if _, err := os.Stat(first.Info().KernelCacheFile); err != nil || filepath.Dir(first.Info().KernelCacheFile) != dir {
		t.Errorf("cache file %q: %v", first.Info().KernelCacheFile, err)
	}
	second := gpuBackend(t, Options{CacheDir: dir})
	if !second.Info().KernelsFromCache {
		t.Error("second backend recompiled the kernels")
	}
	// A corrupt cache file is replaced, not fatal.
	if err := os.WriteFile(first.Info().KernelCacheFile, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	third := gpuBackend(t, Options{CacheDir: dir})
	if third.Info().KernelsFromCache {
		t.Error("corrupt cache file was used")
	}
	computetest.Run(t, third, computetest.Float32)
}

// TestGPUThreads issues operations from goroutines pinned to fresh OS
// threads (a goroutine that exits while locked takes its thread with it):
// the backend must make its context current on whatever thread calls it.
func TestGPUThreads(t *testing.T) {
	b := gpuBackend(t, Options{})
	ref := naive.New()
	rng := rand.New(rand.NewSource(5))
	x, xr := upload(t, b, ref, rng, 33, 64)
	w, wr := upload(t, b, ref, rng, 48, 64)
	d, dr := upload(t, b, ref, rng, 33, 48)
	ref.Linear(dr, xr, wr, compute.Tensor{}, compute.GELUTanh)
	want := fetch(t, ref, dr)
	for i := 0; i < 4; i++ {
		done := make(chan []float32)
		go func() {
			runtime.LockOSThread() // never unlocked: this thread dies with the goroutine
			b.Linear(d, x, w, compute.Tensor{}, compute.GELUTanh)
			out := make([]float32, d.Len())
			if err := b.Sync(); err != nil {
				t.Error(err)
			}
			if err := b.Download(out, d); err != nil {
				t.Error(err)
			}
			done <- out
		}()
		assertClose(t, "linear from another thread", <-done, want, 2e-5)
	}
}

// TestGPUErrors provokes non-sticky failures of each library and checks that
// they come back named, and that the backend keeps working after them.
func TestGPUErrors(t *testing.T) {
	b := gpuBackend(t, Options{})
	_, err := b.Alloc(1<<20, 1<<18) // 1 TiB
	if err == nil || !strings.Contains(err.Error(), "cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY") {
		t.Errorf("huge alloc: %v", err)
	}
	x, err := b.Alloc(4, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.g.enter(); err != nil {
		t.Fatal(err)
	}
	gerr := b.g.gemm(gemmCall{m: 4, n: 4, k: 4, alpha: 1, a: x.Dev, lda: 1, b: x.Dev, ldb: 4, c: x.Dev, ldc: 4})
	lerr := b.g.launch(kAdd, dim3{1, 1, 1}, dim3{4096, 1, 1}, []karg{ptrArg(x.Dev), intArg(4), ptrArg(x.Dev), intArg(4),
		ptrArg(x.Dev), intArg(4), intArg(4), intArg(4)}, nil)
	b.g.leave()
	if gerr == nil || gerr.Error() != "cublasSgemm_v2: CUBLAS_STATUS_INVALID_VALUE" {
		t.Errorf("gemm with lda 1 < 4: %v", gerr)
	}
	if lerr == nil || !strings.HasPrefix(lerr.Error(), "cuLaunchKernel(add): CUDA_ERROR_INVALID_VALUE") {
		t.Errorf("launch of 4096 threads per block: %v", lerr)
	}
	if err := b.Sync(); err != nil {
		t.Errorf("sync after non-sticky errors: %v", err)
	}
	computetest.Run(t, b, computetest.Float32)
}

// TestGPUFastMode measures the error of TF32 products against the float64
// reference on encoder-like sizes. It bounds them loosely (a broken mode
// is off by O(1)); the measured values are logged for the documentation.
func TestGPUFastMode(t *testing.T) {
	b := gpuBackend(t, Options{Fast: true})
	if !strings.Contains(b.Name(), "TF32") {
		t.Errorf("fast backend name %q", b.Name())
	}
	ref := naive.New()
	rng := rand.New(rand.NewSource(9))
	x, xr := upload(t, b, ref, rng, 196, 768)
	w, wr := upload(t, b, ref, rng, 768, 768)
	d, dr := upload(t, b, ref, rng, 196, 768)
	b.Linear(d, x, w, compute.Tensor{}, compute.NoActivation)
	ref.Linear(dr, xr, wr, compute.Tensor{}, compute.NoActivation)
	got, want := fetch(t, b, d), fetch(t, ref, dr)
	var maxAbs, maxRel, scale float64
	for i := range want {
		e := math.Abs(float64(got[i] - want[i]))
		maxAbs = math.Max(maxAbs, e)
		scale = math.Max(scale, math.Abs(float64(want[i])))
		if math.Abs(float64(want[i])) > 1 {
			maxRel = math.Max(maxRel, e/math.Abs(float64(want[i])))
		}
	}
	t.Logf("TF32 linear 196x768x768 (unit inputs): max abs error %.3g (outputs up to %.3g), max rel error %.3g where |want|>1", maxAbs, scale, maxRel)
	if maxAbs > 1e-2*scale {
		t.Errorf("TF32 error %.3g of %.3g is beyond TF32's precision", maxAbs, scale)
	}
}

func BenchmarkGPULinear768(b *testing.B) {
	be := gpuBackend(b, Options{})
	x, _ := be.Alloc(1024, 768)
	w, _ := be.Alloc(3*768, 768)
	bias, _ := be.Alloc(1, 3*768)
	d, _ := be.Alloc(1024, 3*768)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		be.Linear(d, x, w, bias, compute.GELUTanh)
	}
	if err := be.Sync(); err != nil {
		b.Fatal(err)
	}
}
