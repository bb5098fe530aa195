package cuda

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// These tests use the real cuBLAS and NVRTC when this machine has them
// (neither needs a GPU for what is done here) and skip otherwise. They
// exercise the purego bindings, the C strings and out-parameters, and the
// compilation of kernels.cu by a real NVRTC.

func hostNVRTC(t *testing.T) *nvrtc {
	t.Helper()
	st := openStack(hostMachine())
	if st.nvrtc == nil {
		t.Skipf("no NVRTC on this machine: %v", st.nvrtcErr)
	}
	return st.nvrtc
}

func TestHostCUBLASVersion(t *testing.T) {
	st := openStack(hostMachine())
	if st.blas == nil {
		t.Skipf("no cuBLAS on this machine: %v", st.blasErr)
	}
	major, minor, patch, err := st.blas.version()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.blas.lib.path, "libcublas.so."+strconv.Itoa(major)) {
		t.Errorf("cuBLAS %d.%d.%d loaded from %s", major, minor, patch, st.blas.lib.path)
	}
	t.Logf("cuBLAS %d.%d.%d at %s (%s)", major, minor, patch, st.blas.lib.path, st.blas.lib.via)
	// The status name comes from the library itself where it has it.
	err = st.blas.check("cublasSgemm_v2", 7)
	if err.Error() != "cublasSgemm_v2: CUBLAS_STATUS_INVALID_VALUE" {
		t.Errorf("status 7: %v", err)
	}
}

func TestHostNVRTCCompilesKernels(t *testing.T) {
	nv := hostNVRTC(t)
	major, minor, err := nv.versionNumbers()
	if err != nil {
		t.Fatal(err)
	}
	archs, err := nv.supportedArchs()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("NVRTC %d.%d at %s, architectures %v", major, minor, nv.lib.path, archs)
	arch := 80
	if len(archs) > 0 && archs[len(archs)-1] < arch {
		arch = archs[len(archs)-1]
	}

	cubin, log, err := nv.compile(kernelSource, "kernels.cu", nvrtcOptions(target{arch: arch, cubin: true}), true)
	if err != nil {
		t.Fatalf("compile to CUBIN: %v", err)
	}
	if !bytes.HasPrefix(cubin, []byte("\x7fELF")) {
		t.Errorf("CUBIN does not start with an ELF header: % x", cubin[:8])
	}
	if err := checkImage(cubin); err != nil {
		t.Errorf("CUBIN: %v", err)
	}
	if strings.TrimSpace(log) != "" {
		t.Errorf("compiler warnings:\n%s", log)
	}

	ptx, _, err := nv.compile(kernelSource, "kernels.cu", nvrtcOptions(target{arch: arch}), false)
	if err != nil {
		t.Fatalf("compile to PTX: %v", err)
	}
	if ptx[len(ptx)-1] != 0 {
		t.Error("PTX is not NUL-terminated (cuModuleLoadData needs it)")
	}
	if err := checkImage(ptx); err != nil {
		t.Errorf("PTX: %v", err)
	}
	checkPTXParams(t, string(ptx[:len(ptx)-1]))
}

// checkPTXParams reads every kernel's parameter list from the PTX and
// checks the sizes and types against kernelSpecs, which cuLaunchKernel's
// argument blocks are built from.
func checkPTXParams(t *testing.T, ptx string) {
	t.Helper()
	entry := regexp.MustCompile(`(?s)\.entry (\w+)\(\s*(.*?)\)`)
	param := regexp.MustCompile(`\.param (?:\.align (\d+) )?\.(\w+) \w+?(?:\[(\d+)\])?$`)
	seen := 0
	for _, m := range entry.FindAllStringSubmatch(ptx, -1) {
		var spec *kernelSpec
		for i := range kernelSpecs {
			if kernelSpecs[i].name == m[1] {
				spec = &kernelSpecs[i]
			}
		}
		if spec == nil {
			t.Errorf("PTX has unexpected kernel %s", m[1])
			continue
		}
		seen++
		lines := strings.Split(m[2], ",")
		if len(lines) != len(spec.params) {
			t.Errorf("%s: PTX has %d parameters, kernelSpecs %d", m[1], len(lines), len(spec.params))
			continue
		}
		for i, l := range lines {
			p := param.FindStringSubmatch(strings.TrimSpace(l))
			if p == nil {
				t.Errorf("%s: cannot read PTX parameter %q", m[1], l)
				continue
			}
			var want string
			switch spec.params[i].kind {
			case pPtr, pLong:
				want = "u64"
			case pInt:
				want = "u32"
			case pFloat:
				want = "f32"
			case pValid:
				want = "b8[" + strconv.Itoa(4*maxSeqsPerLaunch) + "]"
				p[2] += "[" + p[3] + "]"
			}
			if p[2] != want {
				t.Errorf("%s parameter %d (%s): PTX .%s, want .%s", m[1], i, spec.params[i].name, p[2], want)
			}
		}
	}
	if seen != int(numKernels) {
		t.Errorf("PTX has %d of the %d kernels", seen, numKernels)
	}
}

func TestHostNVRTCReportsErrors(t *testing.T) {
	nv := hostNVRTC(t)
	_, log, err := nv.compile("extern \"C\" __global__ void k() { undeclared(); }", "bad.cu", []string{"--gpu-architecture=compute_75"}, false)
	if err == nil {
		t.Fatal("bad source compiled")
	}
	if !strings.HasPrefix(err.Error(), "nvrtcCompileProgram: NVRTC_ERROR_COMPILATION") || !strings.Contains(log, "undeclared") ||
		!strings.Contains(err.Error(), "undeclared") {
		t.Errorf("error %q, log %q", err, log)
	}
	_, _, err = nv.compile("", "x.cu", []string{"--no-such-option"}, false)
	if err == nil || !strings.Contains(err.Error(), "NVRTC_ERROR_INVALID_OPTION") {
		t.Errorf("bad option: %v", err)
	}
}
