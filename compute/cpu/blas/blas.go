// Package blas loads a BLAS library (OpenBLAS, Apple Accelerate, or one named
// by the user) at run time, without cgo, and exposes the one routine the CPU
// backend needs: single-precision matrix multiplication (sgemm). It uses
// github.com/ebitengine/purego, so `CGO_ENABLED=0 go build` keeps working and
// a machine without the library still runs, on the pure-Go fallback.
//
// The routine is called through the Fortran interface (sgemm_), where every
// argument is passed by reference: that avoids mixing integer and float
// register arguments, which purego's allocation-free SyscallN cannot do.
// A library without sgemm_ is called through the C interface (cblas_sgemm)
// with purego's RegisterFunc, which handles every platform's calling
// convention (Apple's arm64 packing of stack arguments included) at the
// cost of a small allocation per call; InterfaceEnvVar forces either.
package blas

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// InstallHint is a one-line message telling the user how to install
// OpenBLAS on this operating system, for status lines when no BLAS was found.
func InstallHint() string {
	switch runtime.GOOS {
	case "darwin":
		return "no BLAS library found: Accelerate should always be present on macOS; `brew install openblas` is an alternative (set SIGLIP2_BLAS to its libopenblas.dylib)"
	case "linux":
		return "OpenBLAS not found, using the slower pure-Go matrix multiply: install it with `sudo apt install libopenblas0-pthread` (Debian/Ubuntu), `sudo dnf install openblas-threads` (Fedora) or `sudo pacman -S openblas` (Arch)"
	case "freebsd":
		return "OpenBLAS not found, using the slower pure-Go matrix multiply: install it with `pkg install openblas`"
	case "windows":
		return "BLAS libraries are not loaded on Windows yet; using the pure-Go matrix multiply"
	}
	return "OpenBLAS not found, using the slower pure-Go matrix multiply: install OpenBLAS with your package manager"
}

// Library is an opened BLAS library. Its methods may be called from several
// goroutines at once, except that each concurrent Sgemm caller needs its own
// Call.
type Library struct {
	// Path is the name the library was opened under.
	Path string
	// Vendor names the implementation: "OpenBLAS", "Accelerate" or "BLAS"
	// when it could not be identified.
	Vendor string
	// Interface is the routine products call: "sgemm_" (Fortran) or
	// "cblas_sgemm" (C).
	Interface string

	handle     uintptr
	sgemm      uintptr // sgemm_, 0 when products go through cblas
	cblas      cblasSgemm
	coreName   uintptr // openblas_get_corename, 0 when absent
	config     uintptr // openblas_get_config
	setThreads uintptr // openblas_set_num_threads
	getThreads uintptr // openblas_get_num_threads
}

// CoreName is the kernel family OpenBLAS selected for this CPU (for example
// "Zen", "SkylakeX", "Haswell"; OPENBLAS_CORETYPE in the environment forces
// it), or "" when the library does not say.
func (l *Library) CoreName() string { return l.cString(l.coreName) }

// Config is OpenBLAS's build description (version, threading model, core
// count), or "" when the library does not say.
func (l *Library) Config() string { return l.cString(l.config) }

// SetNumThreads sets how many threads the library itself uses for one call.
// It is process-wide. It does nothing when the library has no such control.
func (l *Library) SetNumThreads(n int) {
	if l.setThreads != 0 && n > 0 {
		syscall(l.setThreads, uintptr(n))
	}
}

// NumThreads is how many threads the library uses for one call, or 0 when
// it does not say.
func (l *Library) NumThreads() int {
	if l.getThreads == 0 {
		return 0
	}
	r := syscall(l.getThreads)
	return int(int32(r))
}

// String describes the library in one line.
func (l *Library) String() string {
	s := l.Vendor
	if cfg := l.Config(); cfg != "" {
		s += " (" + cfg + ")"
	}
	if core := l.CoreName(); core != "" {
		s += ", core " + core
	}
	return s + ", " + l.Path
}

func (l *Library) cString(fn uintptr) string {
	if fn == 0 {
		return ""
	}
	p := syscall(fn)
	if p == 0 {
		return ""
	}
	var b []byte
	for i := uintptr(0); i < 4096; i++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(nil), p+i)) // a C string owned by the library
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

// cblasSgemm is the C interface's signature (CBLAS's ints are 32-bit in
// the LP64 libraries loaded here: OpenBLAS's default build, Accelerate).
type cblasSgemm func(order, transA, transB, m, n, k int32, alpha float32, a *float32, lda int32,
	b *float32, ldb int32, beta float32, c *float32, ldc int32)

// CBLAS enumerations.
const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

// Call holds the by-reference scalar arguments of one Fortran sgemm call, so
// a call allocates nothing. Every goroutine calling Sgemm at the same time as
// another needs its own Call.
type Call struct {
	lib            *Library
	transA, transB byte
	// Integers are 64-bit so both LP64 and ILP64 libraries read them
	// correctly (little-endian: the low 32 bits come first).
	m, n, k, lda, ldb, ldc int64
	alpha, beta            float32
	// args is the argument list handed to purego.SyscallN; a variadic
	// list built in the call expression would be allocated on every call.
	args [15]uintptr
	// a, b and c hold the operands during a call: storing them makes the
	// compiler keep their memory on the heap, where it never moves, so the
	// addresses in args stay valid.
	a, b, c []float32
}

// NewCall returns a Call for this library.
func (l *Library) NewCall() *Call { return &Call{lib: l} }

// Sgemm computes the row-major product C = alpha·op(A)·op(B) + beta·C where
// C is m×n, op(A) is m×k (A is stored k×m when transA) and op(B) is k×n (B
// is stored n×k when transB), each with the given leading dimension (row
// stride). With beta = 0, C need not be initialised. It panics when a slice
// is too short for its shape, which would otherwise corrupt memory.
func (c *Call) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cm []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if k <= 0 {
		// Nothing to multiply: C = beta·C, which BLAS would also do, but
		// its argument checks reject a zero leading dimension.
		for i := 0; i < m; i++ {
			row := cm[i*ldc : i*ldc+n]
			for j := range row {
				if beta == 0 {
					row[j] = 0
				} else {
					row[j] *= beta
				}
			}
		}
		return
	}
	lda, ldb, ldc = max(lda, ac), max(ldb, bc), max(ldc, n)
	if len(a) < (ar-1)*lda+ac || len(b) < (br-1)*ldb+bc || len(cm) < (m-1)*ldc+n {
		panic(fmt.Sprintf("blas: sgemm %dx%dx%d with slices of %d, %d, %d elements", m, n, k, len(a), len(b), len(cm)))
	}
	if c.lib.cblas != nil {
		c.sgemmC(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cm, ldc)
		return
	}
	// Row-major C is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands.
	c.transA, c.transB = 'N', 'N'
	if transB {
		c.transA = 'T'
	}
	if transA {
		c.transB = 'T'
	}
	c.m, c.n, c.k = int64(n), int64(m), int64(k)
	c.lda, c.ldb, c.ldc = int64(ldb), int64(lda), int64(ldc)
	c.alpha, c.beta = alpha, beta
	c.a, c.b, c.c = a, b, cm
	c.args = [15]uintptr{
		uintptr(unsafe.Pointer(&c.transA)), uintptr(unsafe.Pointer(&c.transB)),
		uintptr(unsafe.Pointer(&c.m)), uintptr(unsafe.Pointer(&c.n)), uintptr(unsafe.Pointer(&c.k)),
		uintptr(unsafe.Pointer(&c.alpha)),
		uintptr(unsafe.Pointer(&c.b[0])), uintptr(unsafe.Pointer(&c.lda)),
		uintptr(unsafe.Pointer(&c.a[0])), uintptr(unsafe.Pointer(&c.ldb)),
		uintptr(unsafe.Pointer(&c.beta)),
		uintptr(unsafe.Pointer(&c.c[0])), uintptr(unsafe.Pointer(&c.ldc)),
		1, 1, // hidden Fortran lengths of the two character arguments
	}
	syscall(c.lib.sgemm, c.args[:]...)
	runtime.KeepAlive(c)
	c.a, c.b, c.c = nil, nil, nil
}

// sgemmC makes the call through cblas_sgemm, which takes row-major
// operands as they are. The checks of Sgemm have passed.
func (c *Call) sgemmC(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cm []float32, ldc int) {
	for _, v := range [...]int{m, n, k, lda, ldb, ldc} {
		if v > math.MaxInt32 {
			panic(fmt.Sprintf("blas: cblas_sgemm %dx%dx%d (leading dimensions %d, %d, %d) exceeds 32-bit sizes", m, n, k, lda, ldb, ldc))
		}
	}
	op := func(t bool) int32 {
		if t {
			return cblasTrans
		}
		return cblasNoTrans
	}
	c.lib.cblas(cblasRowMajor, op(transA), op(transB), int32(m), int32(n), int32(k), alpha, &a[0], int32(lda),
		&b[0], int32(ldb), beta, &cm[0], int32(ldc))
}
