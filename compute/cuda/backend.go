package cuda

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// Backend implements compute.Backend.
var _ compute.Backend = (*Backend)(nil)

// Options selects the GPU and the arithmetic.
type Options struct {
	// Device is the CUDA device ordinal (0 for the first GPU).
	Device int
	// Fast lets cuBLAS use TF32 tensor cores for the matrix products
	// (CUBLAS_TF32_TENSOR_OP_MATH): several times faster on Ampere and
	// newer, with about 1e-3 relative error instead of float32's 1e-6. Off,
	// every product is exact FP32 and results match the CPU backends.
	Fast bool
	// CacheDir is where compiled kernels are kept; empty means
	// os.UserCacheDir()/siglip2-tui/cuda, "-" disables the cache.
	CacheDir string
}

// Backend is the CUDA implementation of compute.Backend. Tensors live in
// device memory (Tensor.Dev); operations are queued on one stream and
// report failures through Sync. Callers serialise its use, as
// compute.Backend requires; any goroutine may make the calls.
type Backend struct {
	g    gpu
	name string
	info Info
	err  error // first failure of a queued operation, reported by Sync

	allocs  map[uintptr]int // live Alloc results: device address → float32s
	scratch [numScratch]scratchBuf
	closed  bool
}

// Info describes the device and libraries a Backend runs on.
type Info struct {
	DeviceName                 string
	ComputeMajor, ComputeMinor int
	Multiprocessors            int
	MemoryBytes                uint64
	Target                     string // what the kernels were compiled for: "sm_90"
	KernelsFromCache           bool   // the compiled kernels came from the disk cache
	KernelCacheFile            string // empty without a cache
	DriverPath, CUBLASPath     string
	NVRTCPath                  string
	DriverVersion              string // CUDA version the driver supports: "13.0"
	CUBLASVersion              string // "13.1.0"
	NVRTCVersion               string // "13.0"
	Fast                       bool
}

// scratchBuf is a grow-only device buffer for intermediate results.
type scratchBuf struct {
	p uintptr
	n int // float32s
}

const (
	scratchProbs  = iota // attention probabilities nobody asked for
	scratchLinear        // Linear output when dst overlaps an input
	numScratch
)

// New opens GPU opts.Device: it finds libcuda, cuBLAS and NVRTC (see
// Probe for where it looks), checks the GPU, and compiles or loads the
// kernels. When the machine cannot run the backend the error is one
// sentence saying why and what to do; nothing panics.
func New(opts Options) (*Backend, error) {
	st := openStack(hostMachine())
	if st.drvErr != nil {
		return nil, st.drvErr
	}
	if err := st.drv.init(); err != nil {
		return nil, initError(st.drv, err)
	}
	count, err := st.drv.deviceCount()
	if err != nil {
		return nil, initError(st.drv, err)
	}
	if err := checkOrdinal(opts.Device, count); err != nil {
		return nil, err
	}
	info, err := st.drv.deviceInfo(opts.Device)
	if err != nil {
		return nil, fmt.Errorf("read GPU %d's properties: %w", opts.Device, err)
	}
	if _, err := chooseTarget(info.major, info.minor, nil); err != nil {
		return nil, err
	}
	if st.blasErr != nil {
		return nil, st.blasErr
	}
	if st.nvrtcErr != nil {
		return nil, st.nvrtcErr
	}
	cache := kernelCache{dir: opts.CacheDir}
	switch opts.CacheDir {
	case "":
		cache.dir = defaultCacheDir()
	case "-":
		cache.dir = ""
	}
	g, img, t, err := startGPU(st.drv, st.blas, st.nvrtc, opts.Device, info, opts.Fast, cache)
	if err != nil {
		return nil, fmt.Errorf("start GPU %d (%s): %w", opts.Device, info.name, err)
	}
	major, minor, _, _ := st.blas.version()
	nvMajor, nvMinor, _ := st.nvrtc.versionNumbers()
	in := Info{
		DeviceName: info.name, ComputeMajor: info.major, ComputeMinor: info.minor,
		Multiprocessors: info.multiprocessors, MemoryBytes: info.memory,
		Target: t.String(), KernelsFromCache: img.fromCache,
		DriverPath: st.drv.lib.path, CUBLASPath: st.blas.lib.path, NVRTCPath: st.nvrtc.lib.path,
		DriverVersion: cudaVersionString(st.driverVersion), CUBLASVersion: st.blas.versionString(),
		NVRTCVersion: fmt.Sprintf("%d.%d", nvMajor, nvMinor), Fast: opts.Fast,
	}
	if cache.dir != "" {
		in.KernelCacheFile = cache.dir + string(os.PathSeparator) + img.key
	}
	name := fmt.Sprintf("cuda (%s, sm_%d%d, cuBLAS %d.%d", info.name, info.major, info.minor, major, minor)
	if opts.Fast {
		name += ", TF32"
	}
	return newBackend(g, name+")", in), nil
}

// newBackend wraps a started gpu.
func newBackend(g gpu, name string, info Info) *Backend {
	return &Backend{g: g, name: name, info: info, allocs: map[uintptr]int{}}
}

// stack is the three libraries New needs, as far as they were found.
type stack struct {
	drv           *driver
	drvErr        error
	driverVersion int
	blas          *cublas
	blasErr       error
	nvrtc         *nvrtc
	nvrtcErr      error
	tried         map[string][]attempt
}

// machine is what library discovery looks at; tests substitute a fake.
type machine struct {
	env environ
	fs  fileSystem
	dl  dynlib
}

func hostMachine() machine { return machine{env: os.Getenv, fs: rootFS("/"), dl: hostDynlib} }

// openStack loads libcuda, then cuBLAS and NVRTC for the CUDA version the
// driver supports (any version without a driver, so that Probe can still
// say where they are). Failures are recorded as New's sentences.
func openStack(m machine) *stack {
	st := &stack{tried: map[string][]attempt{}}
	drv := &driver{}
	lib, tried, err := m.dl.openFirst(libcudaLib, discover(libcudaLib, m.env, m.fs, 0), m.fs, drv.symbols())
	st.tried[libcudaLib.what] = tried
	if err != nil {
		st.drvErr = driverError(err)
	} else {
		drv.lib = lib
		st.drv = drv
		st.driverVersion, _ = drv.version()
	}
	driverMajor := st.driverVersion / 1000

	b := &cublas{}
	lib, tried, err = m.dl.openFirst(cublasLib, discover(cublasLib, m.env, m.fs, driverMajor), m.fs, b.symbols())
	st.tried[cublasLib.what] = tried
	if err != nil {
		st.blasErr = libraryError(cublasLib, driverMajor, err)
	} else {
		b.lib = lib
		st.blas = b
	}
	n := &nvrtc{}
	lib, tried, err = m.dl.openFirst(nvrtcLib, discover(nvrtcLib, m.env, m.fs, driverMajor), m.fs, n.symbols())
	st.tried[nvrtcLib.what] = tried
	if err != nil {
		st.nvrtcErr = libraryError(nvrtcLib, driverMajor, err)
	} else {
		n.lib = lib
		st.nvrtc = n
	}
	return st
}

// ErrNoGPU marks New's errors for machines without an NVIDIA driver or GPU,
// where falling back to the CPU needs no explanation.
var ErrNoGPU = errors.New("no NVIDIA GPU")

// noGPUError is an error that says its own sentence and matches ErrNoGPU.
type noGPUError struct{ msg string }

func (e noGPUError) Error() string        { return e.msg }
func (e noGPUError) Is(target error) bool { return target == ErrNoGPU }

// driverError is New's sentence for a libcuda that did not load.
func driverError(err error) error {
	if errors.Is(err, errNotFound) {
		return noGPUError{"no NVIDIA driver found (libcuda.so.1 not on the library path)"}
	}
	return fmt.Errorf("the NVIDIA driver is not usable: %v (reinstall or update the driver)", err)
}

// libraryError is New's sentence for a cuBLAS or NVRTC that did not load.
func libraryError(lib library, driverMajor int, err error) error {
	if !errors.Is(err, errNotFound) {
		return fmt.Errorf("%v (reinstall it, or set CUDA_HOME to another CUDA toolkit)", err)
	}
	var names []string
	for _, s := range lib.sonames {
		if driverMajor == 0 || s.major <= driverMajor {
			names = append(names, s.name)
		}
		if len(names) == 2 {
			break
		}
	}
	pip := map[string]string{"cuBLAS": "nvidia-cublas", "NVRTC": "nvidia-cuda-nvrtc"}[lib.what]
	return fmt.Errorf("%s not found: install the CUDA toolkit's %s (%s) or pip install %s, or set CUDA_HOME to the toolkit's folder",
		lib.what, lib.what, strings.Join(names, " or "), pip)
}

// initError is New's sentence for a failed cuInit or device query.
func initError(d *driver, err error) error {
	var ce *cuError
	if errors.As(err, &ce) {
		switch ce.code {
		case cudaErrorNoDevice:
			return noGPUError{fmt.Sprintf("no NVIDIA GPU found (%v)", err)}
		case cudaErrorStubLibrary:
			return fmt.Errorf("the libcuda at %s is the CUDA toolkit's stub, not the NVIDIA driver: put the driver's libcuda.so.1 first on the library path", d.lib.path)
		case cudaErrorInsufficientDriver:
			return fmt.Errorf("the NVIDIA driver is too old for this GPU or CUDA release (%v): update the driver", err)
		}
	}
	return fmt.Errorf("the NVIDIA driver failed to start (%v)", err)
}

// checkOrdinal checks Options.Device against the number of GPUs.
func checkOrdinal(ordinal, count int) error {
	switch {
	case count == 0:
		return errors.New("no NVIDIA GPU found (the driver reports none)")
	case ordinal < 0 || ordinal >= count:
		return fmt.Errorf("GPU %d does not exist: this machine has %d (use 0 to %d)", ordinal, count, count-1)
	}
	return nil
}

// cudaVersionString turns cuDriverGetVersion's 13000 into "13.0".
func cudaVersionString(v int) string {
	if v <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}

// Name implements compute.Backend: "cuda (NVIDIA H200, sm_90, cuBLAS 13.1)".
func (b *Backend) Name() string { return b.name }

// Info describes the device and libraries in use.
func (b *Backend) Info() Info { return b.info }

// Close waits for queued work and releases the GPU: every tensor made by
// Alloc, the kernels, the cuBLAS handle, the stream and the context. The
// Backend must not be used afterwards.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	var errs []error
	if err := b.g.enter(); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, b.g.sync())
		for p := range b.allocs {
			errs = append(errs, b.g.free(p))
		}
		for i := range b.scratch {
			if b.scratch[i].p != 0 {
				errs = append(errs, b.g.free(b.scratch[i].p))
			}
		}
		b.g.leave()
	}
	clear(b.allocs)
	errs = append(errs, b.g.close())
	return errors.Join(errs...)
}

// Sync implements compute.Backend: it waits for the queued work and
// returns the first error an operation met since the last Sync (then
// forgets it). CUDA errors such as an illegal address are sticky in the
// driver, so later operations fail again.
func (b *Backend) Sync() error {
	if b.closed {
		return errClosed
	}
	err := b.err
	b.err = nil
	if eerr := b.g.enter(); eerr != nil {
		return errors.Join(err, eerr)
	}
	defer b.g.leave()
	if serr := b.g.sync(); serr != nil && err == nil {
		err = serr
	}
	return err
}

var errClosed = errors.New("cuda: the backend is closed")

// fail records the first error of a queued operation.
func (b *Backend) fail(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// begin starts an operation: false when it must be skipped because an
// earlier one failed or the backend is closed (the error is recorded).
func (b *Backend) begin() bool {
	if b.closed {
		b.fail(errClosed)
		return false
	}
	if b.err != nil {
		return false
	}
	if err := b.g.enter(); err != nil {
		b.fail(err)
		return false
	}
	return true
}
