package cuda

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// kernelSource is the CUDA C++ of the non-GEMM operations, compiled at run
// time by NVRTC for the GPU in use.
//
//go:embed kernels.cu
var kernelSource string

// kernelID names one kernel of kernels.cu.
type kernelID int

const (
	kLayerNorm kernelID = iota
	kBiasAct
	kAdd
	kMaskedSoftmax
	numKernels
)

// paramKind is the C type of a kernel parameter.
type paramKind uint8

const (
	pPtr   paramKind = iota + 1 // float* or const float* (8 bytes)
	pInt                        // int (4 bytes)
	pLong                       // long long (8 bytes)
	pFloat                      // float (4 bytes)
	pValid                      // struct ValidKeys, passed by value
)

// param is one kernel parameter as kernels.cu declares it.
type param struct {
	name string
	kind paramKind
}

// kernelSpec is a kernel's name and parameter list; kernels_test.go checks
// it against the extern "C" declarations in kernels.cu.
type kernelSpec struct {
	name   string
	params []param
}

// maxSeqsPerLaunch is MAX_SEQS_PER_LAUNCH of kernels.cu: the number of
// sequences whose valid-key counts one masked_softmax launch carries.
const maxSeqsPerLaunch = 128

var kernelSpecs = [numKernels]kernelSpec{
	kLayerNorm: {"layer_norm", []param{{"dst", pPtr}, {"ldd", pInt}, {"x", pPtr}, {"ldx", pInt},
		{"gain", pPtr}, {"bias", pPtr}, {"cols", pInt}, {"eps", pFloat}}},
	kBiasAct: {"bias_act", []param{{"y", pPtr}, {"ldy", pInt}, {"rows", pInt}, {"cols", pInt},
		{"bias", pPtr}, {"act", pInt}}},
	kAdd: {"add", []param{{"dst", pPtr}, {"ldd", pInt}, {"a", pPtr}, {"lda", pInt}, {"b", pPtr}, {"ldb", pInt},
		{"rows", pInt}, {"cols", pInt}}},
	kMaskedSoftmax: {"masked_softmax", []param{{"p", pPtr}, {"seq_stride", pLong}, {"ldp", pInt}, {"klen", pInt},
		{"valid", pValid}}},
}

// karg is one kernel argument: its kind and its bits (little-endian, as
// the kernel reads them). A pValid argument's values travel in launch's
// valid slice.
type karg struct {
	kind paramKind
	bits uint64
}

func ptrArg(p uintptr) karg { return karg{pPtr, uint64(p)} }

func intArg(v int) karg {
	if v < math.MinInt32 || v > math.MaxInt32 {
		panic(fmt.Sprintf("cuda: kernel argument %d does not fit a C int", v))
	}
	return karg{pInt, uint64(uint32(int32(v)))}
}

func longArg(v int64) karg        { return karg{pLong, uint64(v)} }
func floatArg(v float32) karg     { return karg{pFloat, uint64(math.Float32bits(v))} }
func validArg() karg              { return karg{kind: pValid} }
func (a karg) int() int           { return int(int32(uint32(a.bits))) }
func (a karg) ptr() uintptr       { return uintptr(a.bits) }
func (a karg) long() int64        { return int64(a.bits) }
func (a karg) float() float32     { return math.Float32frombits(uint32(a.bits)) }
func (k kernelID) String() string { return kernelSpecs[k].name }

// checkArgs verifies a launch's arguments against the kernel's parameters.
func checkArgs(k kernelID, args []karg, valid []int32) error {
	spec := kernelSpecs[k]
	if len(args) != len(spec.params) {
		return fmt.Errorf("kernel %s takes %d arguments, got %d", spec.name, len(spec.params), len(args))
	}
	for i, a := range args {
		if a.kind != spec.params[i].kind {
			return fmt.Errorf("kernel %s argument %d (%s) has the wrong type", spec.name, i, spec.params[i].name)
		}
		if a.kind == pValid && (len(valid) == 0 || len(valid) > maxSeqsPerLaunch) {
			return fmt.Errorf("kernel %s: %d valid-key counts, want 1 to %d", spec.name, len(valid), maxSeqsPerLaunch)
		}
	}
	return nil
}

// dim3 is a CUDA grid or block size.
type dim3 struct{ x, y, z uint32 }

// target is what NVRTC compiles kernels.cu for.
type target struct {
	arch  int  // 90 for sm_90 / compute_90
	cubin bool // real architecture (CUBIN); false: virtual (PTX, JIT by the driver)
}

// option is NVRTC's --gpu-architecture flag for t.
func (t target) option() string {
	if t.cubin {
		return fmt.Sprintf("--gpu-architecture=sm_%d", t.arch)
	}
	return fmt.Sprintf("--gpu-architecture=compute_%d", t.arch)
}

func (t target) String() string {
	if t.cubin {
		return fmt.Sprintf("sm_%d", t.arch)
	}
	return fmt.Sprintf("compute_%d (PTX)", t.arch)
}

// minComputeCapability is the oldest GPU generation the backend supports
// (Volta); NVRTC and cuBLAS may demand newer.
const minComputeCapability = 70

// chooseTarget picks what to compile for a GPU of compute capability
// major.minor given the architectures NVRTC lists (nil: unknown, assume the
// GPU's own). A listed architecture gets a CUBIN; a GPU newer than every
// listed one gets PTX of the newest listed architecture below it, which
// the driver compiles on load.
func chooseTarget(major, minor int, archs []int) (target, error) {
	cc := major*10 + minor
	if cc < minComputeCapability {
		return target{}, fmt.Errorf("the GPU's compute capability %d.%d is not supported (the cuda backend needs %d.%d or newer)",
			major, minor, minComputeCapability/10, minComputeCapability%10)
	}
	if len(archs) == 0 {
		return target{arch: cc, cubin: true}, nil
	}
	sorted := append([]int(nil), archs...)
	sort.Ints(sorted)
	best := 0
	for _, a := range sorted {
		if a == cc {
			return target{arch: cc, cubin: true}, nil
		}
		if a < cc {
			best = a
		}
	}
	if best == 0 {
		return target{}, fmt.Errorf("the GPU's compute capability %d.%d is not supported by this NVRTC (it knows sm_%d to sm_%d): install a CUDA toolkit that supports it",
			major, minor, sorted[0], sorted[len(sorted)-1])
	}
	// Same major generation but a minor NVRTC does not list (sm_87 on an
	// NVRTC that lists 86), or a newer generation: PTX runs on both.
	return target{arch: best, cubin: false}, nil
}

// nvrtcOptions are the compiler flags for t. Deliberately no
// --use_fast_math: expf, tanhf, erff, sqrtf and division keep full float32
// accuracy.
func nvrtcOptions(t target) []string {
	return []string{t.option()}
}

// checkImage rejects what is neither a CUBIN (an ELF file) nor PTX text
// ending in NUL before the driver reads it: cuModuleLoadData reads PTX up
// to its NUL, so a damaged cache file must not reach it.
func checkImage(image []byte) error {
	switch {
	case len(image) >= 4 && string(image[:4]) == "\x7fELF":
		return nil
	case len(image) > 0 && image[len(image)-1] == 0 && strings.Contains(string(image[:min(len(image), 4096)]), ".version"):
		return nil
	}
	return errors.New("the kernel image is neither a CUBIN nor PTX")
}
