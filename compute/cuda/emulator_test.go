package cuda

import (
	"fmt"
	"math"
	"sort"
)

// emulator is a gpu in host memory for testing the backend without a GPU.
// It follows the semantics of the real calls (cuBLAS column-major GEMM
// with its leading-dimension rules, the kernels of kernels.cu as their
// comments define them) and rejects anything the real device would get
// wrong: addresses outside an allocation, leading dimensions too small, a
// GEMM writing memory it reads, unbalanced enter/leave, launches whose
// arguments do not match the kernel's parameters. New memory is filled
// with NaN, as real device memory holds garbage, so reading what was never
// written shows up in the results.
type emulator struct {
	allocs []emuAlloc // sorted by base
	next   uintptr
	depth  int // enter/leave nesting

	launches map[string]int
	gemms    int
	// failGemm, when not nil, is returned by the next gemm call.
	failGemm error
	closed   bool
}

type emuAlloc struct {
	base uintptr
	data []float32
}

func newEmulator() *emulator {
	return &emulator{next: 0x7f0000000000, launches: map[string]int{}}
}

func (e *emulator) enter() error {
	e.depth++
	return nil
}

func (e *emulator) leave() {
	if e.depth <= 0 {
		panic("emulator: leave without enter")
	}
	e.depth--
}

func (e *emulator) inside(what string) error {
	if e.depth <= 0 {
		return fmt.Errorf("emulator: %s outside enter/leave", what)
	}
	if e.closed {
		return fmt.Errorf("emulator: %s after close", what)
	}
	return nil
}

func (e *emulator) alloc(bytes int) (uintptr, error) {
	if err := e.inside("alloc"); err != nil {
		return 0, err
	}
	if bytes <= 0 || bytes%4 != 0 {
		return 0, fmt.Errorf("emulator: alloc %d bytes", bytes)
	}
	data := make([]float32, bytes/4)
	for i := range data {
		data[i] = float32(math.NaN())
	}
	p := e.next
	e.next += uintptr(bytes+4096) &^ 255 // 256-aligned, with a gap that catches overruns
	e.allocs = append(e.allocs, emuAlloc{p, data})
	sort.Slice(e.allocs, func(i, j int) bool { return e.allocs[i].base < e.allocs[j].base })
	return p, nil
}

func (e *emulator) free(p uintptr) error {
	if err := e.inside("free"); err != nil {
		return err
	}
	for i, a := range e.allocs {
		if a.base == p {
			e.allocs = append(e.allocs[:i], e.allocs[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("emulator: free of %#x, not an allocation", p)
}

// mem returns n float32s from device address p.
func (e *emulator) mem(p uintptr, n int) ([]float32, error) {
	if n == 0 {
		return nil, nil
	}
	if p%4 != 0 {
		return nil, fmt.Errorf("emulator: misaligned address %#x", p)
	}
	for _, a := range e.allocs {
		end := a.base + uintptr(4*len(a.data))
		if p >= a.base && p < end {
			off := int(p-a.base) / 4
			if off+n > len(a.data) {
				return nil, fmt.Errorf("emulator: %d floats at %#x run %d past the end of a %d-float allocation",
					n, p, off+n-len(a.data), len(a.data))
			}
			return a.data[off : off+n], nil
		}
	}
	return nil, fmt.Errorf("emulator: address %#x is not in any allocation", p)
}

// matrix returns the memory of rows×cols floats with leading dimension ld
// (row-major rows, or column-major columns) and an accessor.
func (e *emulator) matrix(p uintptr, rows, cols, ld int) ([]float32, error) {
	if rows == 0 || cols == 0 {
		return nil, nil
	}
	if ld < cols {
		return nil, fmt.Errorf("emulator: leading dimension %d < %d", ld, cols)
	}
	return e.mem(p, (rows-1)*ld+cols)
}

func (e *emulator) zero(p uintptr, n int) error {
	if err := e.inside("zero"); err != nil {
		return err
	}
	m, err := e.mem(p, n)
	if err != nil {
		return err
	}
	clear(m)
	return nil
}

func (e *emulator) copy(c copy2D) error {
	if err := e.inside("copy"); err != nil {
		return err
	}
	if c.width <= 0 || c.height <= 0 {
		return nil
	}
	if c.srcPitch < c.width || c.dstPitch < c.width {
		return fmt.Errorf("emulator: copy pitches %d, %d < width %d", c.srcPitch, c.dstPitch, c.width)
	}
	need := (c.height-1)*c.srcPitch + c.width
	src := c.srcHost
	if src == nil {
		var err error
		if src, err = e.mem(c.src, need); err != nil {
			return err
		}
	} else if len(src) < need {
		return fmt.Errorf("emulator: host source of %d floats, copy needs %d", len(src), need)
	}
	need = (c.height-1)*c.dstPitch + c.width
	dst := c.dstHost
	if dst == nil {
		var err error
		if dst, err = e.mem(c.dst, need); err != nil {
			return err
		}
	} else if len(dst) < need {
		return fmt.Errorf("emulator: host destination of %d floats, copy needs %d", len(dst), need)
	}
	for r := 0; r < c.height; r++ {
		copy(dst[r*c.dstPitch:r*c.dstPitch+c.width], src[r*c.srcPitch:r*c.srcPitch+c.width])
	}
	return nil
}

func (e *emulator) sync() error { return e.inside("sync") }

func (e *emulator) close() error {
	if e.closed {
		return fmt.Errorf("emulator: closed twice")
	}
	e.closed = true
	return nil
}

// gemm is cublasSgemm(StridedBatched): column-major, C = α·op(A)·op(B) + β·C.
func (e *emulator) gemm(g gemmCall) error {
	if err := e.inside("gemm"); err != nil {
		return err
	}
	if e.failGemm != nil {
		err := e.failGemm
		e.failGemm = nil
		return err
	}
	e.gemms++
	if g.m < 0 || g.n < 0 || g.k < 0 {
		return fmt.Errorf("emulator gemm: negative size %dx%dx%d", g.m, g.n, g.k)
	}
	// Stored shapes (rows × columns, column-major) and cuBLAS's ld rules.
	aRows, aCols := g.m, g.k
	if g.transA {
		aRows, aCols = g.k, g.m
	}
	bRows, bCols := g.k, g.n
	if g.transB {
		bRows, bCols = g.n, g.k
	}
	if g.lda < max(1, aRows) || g.ldb < max(1, bRows) || g.ldc < max(1, g.m) {
		return fmt.Errorf("emulator gemm: CUBLAS_STATUS_INVALID_VALUE: lda %d (needs %d), ldb %d (needs %d), ldc %d (needs %d)",
			g.lda, aRows, g.ldb, bRows, g.ldc, g.m)
	}
	batch := max(g.batch, 1)
	if g.m == 0 || g.n == 0 {
		return nil
	}
	// Element sets: cuBLAS forbids writing what it reads and batches
	// writing the same element; interleaved column blocks are fine.
	elems := func(p uintptr, rows, cols, ld int, visit func(uintptr) bool) bool {
		for c := 0; c < cols; c++ {
			for r := 0; r < rows; r++ {
				if !visit(p + uintptr(4*(c*ld+r))) {
					return false
				}
			}
		}
		return true
	}
	written := map[uintptr]bool{}
	type operand struct {
		p              uintptr
		rows, cols, ld int
	}
	var inputs []operand
	for i := 0; i < batch; i++ {
		a := g.a + uintptr(4*int64(i)*g.strideA)
		b := g.b + uintptr(4*int64(i)*g.strideB)
		c := g.c + uintptr(4*int64(i)*g.strideC)
		if batch == 1 {
			a, b, c = g.a, g.b, g.c
		}
		if g.k > 0 {
			inputs = append(inputs, operand{a, aRows, aCols, g.lda}, operand{b, bRows, bCols, g.ldb})
		}
		if !elems(c, g.m, g.n, g.ldc, func(p uintptr) bool {
			if written[p] {
				return false
			}
			written[p] = true
			return true
		}) {
			return fmt.Errorf("emulator gemm: batch outputs overlap (batch %d)", i)
		}
	}
	for _, in := range inputs {
		if !elems(in.p, in.rows, in.cols, in.ld, func(p uintptr) bool { return !written[p] }) {
			return fmt.Errorf("emulator gemm: output overlaps an input")
		}
	}
	for i := 0; i < batch; i++ {
		a := g.a + uintptr(4*int64(i)*g.strideA)
		b := g.b + uintptr(4*int64(i)*g.strideB)
		c := g.c + uintptr(4*int64(i)*g.strideC)
		if batch == 1 {
			a, b, c = g.a, g.b, g.c
		}
		var A, B []float32
		var err error
		if g.k > 0 {
			if A, err = e.matrix(a, aCols, aRows, g.lda); err != nil {
				return fmt.Errorf("emulator gemm A (batch %d): %w", i, err)
			}
			if B, err = e.matrix(b, bCols, bRows, g.ldb); err != nil {
				return fmt.Errorf("emulator gemm B (batch %d): %w", i, err)
			}
		}
		C, err := e.matrix(c, g.n, g.m, g.ldc)
		if err != nil {
			return fmt.Errorf("emulator gemm C (batch %d): %w", i, err)
		}
		opA := func(r, l int) float64 {
			if g.transA {
				return float64(A[l+r*g.lda])
			}
			return float64(A[r+l*g.lda])
		}
		opB := func(l, col int) float64 {
			if g.transB {
				return float64(B[col+l*g.ldb])
			}
			return float64(B[l+col*g.ldb])
		}
		for col := 0; col < g.n; col++ {
			for r := 0; r < g.m; r++ {
				var s float64
				for l := 0; l < g.k; l++ {
					s += opA(r, l) * opB(l, col)
				}
				v := float64(g.alpha) * s
				if g.beta != 0 {
					v += float64(g.beta) * float64(C[r+col*g.ldc])
				}
				C[r+col*g.ldc] = float32(v)
			}
		}
	}
	return nil
}

func (e *emulator) launch(k kernelID, grid, block dim3, args []karg, valid []int32) error {
	if err := e.inside("launch"); err != nil {
		return err
	}
	if err := checkArgs(k, args, valid); err != nil {
		return err
	}
	if grid.x == 0 || grid.y == 0 || grid.z == 0 || block.x == 0 || block.y == 0 || block.z == 0 ||
		block.x*block.y*block.z > 1024 || grid.y > 65535 || grid.z > 65535 {
		return fmt.Errorf("emulator: launch %s with grid %v block %v", k, grid, block)
	}
	e.launches[k.String()]++
	switch k {
	case kLayerNorm:
		return e.layerNorm(grid, block, args)
	case kBiasAct:
		return e.biasAct(args)
	case kAdd:
		return e.add(args)
	case kMaskedSoftmax:
		return e.maskedSoftmax(grid, block, args, valid)
	}
	return fmt.Errorf("emulator: unknown kernel %d", k)
}

func (e *emulator) layerNorm(grid, block dim3, a []karg) error {
	if block.x%32 != 0 || block.y != 1 {
		return fmt.Errorf("emulator layer_norm: block %v is not whole warps", block)
	}
	rows, cols, eps := int(grid.x), a[6].int(), a[7].float()
	x, err := e.matrix(a[2].ptr(), rows, cols, a[3].int())
	if err != nil {
		return fmt.Errorf("layer_norm x: %w", err)
	}
	dst, err := e.matrix(a[0].ptr(), rows, cols, a[1].int())
	if err != nil {
		return fmt.Errorf("layer_norm dst: %w", err)
	}
	gain, err := e.mem(a[4].ptr(), cols)
	if err != nil {
		return fmt.Errorf("layer_norm gain: %w", err)
	}
	bias, err := e.mem(a[5].ptr(), cols)
	if err != nil {
		return fmt.Errorf("layer_norm bias: %w", err)
	}
	ldx, ldd := a[3].int(), a[1].int()
	row := make([]float32, cols)
	for r := 0; r < rows; r++ {
		copy(row, x[r*ldx:r*ldx+cols])
		var mean float64
		for _, v := range row {
			mean += float64(v)
		}
		mean /= float64(cols)
		var variance float64
		for _, v := range row {
			d := float64(v) - mean
			variance += d * d
		}
		variance /= float64(cols)
		inv := 1 / math.Sqrt(variance+float64(eps))
		for j, v := range row {
			dst[r*ldd+j] = float32((float64(v)-mean)*inv*float64(gain[j]) + float64(bias[j]))
		}
	}
	return nil
}

func (e *emulator) biasAct(a []karg) error {
	rows, cols, ldy := a[2].int(), a[3].int(), a[1].int()
	y, err := e.matrix(a[0].ptr(), rows, cols, ldy)
	if err != nil {
		return fmt.Errorf("bias_act y: %w", err)
	}
	var bias []float32
	if a[4].ptr() != 0 {
		if bias, err = e.mem(a[4].ptr(), cols); err != nil {
			return fmt.Errorf("bias_act bias: %w", err)
		}
	}
	act := a[5].int()
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			v := float64(y[r*ldy+c])
			if bias != nil {
				v += float64(bias[c])
			}
			switch act {
			case 1:
				v = 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
			case 2:
				v = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
			}
			y[r*ldy+c] = float32(v)
		}
	}
	return nil
}

func (e *emulator) add(a []karg) error {
	rows, cols := a[6].int(), a[7].int()
	ldd, lda, ldb := a[1].int(), a[3].int(), a[5].int()
	dst, err := e.matrix(a[0].ptr(), rows, cols, ldd)
	if err != nil {
		return fmt.Errorf("add dst: %w", err)
	}
	x, err := e.matrix(a[2].ptr(), rows, cols, lda)
	if err != nil {
		return fmt.Errorf("add a: %w", err)
	}
	y, err := e.matrix(a[4].ptr(), rows, cols, ldb)
	if err != nil {
		return fmt.Errorf("add b: %w", err)
	}
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			dst[r*ldd+c] = x[r*lda+c] + y[r*ldb+c]
		}
	}
	return nil
}

func (e *emulator) maskedSoftmax(grid, block dim3, a []karg, valid []int32) error {
	if block.x%32 != 0 {
		return fmt.Errorf("emulator masked_softmax: block %v is not whole warps", block)
	}
	if int(grid.y) != len(valid) {
		return fmt.Errorf("emulator masked_softmax: grid.y %d but %d valid-key counts", grid.y, len(valid))
	}
	base, seqStride, ldp, klen := a[0].ptr(), a[1].long(), a[2].int(), a[3].int()
	for s := 0; s < int(grid.y); s++ {
		n := int(valid[s])
		if n < 0 || n > klen {
			return fmt.Errorf("emulator masked_softmax: %d valid keys of %d", n, klen)
		}
		rows, err := e.matrix(base+uintptr(4*int64(s)*seqStride), int(grid.x), klen, ldp)
		if err != nil {
			return fmt.Errorf("masked_softmax rows of sequence %d: %w", s, err)
		}
		for r := 0; r < int(grid.x); r++ {
			row := rows[r*ldp : r*ldp+klen]
			m := math.Inf(-1)
			for j := 0; j < n; j++ {
				m = math.Max(m, float64(row[j]))
			}
			var sum float64
			for j := 0; j < n; j++ {
				sum += math.Exp(float64(row[j]) - m)
			}
			for j := 0; j < klen; j++ {
				if j < n {
					row[j] = float32(math.Exp(float64(row[j])-m) / sum)
				} else {
					row[j] = 0
				}
			}
		}
	}
	return nil
}
