package cuda

import (
	"errors"
	"strings"
	"testing"
)

// TestNewWithoutDriver checks New's sentence on a machine without the
// NVIDIA driver, using a fake machine so it holds on any host.
func TestNewWithoutDriver(t *testing.T) {
	m := machine{env: envOf(map[string]string{"LD_LIBRARY_PATH": "/nowhere"}), fs: fakeTree(t), dl: (&fakeDynlib{}).dynlib()}
	err := openStack(m).drvErr
	const want = "no NVIDIA driver found (libcuda.so.1 not on the library path)"
	if err == nil || err.Error() != want {
		t.Fatalf("openStack = %v, want %q", err, want)
	}
	r := probe(m)
	if r.Problem != want || r.Driver.Err != want || r.Driver.Path != "" || !strings.HasPrefix(r.CUBLAS.Err, "cuBLAS not found") {
		t.Errorf("probe: %+v", r)
	}
	if s := r.String(); !strings.Contains(s, "status:  unusable: "+want) {
		t.Errorf("report text:\n%s", s)
	}
}

// TestNewOnThisMachine runs the real New. Without a usable GPU it must fail
// with one sentence (and no panic); where the driver is absent, with the
// exact no-driver sentence.
func TestNewOnThisMachine(t *testing.T) {
	b, err := New(Options{CacheDir: t.TempDir()})
	if err == nil {
		b.Close()
		t.Skip("this machine has a usable GPU; the GPU tests cover it")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || msg == "" {
		t.Errorf("error is not one sentence: %q", msg)
	}
	if h, derr := dlopen("libcuda.so.1"); derr == nil {
		dlclose(h)
		t.Logf("libcuda present but New failed: %v", err)
		return
	}
	if len(discover(libcudaLib, func(string) string { return "" }, rootFS("/"), 0)) > 2 {
		t.Logf("a libcuda file exists but did not load: %v", err)
		return
	}
	if msg != "no NVIDIA driver found (libcuda.so.1 not on the library path)" {
		t.Errorf("New = %q", msg)
	}
	t.Logf("New on this machine: %v", err)
	t.Logf("Probe on this machine:\n%s", Probe())
}

func TestBrokenDriverMessage(t *testing.T) {
	fsys := fakeTree(t, "/usr/lib64/libcuda.so.1")
	m := machine{env: envOf(nil), fs: fsys, dl: (&fakeDynlib{libs: map[string][]string{"/usr/lib64/libcuda.so.1": {"cuInit"}}}).dynlib()}
	err := openStack(m).drvErr
	want := "the NVIDIA driver is not usable: libcuda at /usr/lib64/libcuda.so.1 could not be loaded: it lacks cuDriverGetVersion (reinstall or update the driver)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestLibraryErrors(t *testing.T) {
	cases := []struct {
		lib         library
		driverMajor int
		err         error
		want        string
	}{
		{cublasLib, 13, errNotFound, "cuBLAS not found: install the CUDA toolkit's cuBLAS (libcublas.so.13 or libcublas.so.12) or pip install nvidia-cublas, or set CUDA_HOME to the toolkit's folder"},
		{cublasLib, 12, errNotFound, "cuBLAS not found: install the CUDA toolkit's cuBLAS (libcublas.so.12 or libcublas.so.11) or pip install nvidia-cublas, or set CUDA_HOME to the toolkit's folder"},
		{nvrtcLib, 13, errNotFound, "NVRTC not found: install the CUDA toolkit's NVRTC (libnvrtc.so.13 or libnvrtc.so.12) or pip install nvidia-cuda-nvrtc, or set CUDA_HOME to the toolkit's folder"},
		{nvrtcLib, 13, errors.New("NVRTC at /x/libnvrtc.so.13 could not be loaded: it lacks nvrtcGetCUBIN"),
			"NVRTC at /x/libnvrtc.so.13 could not be loaded: it lacks nvrtcGetCUBIN (reinstall it, or set CUDA_HOME to another CUDA toolkit)"},
	}
	for _, c := range cases {
		if got := libraryError(c.lib, c.driverMajor, c.err).Error(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestInitErrors(t *testing.T) {
	d := &driver{lib: opened{path: "/usr/local/cuda/lib64/stubs/libcuda.so"}}
	cases := map[int]string{
		cudaErrorNoDevice:           "no NVIDIA GPU found (cuInit: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected))",
		cudaErrorStubLibrary:        "the libcuda at /usr/local/cuda/lib64/stubs/libcuda.so is the CUDA toolkit's stub, not the NVIDIA driver: put the driver's libcuda.so.1 first on the library path",
		cudaErrorInsufficientDriver: "the NVIDIA driver is too old for this GPU or CUDA release (cuInit: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)): update the driver",
		999:                         "the NVIDIA driver failed to start (cuInit: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected))",
	}
	for code, want := range cases {
		err := &cuError{fn: "cuInit", code: code, name: "CUDA_ERROR_NO_DEVICE", desc: "no CUDA-capable device is detected"}
		if got := initError(d, err).Error(); got != want {
			t.Errorf("code %d:\n got  %s\n want %s", code, got, want)
		}
	}
	if got := (&cuError{fn: "cuMemAlloc_v2", code: 2}).Error(); got != "cuMemAlloc_v2: CUresult 2" {
		t.Errorf("unnamed error: %s", got)
	}
	if got := (&blasError{fn: "cublasSgemm_v2", code: 7}).Error(); got != "cublasSgemm_v2: CUBLAS_STATUS_INVALID_VALUE" {
		t.Errorf("cuBLAS error: %s", got)
	}
	if got := (&nvrtcError{fn: "nvrtcCompileProgram", code: 6, desc: "NVRTC_ERROR_COMPILATION", log: "kernels.cu(3): error"}).Error(); got != "nvrtcCompileProgram: NVRTC_ERROR_COMPILATION\nkernels.cu(3): error" {
		t.Errorf("NVRTC error: %s", got)
	}
}

func TestCheckOrdinal(t *testing.T) {
	for _, c := range []struct {
		ordinal, count int
		want           string
	}{
		{0, 1, ""},
		{1, 2, ""},
		{0, 0, "no NVIDIA GPU found (the driver reports none)"},
		{2, 2, "GPU 2 does not exist: this machine has 2 (use 0 to 1)"},
		{-1, 1, "GPU -1 does not exist: this machine has 1 (use 0 to 0)"},
	} {
		err := checkOrdinal(c.ordinal, c.count)
		if (err == nil) != (c.want == "") || (err != nil && err.Error() != c.want) {
			t.Errorf("checkOrdinal(%d, %d) = %v, want %q", c.ordinal, c.count, err, c.want)
		}
	}
	if got := cudaVersionString(13000); got != "13.0" {
		t.Errorf("13000 → %s", got)
	}
	if got := cudaVersionString(12090); got != "12.9" {
		t.Errorf("12090 → %s", got)
	}
}

func TestNoGPUErrorsAreMarked(t *testing.T) {
	if !errors.Is(driverError(errNotFound), ErrNoGPU) {
		t.Error("a missing driver is not ErrNoGPU")
	}
	if errors.Is(driverError(errors.New("bad ELF")), ErrNoGPU) {
		t.Error("a broken driver is ErrNoGPU")
	}
	if got := driverError(errNotFound).Error(); got != "no NVIDIA driver found (libcuda.so.1 not on the library path)" {
		t.Errorf("sentence changed: %q", got)
	}
}
