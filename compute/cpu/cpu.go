// Package cpu is the fast host backend of package compute. Matrix products
// go to a BLAS library loaded at run time without cgo (OpenBLAS on Linux,
// Accelerate on macOS; see package blas) or, when none is installed, to a
// packed pure-Go sgemm with AVX-512/AVX2 micro-kernels. Everything else (the
// bias and GELU epilogue of Linear, the scaled, masked softmax of Attention,
// LayerNorm, Add) runs as vectorised kernels chosen at start-up (AVX-512,
// AVX2+FMA, or portable Go), fused so each activation is touched as few
// times as possible.
//
// Work is spread over a small pool of persistent goroutines. The BLAS
// library itself is set to one thread and called from every worker at once
// on disjoint parts of a product: that lets the epilogue run on data still
// in cache, keeps OpenBLAS's own spinning threads from competing with ours,
// and splits attention over (sequence, head, query block) where a threaded
// BLAS stalls on the small per-head products.
//
// Concurrency: a Backend runs one operation at a time (callers serialise,
// as compute.Backend requires); several Backends may exist and run at once.
// They share the process-wide BLAS library, whose thread count New sets
// to 1.
package cpu

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/blas"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/gemm"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/vec"
)

// SIMDEnvVar names the environment variable that caps the vector kernels'
// instruction set ("avx512bf16", "avx512", "avx2", "neon" or "generic"),
// for debugging and comparisons; Options.SIMD takes precedence.
const SIMDEnvVar = "SIGLIP2_SIMD"

// Options configure a Backend. The zero value picks everything
// automatically.
type Options struct {
	// Threads is the number of worker goroutines, the caller included;
	// 0 means runtime.GOMAXPROCS(0).
	Threads int
	// BLAS selects the matrix-multiply library: "" or "auto" honours
	// $SIGLIP2_BLAS and otherwise searches the usual names
	// (libopenblas.so.0, libopenblas.so, libblas.so.3 when it is
	// OpenBLAS; Accelerate on macOS); "off" uses the pure-Go sgemm; any
	// other value is a library path or name that must load.
	BLAS string
	// SIMD caps the instruction set of the vector kernels and of the
	// pure-Go sgemm: "" (the best the CPU has, or $SIGLIP2_SIMD),
	// "avx512bf16", "avx512" (AVX-512 without the BF16 extension), "avx2"
	// (amd64), "neon" (arm64) or "generic"; another architecture's level
	// means generic. It is process-wide, like the CPU it describes: the
	// last New wins.
	SIMD string
	// PackBudget bounds, in bytes, the float32 weights the direct path
	// packs in the background after reading them in place (their own
	// pages are let go once packed, so memory does not grow): 0 means
	// 4 GiB, negative means none (products then read them in place,
	// about 10% slower).
	PackBudget int64
	// Precision is "" or "float32" (the default), or "bf16": Linear
	// weights stored once as bfloat16 and matrix products run on AVX-512
	// BF16 dot products (VDPBF16PS) accumulating in float32, everything
	// else in float32. On a CPU without AVX512_BF16 (or with SIMD capped
	// below it) bf16 falls back to float32 and Info().PrecisionNote says
	// so.
	Precision string
}

// PrecisionBF16 is Options.Precision's value for bfloat16 products.
const PrecisionBF16 = "bf16"

// Info describes what a Backend runs on.
type Info struct {
	// BLAS is the library's vendor and version ("OpenBLAS 0.3.21"), or ""
	// when products use the pure-Go sgemm.
	BLAS string
	// BLASPath is the name the library was loaded under.
	BLASPath string
	// BLASInterface is the routine products call: "sgemm_" (Fortran)
	// or "cblas_sgemm" (C); see blas.InterfaceEnvVar.
	BLASInterface string
	// BLASConfig is OpenBLAS's build description (openblas_get_config).
	BLASConfig string
	// CoreName is the kernel family OpenBLAS chose (openblas_get_corename):
	// "Haswell" on an AVX-512 machine usually means OPENBLAS_CORETYPE is
	// set in the environment and costs about half the speed.
	CoreName string
	// BLASThreads is the library's own thread count (1 while a Backend
	// uses it: the workers provide the parallelism).
	BLASThreads int
	// CoreTypeEnv is $OPENBLAS_CORETYPE, which this package never changes.
	CoreTypeEnv string
	// GoGEMM names the pure-Go micro-kernel used when BLAS is absent.
	GoGEMM string
	// Direct reports that products run on the AVX-512 kernels that read
	// activations in place and keep weights packed (chosen over BLAS on
	// AVX-512 CPUs unless a library is named explicitly).
	Direct bool
	// Threads is the number of worker goroutines.
	Threads int
	// SIMD is the instruction set of the element-wise kernels.
	SIMD string
	// Hint, when BLAS is absent, tells the user how to install OpenBLAS
	// (one line for a status bar or the CLI).
	Hint string
	// BF16 reports that Linear weights are bfloat16 and products run on
	// VDPBF16PS (Options.Precision "bf16" on a CPU that has it).
	BF16 bool
	// PrecisionNote, when bf16 was asked for but cannot run, says why and
	// what runs instead (one line for the CLI).
	PrecisionNote string
	// BLASError says why no library was loaded ("" when one was, or when
	// BLAS was turned off).
	BLASError string
}

// String is a one-line summary.
func (in Info) String() string {
	var s string
	if in.BLAS != "" {
		s = in.BLAS
		if in.CoreName != "" {
			s += " " + in.CoreName
		}
	} else {
		s = "pure-Go sgemm (" + in.GoGEMM + ")"
	}
	s = fmt.Sprintf("%s, %s, %d threads", s, in.SIMD, in.Threads)
	if in.BF16 {
		s += ", bf16"
	}
	return s
}

// Backend is the CPU implementation of compute.Backend.
type Backend struct {
	info Info
	lib  *blas.Library
	pool *pool
	// direct: products use gemm's AVX-512 kernels (weights packed or
	// read where they lie, see weights.go); bf16: in bfloat16.
	direct, bf16 bool
	reg          registry    // the weights the direct path knows
	xp           gemm.XPack  // the activations of the last product, packed
	xb           []float32   // or rounded to bfloat16
	xpad         []float32   // or copied with a padded row stride
	kb, vb       []float32   // attention keys and values in bfloat16
	xc           xCache      // which ones
	pview        gemm.Packed // a prepared weight's strips, described

	// Reusable task values (see pool.go) and scratch.
	lin     linearTask
	attn    attentionTask
	norm    normTask
	add     addTask
	pack    packTask
	prepare prepareTask
	round   roundTask
	keys    keysTask
	copy    copyTask
	values  valuesTask
	spare   []float32 // Linear output when dst overlaps an input
}

var (
	_ compute.Backend              = (*Backend)(nil)
	_ compute.HostWeightReader     = (*Backend)(nil)
	_ compute.LinearWeightPreparer = (*Backend)(nil)
)

// New returns a Backend. It fails only when Options name something that
// cannot be had: an unknown SIMD level or a BLAS library that does not load.
// A missing library in automatic mode falls back to the pure-Go sgemm, and
// Info().Hint says how to install one.
func New(opt Options) (*Backend, error) {
	if opt.Threads < 0 {
		return nil, fmt.Errorf("cpu: %d threads", opt.Threads)
	}
	simd := opt.SIMD
	if simd == "" {
		simd = os.Getenv(SIMDEnvVar)
	}
	if err := setSIMD(simd); err != nil {
		return nil, err
	}
	threads := opt.Threads
	if threads == 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	b := &Backend{}
	b.reg.budget = opt.PackBudget
	if b.reg.budget == 0 {
		b.reg.budget = 4 << 30
	}
	b.reg.stop, b.reg.stopOnce = make(chan struct{}), &sync.Once{}
	b.info = Info{Threads: threads, SIMD: vec.Current().String(), GoGEMM: gemm.Name(),
		CoreTypeEnv: os.Getenv("OPENBLAS_CORETYPE")}

	spec := opt.BLAS
	if spec == "" || spec == "auto" {
		spec = strings.TrimSpace(os.Getenv(blas.EnvVar))
	}
	var lib *blas.Library
	var err error
	if gemm.HasDirect() && (spec == "" || strings.EqualFold(spec, "auto")) {
		// On AVX-512 the direct kernels, which read the weights where they
		// lie, beat OpenBLAS: no library.
		err = errDirect
	} else {
		lib, err = blas.Open(opt.BLAS)
	}
	b.direct = lib == nil && gemm.HasDirect()
	if b.direct {
		b.info.GoGEMM = "AVX-512 direct kernels"
		b.info.Direct = true
	}
	switch strings.ToLower(opt.Precision) {
	case "", "float32", "f32", "fp32":
	case PrecisionBF16, "bfloat16":
		switch {
		case b.direct && gemm.HasBF16():
			b.bf16, b.info.BF16 = true, true
		case lib != nil && gemm.HasDirect() && gemm.HasBF16():
			b.info.PrecisionNote = "bf16 runs on the built-in AVX-512 kernels with AVX512_BF16, not on a BLAS library (" + lib.Vendor + " is in use; leave " + blas.EnvVar + " unset for the built-in kernels): computing in float32"
		case gemm.HasDirect() || vec.Best() == vec.AVX512 && simd == "":
			b.info.PrecisionNote = "bf16 needs AVX512_BF16 (VDPBF16PS), which this CPU lacks: computing in float32"
		default:
			b.info.PrecisionNote = "bf16 needs AVX-512 with AVX512_BF16 (VDPBF16PS); this CPU, or " + SIMDEnvVar + ", offers " + vec.Current().String() + ": computing in float32"
		}
	default:
		return nil, fmt.Errorf("cpu: unknown precision %q (want float32 or bf16)", opt.Precision)
	}
	switch {
	case err == nil:
		b.lib = lib
		lib.SetNumThreads(1)
		b.info.BLAS = lib.Vendor
		b.info.BLASPath = lib.Path
		b.info.BLASInterface = lib.Interface
		b.info.BLASConfig = lib.Config()
		if f := strings.Fields(b.info.BLASConfig); len(f) >= 2 && f[0] == "OpenBLAS" {
			b.info.BLAS = f[0] + " " + f[1]
		}
		b.info.CoreName = lib.CoreName()
		b.info.BLASThreads = lib.NumThreads()
	case errors.Is(err, blas.ErrDisabled):
	case errors.Is(err, errDirect):
		b.info.BLASError = err.Error()
	case opt.BLAS != "" && opt.BLAS != "auto":
		return nil, fmt.Errorf("cpu: %w (use BLAS \"auto\" or \"off\")", err)
	default:
		b.info.BLASError = err.Error()
		if !b.direct {
			b.info.Hint = blas.InstallHint()
		}
	}

	workers := make([]*worker, threads)
	for i := range workers {
		workers[i] = &worker{}
		if lib != nil {
			workers[i].call = lib.NewCall()
		}
	}
	b.pool = newPool(workers)
	// The helper goroutines only reference the pool and the packer its
	// stop channel and entries, so an abandoned Backend can be collected;
	// its cleanup stops them.
	runtime.AddCleanup(b, func(s stopper) { s.p.close(); s.once.Do(func() { close(s.stop) }) }, stopper{b.pool, b.reg.stop, b.reg.stopOnce})
	return b, nil
}

// errDirect is Info.BLASError when no library is loaded because the
// AVX-512 kernels are faster.
var errDirect = errors.New("not used: the AVX-512 kernels, which read the weights where they lie, are faster; SIGLIP2_BLAS=/path/to/lib forces one")

// setSIMD applies the SIMD option. The levels are process-wide; they are
// written only when they change, so creating a Backend with default options
// does not race with another Backend that is computing.
func setSIMD(s string) error {
	var lvl vec.Level
	var force string
	switch strings.ToLower(s) {
	case "", "auto", "best":
		lvl, force = vec.Best(), ""
	case "avx512", "avx-512":
		// AVX-512 F, BW, DQ and VL: the BF16 extension is a level above.
		lvl, force = vec.AVX512, "avx512"
	case "avx512bf16", "avx512-bf16", "avx-512-bf16":
		lvl, force = vec.AVX512, "avx512bf16"
	case "avx2":
		lvl, force = vec.AVX2, "avx2"
	case "neon", "asimd":
		lvl, force = vec.NEON, "neon"
	case "generic", "go", "none", "off":
		lvl, force = vec.Generic, "go"
	default:
		return fmt.Errorf("cpu: unknown SIMD level %q (want avx512bf16, avx512, avx2, neon or generic)", s)
	}
	if noBF16 := force != "" && force != "avx512bf16"; gemm.ForceNoBF16 != noBF16 {
		gemm.ForceNoBF16 = noBF16
	}
	if force == "avx512bf16" {
		force = "avx512"
	}
	if vec.Current() != vec.Resolve(lvl) {
		vec.SetLevel(lvl)
	}
	if gemm.Force != force {
		gemm.Force = force
	}
	return nil
}

// Info describes the library, kernels and threads in use.
func (b *Backend) Info() Info { return b.info }

// Name implements compute.Backend, for example
// "cpu (OpenBLAS 0.3.21 Zen, AVX-512, 2 threads)"; it ends in ", bf16"
// when products run in bfloat16.
func (b *Backend) Name() string { return "cpu (" + b.info.String() + ")" }

// stopper is what a Backend's cleanup stops.
type stopper struct {
	p    *pool
	stop chan struct{}
	once *sync.Once
}

// Close stops the worker goroutines and the background packer. The
// Backend must not be used after. Calling it is optional: an unreachable
// Backend stops them itself.
func (b *Backend) Close() {
	if b.pool != nil {
		b.pool.close()
		b.pool = nil
		b.reg.stopOnce.Do(func() { close(b.reg.stop) })
		b.reg.packing.Lock() // the packer no longer reads any weight
		b.reg.packing.Unlock()
	}
}

// Alloc implements compute.Backend.
func (*Backend) Alloc(rows, cols int) (compute.Tensor, error) {
	if rows < 0 || cols < 0 {
		return compute.Tensor{}, fmt.Errorf("cpu: alloc %dx%d: negative size", rows, cols)
	}
	return compute.Tensor{Rows: rows, Cols: cols, Stride: cols, Host: make([]float32, rows*cols)}, nil
}

// Free implements compute.Backend; memory is left to the garbage
// collector, and a weight the direct path knows is forgotten (the
// background packer has stopped reading it when Free returns).
func (b *Backend) Free(t compute.Tensor) {
	b.wrote(t)
	if e := b.reg.lookup(t); e != nil {
		if e.kind != kindHost {
			e.cleanup.Stop()
		}
		b.reg.remove(e)
	}
}

// Upload implements compute.Backend.
func (b *Backend) Upload(t compute.Tensor, src []float32) error {
	if len(src) < t.Len() {
		return fmt.Errorf("cpu: upload %d values into %dx%d tensor", len(src), t.Rows, t.Cols)
	}
	for r := 0; r < t.Rows; r++ {
		copy(t.Host[r*t.Stride:r*t.Stride+t.Cols], src[r*t.Cols:])
	}
	b.wrote(t)
	return nil
}

// Download implements compute.Backend.
func (*Backend) Download(dst []float32, t compute.Tensor) error {
	if len(dst) < t.Len() {
		return fmt.Errorf("cpu: download %dx%d tensor into %d values", t.Rows, t.Cols, len(dst))
	}
	for r := 0; r < t.Rows; r++ {
		copy(dst[r*t.Cols:(r+1)*t.Cols], t.Host[r*t.Stride:])
	}
	return nil
}

// Sync implements compute.Backend: every operation has finished when it
// returns, so there is nothing to wait for.
func (*Backend) Sync() error { return nil }
