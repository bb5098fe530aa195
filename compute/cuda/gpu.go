package cuda

// gpu is the device as the backend's operations use it: memory, copies,
// kernel launches and cuBLAS products, all queued in order on one stream.
// cudaGPU is the real one; the tests run the whole backend on an emulator
// that checks every address and leading dimension against its allocations.
type gpu interface {
	// enter pins the calling goroutine to its OS thread and makes the
	// backend's CUDA context current there; leave undoes the pinning.
	// Go moves goroutines between threads, and CUDA's current context is
	// per thread, so every operation runs between the two. When enter
	// fails it has already undone the pinning.
	enter() error
	leave()

	alloc(bytes int) (uintptr, error)
	// free waits for the queued work, then releases p.
	free(p uintptr) error
	// zero queues setting n float32s from p to 0.
	zero(p uintptr, n int) error
	// copy queues a 2-D copy; callers sync before host memory is reused.
	copy(c copy2D) error
	// launch queues a kernel of kernels.cu.
	launch(k kernelID, grid, block dim3, args []karg, valid []int32) error
	// gemm queues a column-major FP32 matrix product (cuBLAS semantics).
	gemm(g gemmCall) error
	// sync waits for everything queued and reports the stream's errors.
	sync() error
	// close releases the device's resources; the gpu is unusable after.
	close() error
}

// copy2D is a copy of height rows of width float32s. Each side is either
// device memory (an address and a pitch, both in float32s for the pitch)
// or a host slice with its own pitch.
type copy2D struct {
	dst, src           uintptr
	dstHost, srcHost   []float32
	dstPitch, srcPitch int
	width, height      int
}

// gemmCall is one cublasSgemm (batch ≤ 1) or cublasSgemmStridedBatched:
// for each batch i, C_i = alpha·op(A_i)·op(B_i) + beta·C_i with column-major
// matrices, op(A) m×k, op(B) k×n, C m×n; A_i = a + i·strideA elements.
type gemmCall struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              uintptr
	lda            int
	strideA        int64
	b              uintptr
	ldb            int
	strideB        int64
	c              uintptr
	ldc            int
	strideC        int64
	batch          int
}
