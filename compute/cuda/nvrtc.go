package cuda

import (
	"fmt"
	"runtime"
	"unsafe"
)

// nvrtc is libnvrtc, NVIDIA's run-time CUDA C++ compiler, bound through
// purego. It turns kernels.cu into a CUBIN (or PTX) for the GPU in use.
type nvrtc struct {
	lib opened

	version, createProgram, compileProgram, destroyProgram uintptr
	getProgramLogSize, getProgramLog                       uintptr
	getCUBINSize, getCUBIN, getPTXSize, getPTX             uintptr
	getErrorString                                         uintptr
	getNumSupportedArchs, getSupportedArchs                uintptr // optional (11.2+)
	errorString                                            func(int32) string
}

func (n *nvrtc) symbols() []symbol {
	return []symbol{
		{name: "nvrtcVersion", dst: &n.version},
		{name: "nvrtcCreateProgram", dst: &n.createProgram},
		{name: "nvrtcCompileProgram", dst: &n.compileProgram},
		{name: "nvrtcDestroyProgram", dst: &n.destroyProgram},
		{name: "nvrtcGetProgramLogSize", dst: &n.getProgramLogSize},
		{name: "nvrtcGetProgramLog", dst: &n.getProgramLog},
		{name: "nvrtcGetCUBINSize", dst: &n.getCUBINSize},
		{name: "nvrtcGetCUBIN", dst: &n.getCUBIN},
		{name: "nvrtcGetPTXSize", dst: &n.getPTXSize},
		{name: "nvrtcGetPTX", dst: &n.getPTX},
		{name: "nvrtcGetErrorString", dst: &n.getErrorString},
		{name: "nvrtcGetNumSupportedArchs", dst: &n.getNumSupportedArchs, optional: true},
		{name: "nvrtcGetSupportedArchs", dst: &n.getSupportedArchs, optional: true},
	}
}

func (n *nvrtc) check(fn string, r uintptr) error {
	code := int32(uint32(r))
	if code == 0 {
		return nil
	}
	if n.errorString == nil {
		n.errorString = stringFunc(n.getErrorString)
	}
	return &nvrtcError{fn: fn, code: int(code), desc: n.errorString(code)}
}

// versionNumbers is nvrtcVersion.
func (n *nvrtc) versionNumbers() (major, minor int, err error) {
	var v [2]int32
	if err := n.check("nvrtcVersion", ccall(n.version, uintptr(unsafe.Pointer(&v[0])), uintptr(unsafe.Pointer(&v[1])))); err != nil {
		return 0, 0, err
	}
	return int(v[0]), int(v[1]), nil
}

// supportedArchs lists the real architectures NVRTC can emit code for
// (75, 80, 86, ...), or nil when this NVRTC cannot tell.
func (n *nvrtc) supportedArchs() ([]int, error) {
	if n.getNumSupportedArchs == 0 || n.getSupportedArchs == 0 {
		return nil, nil
	}
	var count int32
	if err := n.check("nvrtcGetNumSupportedArchs", ccall(n.getNumSupportedArchs, uintptr(unsafe.Pointer(&count)))); err != nil {
		return nil, err
	}
	if count <= 0 || count > 1024 {
		return nil, nil
	}
	archs := make([]int32, count)
	if err := n.check("nvrtcGetSupportedArchs", ccall(n.getSupportedArchs, uintptr(unsafe.Pointer(&archs[0])))); err != nil {
		return nil, err
	}
	out := make([]int, count)
	for i, a := range archs {
		out[i] = int(a)
	}
	return out, nil
}

// cBytes is s as a NUL-terminated byte slice.
func cBytes(s string) []byte { return append([]byte(s), 0) }

// compile compiles CUDA C++ source with the given options and returns the
// CUBIN (cubin true; needs a real --gpu-architecture=sm_XX) or the PTX
// (NUL-terminated, as cuModuleLoadData wants it), and the compiler log.
func (n *nvrtc) compile(src, name string, options []string, cubin bool) ([]byte, string, error) {
	srcZ, nameZ := cBytes(src), cBytes(name)
	var prog uintptr
	if err := n.check("nvrtcCreateProgram", ccall(n.createProgram, uintptr(unsafe.Pointer(&prog)),
		uintptr(unsafe.Pointer(&srcZ[0])), uintptr(unsafe.Pointer(&nameZ[0])), 0, 0, 0)); err != nil {
		return nil, "", err
	}
	defer ccall(n.destroyProgram, uintptr(unsafe.Pointer(&prog)))

	bufs := make([][]byte, len(options))
	ptrs := make([]*byte, len(options)+1) // never empty, so &ptrs[0] is valid
	for i, o := range options {
		bufs[i] = cBytes(o)
		ptrs[i] = &bufs[i][0]
	}
	r := ccall(n.compileProgram, prog, uintptr(len(options)), uintptr(unsafe.Pointer(&ptrs[0])))
	runtime.KeepAlive(bufs)
	log := n.programLog(prog)
	if err := n.check("nvrtcCompileProgram", r); err != nil {
		err.(*nvrtcError).log = log
		return nil, log, err
	}

	sizeFn, getFn, what := n.getPTXSize, n.getPTX, "nvrtcGetPTX"
	if cubin {
		sizeFn, getFn, what = n.getCUBINSize, n.getCUBIN, "nvrtcGetCUBIN"
	}
	var size uint64
	if err := n.check(what+"Size", ccall(sizeFn, prog, uintptr(unsafe.Pointer(&size)))); err != nil {
		return nil, log, err
	}
	if size == 0 || size > 1<<30 {
		return nil, log, fmt.Errorf("%sSize: implausible size %d", what, size)
	}
	image := make([]byte, size)
	if err := n.check(what, ccall(getFn, prog, uintptr(unsafe.Pointer(&image[0])))); err != nil {
		return nil, log, err
	}
	return image, log, nil
}

// programLog returns the compiler's messages for prog (warnings included).
func (n *nvrtc) programLog(prog uintptr) string {
	var size uint64
	if ccall(n.getProgramLogSize, prog, uintptr(unsafe.Pointer(&size))) != 0 || size <= 1 || size > 1<<24 {
		return ""
	}
	buf := make([]byte, size)
	if ccall(n.getProgramLog, prog, uintptr(unsafe.Pointer(&buf[0]))) != 0 {
		return ""
	}
	return goString(&buf[0])
}
