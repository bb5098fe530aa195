package cuda

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// fakeTree makes files (paths relative to "/") in a temporary root.
func fakeTree(t *testing.T, files ...string) rootFS {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("not really a library"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return rootFS(root)
}

func envOf(kv map[string]string) environ { return func(k string) string { return kv[k] } }

// gpuMachineTree is the layout of the project's GPU test machine, plus a
// few distractors.
var gpuMachineTree = []string{
	"/usr/local/nvidia/lib64/libcuda.so.1",
	"/usr/lib/libcuda.so.1",
	"/usr/local/cuda/lib64/stubs/libcuda.so",
	"/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13",
	"/usr/local/cuda/targets/x86_64-linux/lib/libcublasLt.so.13",
	"/usr/local/cuda/targets/x86_64-linux/lib/libnvrtc.so.13",
	"/usr/local/cuda/targets/x86_64-linux/lib/libnvrtc-builtins.so.13.0",
	"/usr/local/cuda-12.4/lib64/libcublas.so.12",
	"/usr/local/cuda-12.10/lib64/libcublas.so.12",
	"/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13",
	"/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libnvrtc.so.13",
	"/home/u/.local/lib/python3.9/site-packages/nvidia/cublas/lib/libcublas.so.12",
	"/home/u/.local/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12",
}

var gpuMachineEnv = map[string]string{
	"LD_LIBRARY_PATH": "/usr/local/nvidia/lib64:/usr/local/nvidia/lib::relative/dir:/usr/local/cuda/lib64/stubs",
	"CUDA_HOME":       "/usr/local/cuda",
	"HOME":            "/home/u",
}

func places(cs []candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.path+" ("+c.via+")")
	}
	return out
}

func TestDiscover(t *testing.T) {
	fsys := fakeTree(t, gpuMachineTree...)
	cases := []struct {
		name        string
		lib         library
		env         map[string]string
		driverMajor int
		want        []string
	}{
		{"driver", libcudaLib, gpuMachineEnv, 0, []string{
			"/usr/local/nvidia/lib64/libcuda.so.1 (LD_LIBRARY_PATH)",
			"libcuda.so.1 (the dynamic loader)",
			"libcuda.so (the dynamic loader)",
			"/usr/lib/libcuda.so.1 (system folder)",
		}},
		{"cuBLAS with a CUDA 13 driver", cublasLib, gpuMachineEnv, 13, []string{
			"/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13 (CUDA_HOME)",
			"libcublas.so.13 (the dynamic loader)",
			"libcublas.so.12 (the dynamic loader)",
			"libcublas.so.11 (the dynamic loader)",
			"/usr/local/cuda-12.10/lib64/libcublas.so.12 (CUDA toolkit)",
			"/usr/local/cuda-12.4/lib64/libcublas.so.12 (CUDA toolkit)",
			"/home/u/.local/lib/python3.9/site-packages/nvidia/cublas/lib/libcublas.so.12 (Python packages)",
			"/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13 (Python packages)",
		}},
		{"cuBLAS with a CUDA 12 driver skips CUDA 13", cublasLib, gpuMachineEnv, 12, []string{
			"libcublas.so.12 (the dynamic loader)",
			"libcublas.so.11 (the dynamic loader)",
			"/usr/local/cuda-12.10/lib64/libcublas.so.12 (CUDA toolkit)",
			"/usr/local/cuda-12.4/lib64/libcublas.so.12 (CUDA toolkit)",
			"/home/u/.local/lib/python3.9/site-packages/nvidia/cublas/lib/libcublas.so.12 (Python packages)",
		}},
		{"NVRTC from the active virtualenv, no CUDA_HOME", nvrtcLib,
			map[string]string{"VIRTUAL_ENV": "/opt/torch/.venv", "HOME": "/home/u"}, 13, []string{
				"libnvrtc.so.13 (the dynamic loader)",
				"libnvrtc.so.12 (the dynamic loader)",
				"libnvrtc.so.11.2 (the dynamic loader)",
				"/usr/local/cuda/targets/x86_64-linux/lib/libnvrtc.so.13 (CUDA toolkit)",
				"/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libnvrtc.so.13 (Python packages)",
				"/home/u/.local/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12 (Python packages)",
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := places(discoverArch(c.lib, envOf(c.env), fsys, c.driverMajor, "amd64"))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

func TestDiscoverArm64Targets(t *testing.T) {
	fsys := fakeTree(t, "/usr/local/cuda/targets/sbsa-linux/lib/libcublas.so.12", "/usr/lib/aarch64-linux-gnu/libcuda.so.1")
	got := places(discoverArch(cublasLib, envOf(map[string]string{"CUDA_PATH": "/usr/local/cuda"}), fsys, 12, "arm64"))
	if len(got) == 0 || got[0] != "/usr/local/cuda/targets/sbsa-linux/lib/libcublas.so.12 (CUDA_PATH)" {
		t.Errorf("arm64 cuBLAS places: %q", got)
	}
	got = places(discoverArch(libcudaLib, envOf(nil), fsys, 0, "arm64"))
	if got[len(got)-1] != "/usr/lib/aarch64-linux-gnu/libcuda.so.1 (system folder)" {
		t.Errorf("arm64 driver places: %q", got)
	}
}

func TestNaturalOrder(t *testing.T) {
	in := []string{"/p/python3.12", "/p/python3.9", "/c/cuda-12.10", "/c/cuda-12.4", "/c/cuda-13.0", "/p/python3.10"}
	sort.Sort(versionOrder(in))
	want := []string{"/c/cuda-12.4", "/c/cuda-12.10", "/c/cuda-13.0", "/p/python3.9", "/p/python3.10", "/p/python3.12"}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got %q", in)
	}
}

func TestLoadedPath(t *testing.T) {
	maps := `7f1a00000000-7f1a00200000 r-xp 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libcublasLt.so.12.4.5.8
7f1a00200000-7f1a00400000 r-xp 00000000 08:01 124 /usr/lib/x86_64-linux-gnu/libcublas.so.12.4.5.8
7f1a00400000-7f1a00600000 r-xp 00000000 08:01 125 /usr/local/nvidia/lib64/libcuda.so.580.159.04
7f1a00600000-7f1a00800000 rw-p 00000000 00:00 0 [heap]
7f1a00800000-7f1a00a00000 r-xp 00000000 08:01 126 /usr/lib/x86_64-linux-gnu/libnvrtc.so.11.8.89`
	for name, want := range map[string]string{
		"libcublas.so.12":  "/usr/lib/x86_64-linux-gnu/libcublas.so.12.4.5.8",
		"libcuda.so.1":     "/usr/local/nvidia/lib64/libcuda.so.580.159.04",
		"libnvrtc.so.11.2": "/usr/lib/x86_64-linux-gnu/libnvrtc.so.11.8.89",
		"libcudart.so.12":  "",
	} {
		if got := loadedPath(maps, name); got != want {
			t.Errorf("loadedPath(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestParseDriverRelease(t *testing.T) {
	s := "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  Thu Sep 25 23:09:53 UTC 2025\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n"
	if got := parseDriverRelease(s); got != "580.159.04" {
		t.Errorf("got %q", got)
	}
	if got := parseDriverRelease("nonsense"); got != "" {
		t.Errorf("got %q from nonsense", got)
	}
}

// fakeDynlib opens only the paths in libs, each with the named symbols.
type fakeDynlib struct {
	libs   map[string][]string
	opened []string
}

func (f *fakeDynlib) dynlib() dynlib {
	handles := map[uintptr][]string{}
	return dynlib{
		open: func(p string) (uintptr, error) {
			f.opened = append(f.opened, p)
			syms, ok := f.libs[p]
			if !ok {
				return 0, errors.New(p + ": cannot open shared object file")
			}
			h := uintptr(len(handles) + 1)
			handles[h] = syms
			return h, nil
		},
		sym: func(h uintptr, name string) (uintptr, error) {
			for _, s := range handles[h] {
				if s == name {
					return 0x1000, nil
				}
			}
			return 0, errors.New("undefined symbol " + name)
		},
		close: func(uintptr) {},
	}
}

func symbolNames(syms []symbol) []string {
	var out []string
	for _, s := range syms {
		out = append(out, s.name)
	}
	return out
}

func TestOpenFirst(t *testing.T) {
	fsys := fakeTree(t, gpuMachineTree...)
	b := &cublas{}
	all := symbolNames(b.symbols())
	lacking := all[:len(all)-2] // no cublasGetProperty, cublasGetStatusName
	dir := "/usr/local/cuda/targets/x86_64-linux/lib/"
	f := &fakeDynlib{libs: map[string][]string{
		dir + "libcublas.so.13": lacking,
		"/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13": all,
	}}
	cands := discoverArch(cublasLib, envOf(gpuMachineEnv), fsys, 13, "amd64")
	got, tried, err := f.dynlib().openFirst(cublasLib, cands, fsys, b.symbols())
	if err != nil {
		t.Fatal(err)
	}
	if got.path != "/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13" || got.via != "Python packages" {
		t.Errorf("opened %+v", got)
	}
	// The toolkit's cuBLAS lacks a symbol; the other places do not open.
	if len(tried) != 4 || tried[0].Path != dir+"libcublas.so.13" || tried[0].Err != "it lacks cublasGetProperty" ||
		!strings.HasSuffix(tried[3].Err, "cannot open shared object file") {
		t.Errorf("tried %+v", tried)
	}
	if f.opened[0] != dir+"libcublasLt.so.13" || f.opened[1] != dir+"libcublas.so.13" {
		t.Errorf("cuBLASLt not loaded before cuBLAS from its folder: %q", f.opened[:2])
	}
	if b.getStatusName != 0x1000 || b.sgemm != 0x1000 {
		t.Errorf("symbols not bound as found: %+v", b)
	}

	// NVRTC's builtins are found by glob next to it.
	f = &fakeDynlib{libs: map[string][]string{}}
	n := &nvrtc{}
	_, _, err = f.dynlib().openFirst(nvrtcLib, discoverArch(nvrtcLib, envOf(gpuMachineEnv), fsys, 13, "amd64"), fsys, n.symbols())
	if err == nil || !strings.Contains(err.Error(), "NVRTC at "+dir+"libnvrtc.so.13 could not be loaded: ") {
		t.Errorf("broken NVRTC: %v", err)
	}
	if f.opened[0] != dir+"libnvrtc-builtins.so.13.0" {
		t.Errorf("builtins not tried first: %q", f.opened)
	}

	// Nothing anywhere.
	empty := fakeTree(t)
	_, tried, err = (&fakeDynlib{}).dynlib().openFirst(cublasLib, discoverArch(cublasLib, envOf(nil), empty, 13, "amd64"), empty, b.symbols())
	if !errors.Is(err, errNotFound) || len(tried) != 0 {
		t.Errorf("nothing installed: %v, tried %v", err, tried)
	}
}
