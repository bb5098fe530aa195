package cuda

import (
	"fmt"
	"unsafe"
)

// cublas is libcublas bound through purego. Only the handful of calls the
// backend needs: a handle on the backend's stream, the math mode, and FP32
// matrix products (plain and strided-batched).
type cublas struct {
	lib opened

	create, destroy, setStream, setMathMode uintptr
	sgemm, sgemmStridedBatched, getProperty uintptr
	getStatusName                           uintptr // optional (11.4+)
	statusName                              func(int32) string
}

func (c *cublas) symbols() []symbol {
	return []symbol{
		{name: "cublasCreate_v2", dst: &c.create},
		{name: "cublasDestroy_v2", dst: &c.destroy},
		{name: "cublasSetStream_v2", dst: &c.setStream},
		{name: "cublasSetMathMode", dst: &c.setMathMode},
		{name: "cublasSgemm_v2", dst: &c.sgemm},
		{name: "cublasSgemmStridedBatched", dst: &c.sgemmStridedBatched},
		{name: "cublasGetProperty", dst: &c.getProperty},
		{name: "cublasGetStatusName", dst: &c.getStatusName, optional: true},
	}
}

// cuBLAS enums (cublas_api.h, library_types.h).
const (
	cublasOpN               = 0
	cublasOpT               = 1
	cublasDefaultMath       = 0
	cublasTF32TensorOpMath  = 3
	libraryPropMajorVersion = 0
	libraryPropMinorVersion = 1
	libraryPropPatchLevel   = 2
)

func (c *cublas) check(fn string, r uintptr) error {
	code := int32(uint32(r))
	if code == 0 {
		return nil
	}
	e := &blasError{fn: fn, code: int(code)}
	if c.getStatusName != 0 {
		if c.statusName == nil {
			c.statusName = stringFunc(c.getStatusName)
		}
		e.name = c.statusName(code)
	}
	return e
}

// version reads cuBLAS's own version (cublasGetProperty needs no handle).
func (c *cublas) version() (major, minor, patch int, err error) {
	var v [3]int32
	for i, prop := range []int{libraryPropMajorVersion, libraryPropMinorVersion, libraryPropPatchLevel} {
		if err := c.check("cublasGetProperty", ccall(c.getProperty, uintptr(prop), uintptr(unsafe.Pointer(&v[i])))); err != nil {
			return 0, 0, 0, err
		}
	}
	return int(v[0]), int(v[1]), int(v[2]), nil
}

// versionString is "13.1.0", or why the version is unknown.
func (c *cublas) versionString() string {
	major, minor, patch, err := c.version()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return fmt.Sprintf("%d.%d.%d", major, minor, patch)
}
