package cuda

import (
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// ld is a tensor's leading dimension (row stride) as cuBLAS and the kernels
// take it. A single row may carry any stride; BLAS still wants ≥ cols.
func ld(t compute.Tensor) int {
	if t.Rows <= 1 {
		return max(t.Stride, t.Cols, 1)
	}
	return t.Stride
}

// span is the byte range [lo, hi) a non-empty device tensor touches.
func span(t compute.Tensor) (lo, hi uintptr) {
	n := (t.Rows-1)*ld(t) + t.Cols
	return t.Dev, t.Dev + uintptr(4*n)
}

// overlaps reports whether two device tensors share memory.
func overlaps(a, b compute.Tensor) bool {
	if a.Empty() || b.Empty() {
		return false
	}
	alo, ahi := span(a)
	blo, bhi := span(b)
	return alo < bhi && blo < ahi
}

// needDevice panics when a non-empty operand has no device memory: it was
// made by another backend, which is a programming error like a shape
// mismatch.
func needDevice(op string, ts ...compute.Tensor) {
	for i, t := range ts {
		if !t.Empty() && t.Dev == 0 {
			panic(fmt.Sprintf("cuda: %s operand %d (%dx%d) has no device memory: it was not made by this backend", op, i, t.Rows, t.Cols))
		}
		if !t.Empty() && t.Rows > 1 && t.Stride < t.Cols {
			panic(fmt.Sprintf("cuda: %s operand %d has stride %d < %d columns", op, i, t.Stride, t.Cols))
		}
	}
}

// elementwise is the launch shape of the grid-stride kernels over n
// elements.
func elementwise(n int) (grid, block dim3) {
	blocks := (n + 255) / 256
	blocks = min(max(blocks, 1), 1<<16)
	return dim3{uint32(blocks), 1, 1}, dim3{256, 1, 1}
}

// reduction is the block size of the row kernels (layer norm, softmax): a
// multiple of 32 covering the row when short, 256 threads when long.
func reduction(cols int) dim3 {
	n := 32
	for n < cols && n < 256 {
		n *= 2
	}
	return dim3{uint32(n), 1, 1}
}

// Alloc implements compute.Backend with zeroed device memory.
func (b *Backend) Alloc(rows, cols int) (compute.Tensor, error) {
	if rows < 0 || cols < 0 {
		return compute.Tensor{}, fmt.Errorf("cuda: alloc %dx%d: negative size", rows, cols)
	}
	t := compute.Tensor{Rows: rows, Cols: cols, Stride: cols}
	n := rows * cols
	if n == 0 {
		return t, nil
	}
	if cols != 0 && n/cols != rows || n > 1<<40 {
		return compute.Tensor{}, fmt.Errorf("cuda: alloc %dx%d: too large", rows, cols)
	}
	if b.closed {
		return compute.Tensor{}, errClosed
	}
	if err := b.g.enter(); err != nil {
		return compute.Tensor{}, fmt.Errorf("cuda: alloc %dx%d: %w", rows, cols, err)
	}
	defer b.g.leave()
	p, err := b.g.alloc(4 * n)
	if err != nil {
		return compute.Tensor{}, fmt.Errorf("cuda: alloc %dx%d (%.1f MiB of GPU memory): %w", rows, cols, float64(4*n)/(1<<20), err)
	}
	if err := b.g.zero(p, n); err != nil {
		_ = b.g.free(p)
		return compute.Tensor{}, fmt.Errorf("cuda: alloc %dx%d: %w", rows, cols, err)
	}
	b.allocs[p] = n
	t.Dev = p
	return t, nil
}

// Free implements compute.Backend. It waits for queued work that may still
// use the memory.
func (b *Backend) Free(t compute.Tensor) {
	if t.Dev == 0 || b.closed {
		return
	}
	n, ok := b.allocs[t.Dev]
	if !ok || n != t.Len() {
		b.fail(fmt.Errorf("cuda: Free of a %dx%d tensor that Alloc did not return (a view, or freed twice)", t.Rows, t.Cols))
		return
	}
	if err := b.g.enter(); err != nil {
		b.fail(err)
		return
	}
	defer b.g.leave()
	delete(b.allocs, t.Dev)
	b.fail(b.g.free(t.Dev))
}

// Upload implements compute.Backend. It returns when src may be reused.
func (b *Backend) Upload(t compute.Tensor, src []float32) error {
	if len(src) < t.Len() {
		return fmt.Errorf("cuda: upload %d values into a %dx%d tensor", len(src), t.Rows, t.Cols)
	}
	if t.Empty() {
		return nil
	}
	if t.Dev == 0 {
		return fmt.Errorf("cuda: upload into a %dx%d tensor without device memory", t.Rows, t.Cols)
	}
	if b.closed {
		return errClosed
	}
	if err := b.g.enter(); err != nil {
		return err
	}
	defer b.g.leave()
	err := b.g.copy(copy2D{dst: t.Dev, dstPitch: ld(t), srcHost: src[:t.Len()], srcPitch: t.Cols, width: t.Cols, height: t.Rows})
	if err == nil {
		err = b.g.sync()
	}
	if err != nil {
		return fmt.Errorf("cuda: upload %dx%d: %w", t.Rows, t.Cols, err)
	}
	return nil
}

// Download implements compute.Backend; it waits for the queued work first.
func (b *Backend) Download(dst []float32, t compute.Tensor) error {
	if len(dst) < t.Len() {
		return fmt.Errorf("cuda: download a %dx%d tensor into %d values", t.Rows, t.Cols, len(dst))
	}
	if t.Empty() {
		return nil
	}
	if t.Dev == 0 {
		return fmt.Errorf("cuda: download from a %dx%d tensor without device memory", t.Rows, t.Cols)
	}
	if b.closed {
		return errClosed
	}
	if err := b.g.enter(); err != nil {
		return err
	}
	defer b.g.leave()
	err := b.g.copy(copy2D{dstHost: dst[:t.Len()], dstPitch: t.Cols, src: t.Dev, srcPitch: ld(t), width: t.Cols, height: t.Rows})
	if err == nil {
		err = b.g.sync()
	}
	if err != nil {
		return fmt.Errorf("cuda: download %dx%d: %w", t.Rows, t.Cols, err)
	}
	return nil
}

// scratchFor returns a device buffer of at least n float32s for purpose i,
// growing it when needed (contents are not kept).
func (b *Backend) scratchFor(i, n int) (uintptr, error) {
	s := &b.scratch[i]
	if s.n >= n && s.p != 0 {
		return s.p, nil
	}
	if s.p != 0 {
		if err := b.g.free(s.p); err != nil {
			return 0, err
		}
		*s = scratchBuf{}
	}
	p, err := b.g.alloc(4 * n)
	if err != nil {
		return 0, fmt.Errorf("cuda: scratch of %.1f MiB: %w", float64(4*n)/(1<<20), err)
	}
	*s = scratchBuf{p: p, n: n}
	return p, nil
}

// Linear implements compute.Backend: one cuBLAS product, then a kernel for
// bias and activation. In column-major terms the row-major problem
// dst = x·wᵀ is dstᵀ (N×M) = wᵀᵀ·xᵀ: the row-major N×K weight is a K×N
// column-major matrix with leading dimension w.Stride, used transposed.
func (b *Backend) Linear(dst, x, w, bias compute.Tensor, act compute.Activation) {
	compute.CheckLinear("cuda", dst, x, w, bias, act)
	if dst.Empty() {
		return
	}
	needDevice("linear", dst, x, w, bias)
	if !b.begin() {
		return
	}
	defer b.g.leave()
	b.fail(b.linear(dst, x, w, bias, act))
}

func (b *Backend) linear(dst, x, w, bias compute.Tensor, act compute.Activation) error {
	m, k, n := x.Rows, x.Cols, w.Rows
	out := dst
	// cuBLAS must not write what it reads; k = 0 has nothing to read and
	// is filled with zeros in scratch.
	if k == 0 || overlaps(dst, x) || overlaps(dst, w) || overlaps(dst, bias) {
		p, err := b.scratchFor(scratchLinear, m*n)
		if err != nil {
			return err
		}
		out = compute.Tensor{Rows: m, Cols: n, Stride: n, Dev: p}
	}
	if k == 0 {
		if err := b.g.zero(out.Dev, m*n); err != nil {
			return err
		}
	} else if err := b.g.gemm(gemmCall{transA: true, m: n, n: m, k: k, alpha: 1,
		a: w.Dev, lda: ld(w), b: x.Dev, ldb: ld(x), c: out.Dev, ldc: ld(out)}); err != nil {
		return err
	}
	if !bias.Empty() || act != compute.NoActivation {
		grid, block := elementwise(m * n)
		if err := b.g.launch(kBiasAct, grid, block, []karg{ptrArg(out.Dev), intArg(ld(out)), intArg(m), intArg(n),
			ptrArg(bias.Dev), intArg(int(act))}, nil); err != nil {
			return err
		}
	}
	if out.Dev != dst.Dev {
		return b.g.copy(copy2D{dst: dst.Dev, dstPitch: ld(dst), src: out.Dev, srcPitch: n, width: n, height: m})
	}
	return nil
}

// LayerNorm implements compute.Backend: one block per row.
func (b *Backend) LayerNorm(dst, x, gain, bias compute.Tensor, eps float32) {
	compute.CheckLayerNorm("cuda", dst, x, gain, bias)
	if x.Empty() {
		return
	}
	needDevice("layernorm", dst, x, gain, bias)
	if !b.begin() {
		return
	}
	defer b.g.leave()
	b.fail(b.g.launch(kLayerNorm, dim3{uint32(x.Rows), 1, 1}, reduction(x.Cols), []karg{
		ptrArg(dst.Dev), intArg(ld(dst)), ptrArg(x.Dev), intArg(ld(x)),
		ptrArg(gain.Dev), ptrArg(bias.Dev), intArg(x.Cols), floatArg(eps)}, nil))
}

// Add implements compute.Backend.
func (b *Backend) Add(dst, a, c compute.Tensor) {
	compute.CheckAdd("cuda", dst, a, c)
	if dst.Empty() {
		return
	}
	needDevice("add", dst, a, c)
	if !b.begin() {
		return
	}
	defer b.g.leave()
	grid, block := elementwise(dst.Len())
	b.fail(b.g.launch(kAdd, grid, block, []karg{ptrArg(dst.Dev), intArg(ld(dst)), ptrArg(a.Dev), intArg(ld(a)),
		ptrArg(c.Dev), intArg(ld(c)), intArg(dst.Rows), intArg(dst.Cols)}, nil))
}
