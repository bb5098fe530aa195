package cuda

import (
	"fmt"
	"strings"
)

// Report is what Probe found out about this machine's CUDA setup, for a
// "doctor" command. It never holds a GPU: no context is created.
type Report struct {
	// Driver is libcuda; its Version is the newest CUDA version the driver
	// supports ("13.0") and Release the driver's own ("580.95.05").
	Driver  Library
	Release string
	// Devices lists the GPUs the driver sees.
	Devices []Device
	CUBLAS  Library
	NVRTC   Library
	// KernelCache is the folder compiled kernels are kept in ("" if none).
	KernelCache string
	// Problem is why New(Options{}) would fail, one sentence, or "".
	Problem string
}

// Library is one shared library the backend loads.
type Library struct {
	Path    string // the file loaded, or "" when none was
	Via     string // how it was found: "LD_LIBRARY_PATH", "CUDA_HOME", ...
	Version string
	Err     string // why it could not be used, or ""
	// Tried lists places that were found but failed, as "path: reason".
	Tried []string
}

// Device is one GPU.
type Device struct {
	Index                      int
	Name                       string
	ComputeMajor, ComputeMinor int
	Multiprocessors            int
	MemoryBytes                uint64
	Err                        string // why its properties could not be read
}

// Probe looks for the CUDA driver, the GPUs, cuBLAS and NVRTC without
// opening a GPU, and says what it found and what is missing.
func Probe() Report {
	return probe(hostMachine())
}

func probe(m machine) Report {
	r := Report{KernelCache: defaultCacheDir()}
	st := openStack(m)
	r.Driver.Tried = tried(st.tried[libcudaLib.what])
	r.CUBLAS.Tried = tried(st.tried[cublasLib.what])
	r.NVRTC.Tried = tried(st.tried[nvrtcLib.what])
	if st.drvErr != nil {
		r.Driver.Err = st.drvErr.Error()
		r.problem(st.drvErr)
	} else {
		r.probeDriver(st, m)
	}
	r.probeLibraries(st)
	return r
}

// problem records the first reason New would fail.
func (r *Report) problem(err error) {
	if r.Problem == "" && err != nil {
		r.Problem = err.Error()
	}
}

// probeDriver fills in the driver's and the GPUs' part of the report.
func (r *Report) probeDriver(st *stack, m machine) {
	r.Driver.Path, r.Driver.Via = st.drv.lib.path, st.drv.lib.via
	r.Driver.Version = cudaVersionString(st.driverVersion)
	r.Release = driverRelease(m.fs)
	if err := st.drv.init(); err != nil {
		e := initError(st.drv, err)
		r.Driver.Err = e.Error()
		r.problem(e)
	} else if count, err := st.drv.deviceCount(); err != nil {
		e := initError(st.drv, err)
		r.Driver.Err = e.Error()
		r.problem(e)
	} else {
		r.problem(checkOrdinal(0, count))
		for i := 0; i < count; i++ {
			info, err := st.drv.deviceInfo(i)
			d := Device{Index: i, Name: info.name, ComputeMajor: info.major, ComputeMinor: info.minor,
				Multiprocessors: info.multiprocessors, MemoryBytes: info.memory}
			if err != nil {
				d.Err = err.Error()
			} else if i == 0 {
				if _, err := chooseTarget(info.major, info.minor, nil); err != nil {
					r.problem(err)
				}
			}
			r.Devices = append(r.Devices, d)
		}
	}
}

// probeLibraries fills in cuBLAS's and NVRTC's part of the report.
func (r *Report) probeLibraries(st *stack) {
	if st.blas != nil {
		r.CUBLAS.Path, r.CUBLAS.Via, r.CUBLAS.Version = st.blas.lib.path, st.blas.lib.via, st.blas.versionString()
	} else {
		r.CUBLAS.Err = st.blasErr.Error()
		r.problem(st.blasErr)
	}
	if st.nvrtc != nil {
		r.NVRTC.Path, r.NVRTC.Via = st.nvrtc.lib.path, st.nvrtc.lib.via
		if major, minor, err := st.nvrtc.versionNumbers(); err != nil {
			r.NVRTC.Version = "unknown (" + err.Error() + ")"
		} else {
			r.NVRTC.Version = fmt.Sprintf("%d.%d", major, minor)
		}
		if len(r.Devices) > 0 && r.Devices[0].Err == "" {
			archs, err := st.nvrtc.supportedArchs()
			if err == nil {
				_, err = chooseTarget(r.Devices[0].ComputeMajor, r.Devices[0].ComputeMinor, archs)
			}
			r.problem(err)
		}
	} else {
		r.NVRTC.Err = st.nvrtcErr.Error()
		r.problem(st.nvrtcErr)
	}
}

func tried(as []attempt) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Path+": "+a.Err)
	}
	return out
}

// driverRelease reads the kernel module's version ("580.95.05") from
// /proc/driver/nvidia/version, or "" when it is not there.
func driverRelease(fsys fileSystem) string {
	b, err := fsys.readFile("/proc/driver/nvidia/version")
	if err != nil {
		return ""
	}
	return parseDriverRelease(string(b))
}

// parseDriverRelease finds the version in a line like
// "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  Thu Sep ...".
func parseDriverRelease(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "NVRM version:") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if strings.Count(f, ".") >= 1 && f[0] >= '0' && f[0] <= '9' {
				return f
			}
		}
	}
	return ""
}

// String formats the report for people, one fact per line.
func (r Report) String() string {
	var sb strings.Builder
	lib := func(name string, l Library) {
		switch {
		case l.Path != "":
			fmt.Fprintf(&sb, "%-8s %s (%s), version %s\n", name+":", l.Path, l.Via, l.Version)
			if l.Err != "" {
				fmt.Fprintf(&sb, "%-8s %s\n", "", l.Err)
			}
		default:
			fmt.Fprintf(&sb, "%-8s %s\n", name+":", l.Err)
		}
		for _, t := range l.Tried {
			fmt.Fprintf(&sb, "%-8s tried %s\n", "", t)
		}
	}
	lib("driver", r.Driver)
	if r.Release != "" {
		fmt.Fprintf(&sb, "%-8s NVIDIA driver %s\n", "", r.Release)
	}
	for _, d := range r.Devices {
		if d.Err != "" {
			fmt.Fprintf(&sb, "GPU %d:   %s\n", d.Index, d.Err)
			continue
		}
		fmt.Fprintf(&sb, "GPU %d:   %s, compute capability %d.%d, %d SMs, %.1f GiB\n",
			d.Index, d.Name, d.ComputeMajor, d.ComputeMinor, d.Multiprocessors, float64(d.MemoryBytes)/(1<<30))
	}
	lib("cuBLAS", r.CUBLAS)
	lib("NVRTC", r.NVRTC)
	if r.KernelCache != "" {
		fmt.Fprintf(&sb, "%-8s %s\n", "cache:", r.KernelCache)
	}
	if r.Problem != "" {
		fmt.Fprintf(&sb, "status:  unusable: %s\n", r.Problem)
	} else {
		fmt.Fprintf(&sb, "status:  ready\n")
	}
	return sb.String()
}
