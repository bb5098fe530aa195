package cuda

import (
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// fileSystem is what library discovery reads of the file system. Paths are
// absolute, slash-separated, as the running program sees them; tests root
// them in a temporary folder.
type fileSystem interface {
	// isFile reports whether p names a regular file (following links).
	isFile(p string) bool
	// glob returns the paths matching pattern (path.Match syntax), sorted.
	glob(pattern string) []string
	// readFile returns the contents of p.
	readFile(p string) ([]byte, error)
}

// rootFS is a fileSystem whose "/" is the host folder it names: "/" for the
// real machine, a t.TempDir() in tests.
type rootFS string

func (r rootFS) host(p string) string { return filepath.Join(string(r), filepath.FromSlash(p)) }

func (r rootFS) isFile(p string) bool {
	fi, err := os.Stat(r.host(p))
	return err == nil && fi.Mode().IsRegular()
}

func (r rootFS) glob(pattern string) []string {
	matches, _ := filepath.Glob(r.host(pattern))
	out := make([]string, 0, len(matches))
	root := filepath.Clean(string(r))
	for _, m := range matches {
		rel, err := filepath.Rel(root, m)
		if err != nil {
			continue
		}
		out = append(out, "/"+filepath.ToSlash(rel))
	}
	sort.Strings(out)
	return out
}

func (r rootFS) readFile(p string) ([]byte, error) { return os.ReadFile(r.host(p)) }

// environ looks up an environment variable ("" when unset).
type environ func(string) string

// soname is one shared-library name of a library family with the CUDA major
// version it belongs to (0: any).
type soname struct {
	name  string
	major int
}

// library describes where one family of shared libraries may live.
type library struct {
	// what names the library in messages: "libcuda", "cuBLAS", "NVRTC".
	what string
	// sonames in order of preference (newest first).
	sonames []soname
	// pythonDirs are the folders below a site-packages where pip's NVIDIA
	// wheels put the library.
	pythonDirs []string
	// systemOnly limits the search to the driver's places: the driver is
	// never inside a CUDA toolkit or a Python environment (a toolkit's
	// lib64/stubs/libcuda.so would only fail later).
	systemOnly bool
	// companion, when set, names for a CUDA major version a glob of a
	// library that must be loaded from the same folder first (cuBLAS needs
	// cuBLASLt, NVRTC its builtins).
	companion func(major int) string
}

// candidate is one place a library may be loaded from.
type candidate struct {
	// path is an absolute file path, or a bare soname that the dynamic
	// loader resolves (loader is then true).
	path   string
	soname soname
	loader bool
	// via says how the place was found, for the doctor report.
	via string
}

var (
	libcudaLib = library{
		what:       "libcuda",
		sonames:    []soname{{"libcuda.so.1", 0}, {"libcuda.so", 0}},
		systemOnly: true,
	}
	cublasLib = library{
		what:       "cuBLAS",
		sonames:    []soname{{"libcublas.so.13", 13}, {"libcublas.so.12", 12}, {"libcublas.so.11", 11}},
		pythonDirs: []string{"nvidia/cu13/lib", "nvidia/cu12/lib", "nvidia/cublas/lib"},
		companion:  func(major int) string { return "libcublasLt.so." + strconv.Itoa(major) },
	}
	nvrtcLib = library{
		what:       "NVRTC",
		sonames:    []soname{{"libnvrtc.so.13", 13}, {"libnvrtc.so.12", 12}, {"libnvrtc.so.11.2", 11}},
		pythonDirs: []string{"nvidia/cu13/lib", "nvidia/cu12/lib", "nvidia/cuda_nvrtc/lib"},
		companion:  func(major int) string { return "libnvrtc-builtins.so." + strconv.Itoa(major) + ".*" },
	}
)

// archTriples are the folder names of the running architecture in Debian's
// multiarch layout and in the CUDA toolkit's targets/ tree.
func archTriples(goarch string) (multiarch string, targets []string) {
	switch goarch {
	case "arm64":
		return "aarch64-linux-gnu", []string{"sbsa-linux", "aarch64-linux"}
	default:
		return "x86_64-linux-gnu", []string{"x86_64-linux"}
	}
}

// discover lists, best first, the places lib may be loaded from. It is a
// pure function of the environment, the file system and the CUDA version
// the driver supports (driverMajor, 0 when unknown): libraries of a newer
// CUDA major version than the driver are skipped since they cannot start.
//
// Order: LD_LIBRARY_PATH, CUDA_HOME / CUDA_PATH, the dynamic loader's own
// search (ld.so.cache), then well-known system and toolkit folders, then the
// nvidia/*/lib folders of Python environments (pip's torch wheels).
func discover(lib library, env environ, fsys fileSystem, driverMajor int) []candidate {
	return discoverArch(lib, env, fsys, driverMajor, runtime.GOARCH)
}

func discoverArch(lib library, env environ, fsys fileSystem, driverMajor int, goarch string) []candidate {
	var names []soname
	for _, s := range lib.sonames {
		if driverMajor > 0 && s.major > driverMajor {
			continue
		}
		names = append(names, s)
	}
	var out []candidate
	seen := map[string]bool{}
	addDir := func(dir, via string) {
		if dir == "" || !path.IsAbs(dir) {
			return
		}
		dir = path.Clean(dir)
		if lib.systemOnly && strings.HasSuffix(dir, "/stubs") {
			return
		}
		for _, s := range names {
			p := path.Join(dir, s.name)
			if seen[p] || !fsys.isFile(p) {
				continue
			}
			seen[p] = true
			out = append(out, candidate{path: p, soname: s, via: via})
		}
	}
	addGlob := func(pattern, via string) {
		// Newest first: cuda-13.0 before cuda-12.4, python3.12 before 3.9.
		matches := fsys.glob(pattern)
		sort.Sort(sort.Reverse(versionOrder(matches)))
		for _, dir := range matches {
			addDir(dir, via)
		}
	}
	multiarch, targets := archTriples(goarch)

	for _, dir := range filepath.SplitList(env("LD_LIBRARY_PATH")) {
		addDir(dir, "LD_LIBRARY_PATH")
	}
	if !lib.systemOnly {
		for _, v := range []string{"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"} {
			root := env(v)
			if root == "" {
				continue
			}
			addDir(path.Join(root, "lib64"), v)
			addDir(path.Join(root, "lib"), v)
			for _, t := range targets {
				addDir(path.Join(root, "targets", t, "lib"), v)
			}
		}
	}
	for _, s := range names {
		if !seen[s.name] {
			seen[s.name] = true
			out = append(out, candidate{path: s.name, soname: s, loader: true, via: "the dynamic loader"})
		}
	}
	for _, dir := range []string{
		"/usr/local/nvidia/lib64", "/usr/local/nvidia/lib",
		"/usr/lib/" + multiarch, "/lib/" + multiarch, "/usr/lib64", "/lib64", "/usr/lib",
		"/usr/lib/wsl/lib",
	} {
		addDir(dir, "system folder")
	}
	if lib.systemOnly {
		return out
	}
	for _, root := range []string{"/usr/local/cuda", "/opt/cuda"} {
		addDir(path.Join(root, "lib64"), "CUDA toolkit")
		for _, t := range targets {
			addDir(path.Join(root, "targets", t, "lib"), "CUDA toolkit")
		}
	}
	addGlob("/usr/local/cuda-*/lib64", "CUDA toolkit")
	for _, t := range targets {
		addGlob("/usr/local/cuda-*/targets/"+t+"/lib", "CUDA toolkit")
	}
	for _, sp := range sitePackages(env, fsys) {
		for _, d := range lib.pythonDirs {
			addDir(path.Join(sp, d), "Python packages")
		}
	}
	return out
}

// sitePackages lists the Python package folders worth searching, the active
// environments first. It globs instead of asking python.
func sitePackages(env environ, fsys fileSystem) []string {
	var patterns []string
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if p := env(v); p != "" && path.IsAbs(p) {
			patterns = append(patterns, path.Join(p, "lib/python3*/site-packages"))
		}
	}
	if home := env("HOME"); home != "" && path.IsAbs(home) {
		for _, sub := range []string{
			".local/lib/python3*/site-packages",
			".venv/lib/python3*/site-packages",
			"miniconda3/lib/python3*/site-packages", "anaconda3/lib/python3*/site-packages",
			"miniforge3/lib/python3*/site-packages",
		} {
			patterns = append(patterns, path.Join(home, sub))
		}
	}
	patterns = append(patterns,
		"/usr/local/lib/python3*/site-packages", "/usr/local/lib/python3*/dist-packages",
		"/usr/lib/python3*/site-packages", "/usr/lib/python3/dist-packages",
		"/opt/*/.venv/lib/python3*/site-packages", "/opt/*/venv/lib/python3*/site-packages",
		"/opt/*/lib/python3*/site-packages",
	)
	var out []string
	seen := map[string]bool{}
	for _, p := range patterns {
		matches := fsys.glob(p)
		sort.Sort(sort.Reverse(versionOrder(matches)))
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// versionOrder sorts paths so that embedded numbers compare as numbers
// (python3.12 after python3.9, cuda-12.10 after cuda-12.4).
type versionOrder []string

func (v versionOrder) Len() int           { return len(v) }
func (v versionOrder) Swap(i, j int)      { v[i], v[j] = v[j], v[i] }
func (v versionOrder) Less(i, j int) bool { return naturalLess(v[i], v[j]) }

func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		if da && db {
			na, ra := leadingNumber(a)
			nb, rb := leadingNumber(b)
			if na != nb {
				return na < nb
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func leadingNumber(s string) (int, string) {
	n, i := 0, 0
	for i < len(s) && isDigit(s[i]) {
		if n < 1<<30 {
			n = n*10 + int(s[i]-'0')
		}
		i++
	}
	return n, s[i:]
}

// loadedPath finds in /proc/self/maps text the file the dynamic loader
// mapped for a library loaded by bare soname, so reports can name it:
// "libcublas.so.13" matches /x/libcublas.so.13.1.0.3, "libcuda.so.1" matches
// /y/libcuda.so.580.95.05.
func loadedPath(maps string, name string) string {
	stem := name
	if i := strings.Index(stem, ".so"); i >= 0 {
		stem = stem[:i+3]
	}
	var paths []string
	for _, line := range strings.Split(maps, "\n") {
		if i := strings.IndexByte(line, '/'); i >= 0 {
			paths = append(paths, strings.TrimSpace(line[i:]))
		}
	}
	// The exact soname (or a longer version of it) first, then any version.
	for _, p := range paths {
		if base := path.Base(p); base == name || strings.HasPrefix(base, name+".") {
			return p
		}
	}
	for _, p := range paths {
		if strings.HasPrefix(path.Base(p), stem+".") {
			return p
		}
	}
	return ""
}
