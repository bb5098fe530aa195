package cuda

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestKernelSpecsMatchSource parses the extern "C" kernels of kernels.cu and
// checks that kernelSpecs, which the launches are built from, declares the
// same parameters in the same order with the same C types.
func TestKernelSpecsMatchSource(t *testing.T) {
	decl := regexp.MustCompile(`extern "C" __global__ void (\w+)\(([^)]*)\)`)
	found := map[string][]param{}
	for _, m := range decl.FindAllStringSubmatch(kernelSource, -1) {
		var ps []param
		for _, p := range strings.Split(m[2], ",") {
			f := strings.Fields(strings.ReplaceAll(p, "*", " * "))
			name := f[len(f)-1]
			typ := strings.Join(f[:len(f)-1], " ")
			var kind paramKind
			switch typ {
			case "float *", "const float *":
				kind = pPtr
			case "int":
				kind = pInt
			case "long long":
				kind = pLong
			case "float":
				kind = pFloat
			case "ValidKeys":
				kind = pValid
			default:
				t.Fatalf("kernel %s parameter %q: unknown C type %q", m[1], p, typ)
			}
			ps = append(ps, param{name, kind})
		}
		found[m[1]] = ps
	}
	if len(found) != int(numKernels) {
		t.Errorf("kernels.cu declares %d kernels, kernelSpecs %d", len(found), numKernels)
	}
	for _, spec := range kernelSpecs {
		got, ok := found[spec.name]
		if !ok {
			t.Errorf("kernel %s missing from kernels.cu", spec.name)
			continue
		}
		if len(got) != len(spec.params) {
			t.Errorf("kernel %s: kernels.cu has %d parameters, kernelSpecs %d", spec.name, len(got), len(spec.params))
			continue
		}
		for i := range got {
			if got[i] != spec.params[i] {
				t.Errorf("kernel %s parameter %d: kernels.cu %+v, kernelSpecs %+v", spec.name, i, got[i], spec.params[i])
			}
		}
	}
	m := regexp.MustCompile(`#define MAX_SEQS_PER_LAUNCH (\d+)`).FindStringSubmatch(kernelSource)
	if m == nil || m[1] != strconv.Itoa(maxSeqsPerLaunch) {
		t.Errorf("MAX_SEQS_PER_LAUNCH in kernels.cu is %v, maxSeqsPerLaunch %d", m, maxSeqsPerLaunch)
	}
	if strings.Contains(kernelSource, "#include") {
		t.Error("kernels.cu includes a header: NVRTC has no system headers")
	}
}

func TestKernelArgs(t *testing.T) {
	if a := intArg(-3); a.int() != -3 || a.bits != 0xfffffffd {
		t.Errorf("intArg(-3) = %#x", a.bits)
	}
	if a := floatArg(1.5); a.float() != 1.5 || a.bits != 0x3fc00000 {
		t.Errorf("floatArg(1.5) = %#x", a.bits)
	}
	if a := longArg(1 << 40); a.long() != 1<<40 {
		t.Errorf("longArg = %d", a.long())
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("intArg(1<<40) did not panic")
			}
		}()
		intArg(1 << 40)
	}()
	good := []karg{ptrArg(8), longArg(0), intArg(1), intArg(2), validArg()}
	if err := checkArgs(kMaskedSoftmax, good, []int32{1}); err != nil {
		t.Errorf("valid arguments rejected: %v", err)
	}
	for name, c := range map[string]struct {
		args  []karg
		valid []int32
	}{
		"too few":         {good[:4], []int32{1}},
		"wrong kind":      {[]karg{ptrArg(8), intArg(0), intArg(1), intArg(2), validArg()}, []int32{1}},
		"no counts":       {good, nil},
		"too many counts": {good, make([]int32, maxSeqsPerLaunch+1)},
	} {
		if err := checkArgs(kMaskedSoftmax, c.args, c.valid); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestMemcpy2DLayout checks the Go mirror of CUDA_MEMCPY2D against cuda.h's
// layout on 64-bit hosts.
func TestMemcpy2DLayout(t *testing.T) {
	var d cudaMemcpy2D
	if s := unsafe.Sizeof(d); s != 128 {
		t.Fatalf("sizeof = %d, want 128", s)
	}
	offsets := map[string][2]uintptr{
		"srcMemoryType": {unsafe.Offsetof(d.srcMemoryType), 16},
		"srcHost":       {unsafe.Offsetof(d.srcHost), 24},
		"srcDevice":     {unsafe.Offsetof(d.srcDevice), 32},
		"srcPitch":      {unsafe.Offsetof(d.srcPitch), 48},
		"dstXInBytes":   {unsafe.Offsetof(d.dstXInBytes), 56},
		"dstMemoryType": {unsafe.Offsetof(d.dstMemoryType), 72},
		"dstHost":       {unsafe.Offsetof(d.dstHost), 80},
		"dstDevice":     {unsafe.Offsetof(d.dstDevice), 88},
		"dstPitch":      {unsafe.Offsetof(d.dstPitch), 104},
		"widthInBytes":  {unsafe.Offsetof(d.widthInBytes), 112},
		"height":        {unsafe.Offsetof(d.height), 120},
	}
	for name, o := range offsets {
		if o[0] != o[1] {
			t.Errorf("%s at offset %d, want %d", name, o[0], o[1])
		}
	}
}

func TestChooseTarget(t *testing.T) {
	cuda13 := []int{75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121}
	cases := []struct {
		major, minor int
		archs        []int
		want         string
		err          string
	}{
		{9, 0, cuda13, "sm_90", ""},
		{9, 0, nil, "sm_90", ""},
		{8, 6, []int{75, 80, 86, 90}, "sm_86", ""},
		{12, 0, []int{75, 80, 86, 90}, "compute_90 (PTX)", ""},
		{8, 7, []int{75, 80, 86, 90}, "compute_86 (PTX)", ""},
		{7, 0, cuda13, "", "not supported by this NVRTC"},
		{6, 1, nil, "", "the GPU's compute capability 6.1 is not supported (the cuda backend needs 7.0 or newer)"},
	}
	for _, c := range cases {
		got, err := chooseTarget(c.major, c.minor, c.archs)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%d.%d: err %v, want %q", c.major, c.minor, err, c.err)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("%d.%d with %v = %v, %v; want %s", c.major, c.minor, c.archs, got, err, c.want)
		}
	}
	if o := nvrtcOptions(target{arch: 90, cubin: true}); len(o) != 1 || o[0] != "--gpu-architecture=sm_90" {
		t.Errorf("options %q", o)
	}
	for _, o := range nvrtcOptions(target{arch: 90}) {
		if strings.Contains(o, "fast") {
			t.Errorf("fast math option %q would break float32 accuracy", o)
		}
	}
}
