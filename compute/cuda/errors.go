package cuda

import "fmt"

// cuError is a failed CUDA driver API call.
type cuError struct {
	fn         string
	code       int
	name, desc string // from cuGetErrorName / cuGetErrorString, may be empty
}

func (e *cuError) Error() string {
	name := e.name
	if name == "" {
		name = fmt.Sprintf("CUresult %d", e.code)
	}
	if e.desc != "" {
		return fmt.Sprintf("%s: %s (%s)", e.fn, name, e.desc)
	}
	return fmt.Sprintf("%s: %s", e.fn, name)
}

// CUDA driver result codes the backend treats specially (cuda.h).
const (
	cudaErrorOutOfMemory           = 2
	cudaErrorStubLibrary           = 34
	cudaErrorInsufficientDriver    = 35
	cudaErrorNoDevice              = 100
	cudaErrorInvalidDevice         = 101
	cudaErrorInvalidImage          = 200
	cudaErrorNoBinaryForGPU        = 209
	cudaErrorInvalidPTX            = 218
	cudaErrorUnsupportedPTXVersion = 222
)

// blasError is a failed cuBLAS call.
type blasError struct {
	fn   string
	code int
	name string // cublasGetStatusName when the library has it
}

func (e *blasError) Error() string {
	name := e.name
	if name == "" {
		name = cublasStatusName(e.code)
	}
	return fmt.Sprintf("%s: %s", e.fn, name)
}

// cublasStatusName names a cublasStatus_t (cublas_api.h) for libraries too
// old to name it themselves.
func cublasStatusName(code int) string {
	switch code {
	case 0:
		return "CUBLAS_STATUS_SUCCESS"
	case 1:
		return "CUBLAS_STATUS_NOT_INITIALIZED"
	case 3:
		return "CUBLAS_STATUS_ALLOC_FAILED"
	case 7:
		return "CUBLAS_STATUS_INVALID_VALUE"
	case 8:
		return "CUBLAS_STATUS_ARCH_MISMATCH"
	case 11:
		return "CUBLAS_STATUS_MAPPING_ERROR"
	case 13:
		return "CUBLAS_STATUS_EXECUTION_FAILED"
	case 14:
		return "CUBLAS_STATUS_INTERNAL_ERROR"
	case 15:
		return "CUBLAS_STATUS_NOT_SUPPORTED"
	case 16:
		return "CUBLAS_STATUS_LICENSE_ERROR"
	}
	return fmt.Sprintf("cublasStatus %d", code)
}

// nvrtcError is a failed NVRTC call; log holds the compiler's output when
// the call was the compilation.
type nvrtcError struct {
	fn   string
	code int
	desc string
	log  string
}

func (e *nvrtcError) Error() string {
	desc := e.desc
	if desc == "" {
		desc = fmt.Sprintf("nvrtcResult %d", e.code)
	}
	if e.log != "" {
		return fmt.Sprintf("%s: %s\n%s", e.fn, desc, e.log)
	}
	return fmt.Sprintf("%s: %s", e.fn, desc)
}
