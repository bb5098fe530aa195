package cuda

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// cudaGPU is a GPU driven through libcuda and cuBLAS on one non-blocking
// stream of the device's primary context.
type cudaGPU struct {
	drv  *driver
	blas *cublas

	dev                          int32
	ctx, stream, handle, module  uintptr
	fns                          [numKernels]uintptr
	params                       *launchParams
	scalars                      *[2]float32 // cuBLAS alpha, beta (host pointer mode)
	desc                         *cudaMemcpy2D
	retained, streamMade, blasOK bool
}

// launchParams is the kernelParams array of cuLaunchKernel and the values
// it points to. It lives on the heap for the backend's life (Go's heap
// does not move), so its own addresses can be handed to the driver, which
// copies the values at launch.
type launchParams struct {
	slots [16]uint64
	valid [maxSeqsPerLaunch]int32
	ptrs  [16]uintptr
}

// cudaMemcpy2D mirrors CUDA_MEMCPY2D (cuda.h, 128 bytes on 64-bit hosts).
// Host pointers are unsafe.Pointer so that the Go memory they name is kept
// alive and on the heap while the descriptor refers to it.
type cudaMemcpy2D struct {
	srcXInBytes, srcY uint64
	srcMemoryType     uint32
	_                 uint32
	srcHost           unsafe.Pointer
	srcDevice         uint64
	srcArray          uintptr
	srcPitch          uint64
	dstXInBytes, dstY uint64
	dstMemoryType     uint32
	_                 uint32
	dstHost           unsafe.Pointer
	dstDevice         uint64
	dstArray          uintptr
	dstPitch          uint64
	widthInBytes      uint64
	height            uint64
}

// CUmemorytype values.
const (
	memoryTypeHost   = 1
	memoryTypeDevice = 2
)

// startGPU opens GPU number ordinal: primary context, stream, cuBLAS handle
// on that stream, and the kernels (from the cache or compiled by NVRTC).
func startGPU(drv *driver, blas *cublas, nv *nvrtc, ordinal int, info deviceInfo, fast bool, cache kernelCache) (*cudaGPU, kernelImage, target, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g := &cudaGPU{drv: drv, blas: blas, params: new(launchParams), scalars: new([2]float32), desc: new(cudaMemcpy2D)}
	fail := func(err error) (*cudaGPU, kernelImage, target, error) {
		g.release()
		return nil, kernelImage{}, target{}, err
	}
	var err error
	if g.dev, err = drv.device(ordinal); err != nil {
		return fail(err)
	}
	if err := drv.check("cuDevicePrimaryCtxRetain", ccall(drv.cuDevicePrimaryCtxRetain, uintptr(unsafe.Pointer(&g.ctx)), uintptr(g.dev))); err != nil {
		return fail(err)
	}
	g.retained = true
	if err := drv.check("cuCtxSetCurrent", ccall(drv.cuCtxSetCurrent, g.ctx)); err != nil {
		return fail(err)
	}
	if err := drv.check("cuStreamCreate", ccall(drv.cuStreamCreate, uintptr(unsafe.Pointer(&g.stream)), cuStreamNonBlocking)); err != nil {
		return fail(err)
	}
	g.streamMade = true
	if err := blas.check("cublasCreate_v2", ccall(blas.create, uintptr(unsafe.Pointer(&g.handle)))); err != nil {
		return fail(err)
	}
	g.blasOK = true
	if err := blas.check("cublasSetStream_v2", ccall(blas.setStream, g.handle, g.stream)); err != nil {
		return fail(err)
	}
	mode := uintptr(cublasDefaultMath)
	if fast {
		mode = cublasTF32TensorOpMath
	}
	if err := blas.check("cublasSetMathMode", ccall(blas.setMathMode, g.handle, mode)); err != nil {
		return fail(err)
	}

	archs, err := nv.supportedArchs()
	if err != nil {
		return fail(err)
	}
	t, err := chooseTarget(info.major, info.minor, archs)
	if err != nil {
		return fail(err)
	}
	major, minor, err := nv.versionNumbers()
	if err != nil {
		return fail(err)
	}
	opts := nvrtcOptions(t)
	key := cacheKey(kernelSource, t, fmt.Sprintf("%d.%d", major, minor), opts)
	compile := func() ([]byte, error) {
		img, _, err := nv.compile(kernelSource, "kernels.cu", opts, t.cubin)
		return img, err
	}
	img, err := loadKernels(cache, key, compile, g.loadModule)
	if err != nil {
		return fail(fmt.Errorf("prepare the GPU kernels for %s: %w", t, err))
	}
	return g, img, t, nil
}

// loadModule loads compiled kernels and looks every kernel up.
func (g *cudaGPU) loadModule(image []byte) error {
	if err := checkImage(image); err != nil {
		return err
	}
	var mod uintptr
	if err := g.drv.check("cuModuleLoadData", ccall(g.drv.cuModuleLoadData, uintptr(unsafe.Pointer(&mod)), uintptr(unsafe.Pointer(&image[0])))); err != nil {
		return err
	}
	var fns [numKernels]uintptr
	for k := kernelID(0); k < numKernels; k++ {
		name := cBytes(kernelSpecs[k].name)
		if err := g.drv.check("cuModuleGetFunction("+kernelSpecs[k].name+")",
			ccall(g.drv.cuModuleGetFunction, uintptr(unsafe.Pointer(&fns[k])), mod, uintptr(unsafe.Pointer(&name[0])))); err != nil {
			ccall(g.drv.cuModuleUnload, mod)
			return err
		}
	}
	if g.module != 0 {
		ccall(g.drv.cuModuleUnload, g.module)
	}
	g.module, g.fns = mod, fns
	return nil
}

func (g *cudaGPU) enter() error {
	runtime.LockOSThread()
	if r := ccall(g.drv.cuCtxSetCurrent, g.ctx); r != 0 {
		runtime.UnlockOSThread()
		return g.drv.check("cuCtxSetCurrent", r)
	}
	return nil
}

func (g *cudaGPU) leave() { runtime.UnlockOSThread() }

func (g *cudaGPU) alloc(bytes int) (uintptr, error) {
	var p uint64
	if err := g.drv.check("cuMemAlloc_v2", ccall(g.drv.cuMemAlloc, uintptr(unsafe.Pointer(&p)), uintptr(bytes))); err != nil {
		return 0, err
	}
	return uintptr(p), nil
}

func (g *cudaGPU) free(p uintptr) error {
	if err := g.sync(); err != nil {
		return err
	}
	return g.drv.check("cuMemFree_v2", ccall(g.drv.cuMemFree, p))
}

func (g *cudaGPU) zero(p uintptr, n int) error {
	return g.drv.check("cuMemsetD32Async", ccall(g.drv.cuMemsetD32Async, p, 0, uintptr(n), g.stream))
}

func (g *cudaGPU) copy(c copy2D) error {
	if c.width <= 0 || c.height <= 0 {
		return nil
	}
	contiguous := c.height == 1 || (c.dstPitch == c.width && c.srcPitch == c.width)
	bytes := uintptr(4 * c.width * c.height)
	switch {
	case contiguous && c.srcHost != nil && c.dstHost == nil:
		return g.drv.check("cuMemcpyHtoDAsync_v2", ccall(g.drv.cuMemcpyHtoDAsync, c.dst, uintptr(unsafe.Pointer(&c.srcHost[0])), bytes, g.stream))
	case contiguous && c.dstHost != nil && c.srcHost == nil:
		return g.drv.check("cuMemcpyDtoHAsync_v2", ccall(g.drv.cuMemcpyDtoHAsync, uintptr(unsafe.Pointer(&c.dstHost[0])), c.src, bytes, g.stream))
	}
	d := g.desc
	*d = cudaMemcpy2D{widthInBytes: uint64(4 * c.width), height: uint64(c.height),
		srcPitch: uint64(4 * c.srcPitch), dstPitch: uint64(4 * c.dstPitch)}
	if c.srcHost != nil {
		d.srcMemoryType, d.srcHost = memoryTypeHost, unsafe.Pointer(&c.srcHost[0])
	} else {
		d.srcMemoryType, d.srcDevice = memoryTypeDevice, uint64(c.src)
	}
	if c.dstHost != nil {
		d.dstMemoryType, d.dstHost = memoryTypeHost, unsafe.Pointer(&c.dstHost[0])
	} else {
		d.dstMemoryType, d.dstDevice = memoryTypeDevice, uint64(c.dst)
	}
	err := g.drv.check("cuMemcpy2DAsync_v2", ccall(g.drv.cuMemcpy2DAsync, uintptr(unsafe.Pointer(d)), g.stream))
	// The driver has read the descriptor; drop the host references so the
	// slices are not kept alive by it.
	d.srcHost, d.dstHost = nil, nil
	return err
}

func (g *cudaGPU) launch(k kernelID, grid, block dim3, args []karg, valid []int32) error {
	if err := checkArgs(k, args, valid); err != nil {
		return err
	}
	lp := g.params
	for i, a := range args {
		if a.kind == pValid {
			n := copy(lp.valid[:], valid)
			clear(lp.valid[n:])
			lp.ptrs[i] = uintptr(unsafe.Pointer(&lp.valid[0]))
			continue
		}
		lp.slots[i] = a.bits
		lp.ptrs[i] = uintptr(unsafe.Pointer(&lp.slots[i]))
	}
	r := ccall(g.drv.cuLaunchKernel, g.fns[k],
		uintptr(grid.x), uintptr(grid.y), uintptr(grid.z),
		uintptr(block.x), uintptr(block.y), uintptr(block.z),
		0, g.stream, uintptr(unsafe.Pointer(&lp.ptrs[0])), 0)
	if r != 0 {
		return g.drv.check("cuLaunchKernel("+k.String()+")", r)
	}
	return nil
}

func op(trans bool) uintptr {
	if trans {
		return cublasOpT
	}
	return cublasOpN
}

func (g *cudaGPU) gemm(c gemmCall) error {
	g.scalars[0], g.scalars[1] = c.alpha, c.beta
	alpha, beta := uintptr(unsafe.Pointer(&g.scalars[0])), uintptr(unsafe.Pointer(&g.scalars[1]))
	if c.batch <= 1 {
		return g.blas.check("cublasSgemm_v2", ccall(g.blas.sgemm, g.handle, op(c.transA), op(c.transB),
			uintptr(c.m), uintptr(c.n), uintptr(c.k), alpha,
			c.a, uintptr(c.lda), c.b, uintptr(c.ldb), beta, c.c, uintptr(c.ldc)))
	}
	return g.blas.check("cublasSgemmStridedBatched", ccall(g.blas.sgemmStridedBatched, g.handle, op(c.transA), op(c.transB),
		uintptr(c.m), uintptr(c.n), uintptr(c.k), alpha,
		c.a, uintptr(c.lda), uintptr(c.strideA),
		c.b, uintptr(c.ldb), uintptr(c.strideB), beta,
		c.c, uintptr(c.ldc), uintptr(c.strideC), uintptr(c.batch)))
}

func (g *cudaGPU) sync() error {
	return g.drv.check("cuStreamSynchronize", ccall(g.drv.cuStreamSynchronize, g.stream))
}

func (g *cudaGPU) close() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return g.release()
}

// release frees what startGPU made, in reverse order (the caller holds the
// OS thread).
func (g *cudaGPU) release() error {
	var errs []error
	if g.retained {
		if err := g.drv.check("cuCtxSetCurrent", ccall(g.drv.cuCtxSetCurrent, g.ctx)); err != nil {
			errs = append(errs, err)
		}
	}
	if g.streamMade {
		errs = append(errs, g.sync())
	}
	if g.module != 0 {
		errs = append(errs, g.drv.check("cuModuleUnload", ccall(g.drv.cuModuleUnload, g.module)))
		g.module = 0
	}
	if g.blasOK {
		errs = append(errs, g.blas.check("cublasDestroy_v2", ccall(g.blas.destroy, g.handle)))
		g.blasOK = false
	}
	if g.streamMade {
		errs = append(errs, g.drv.check("cuStreamDestroy_v2", ccall(g.drv.cuStreamDestroy, g.stream)))
		g.streamMade = false
	}
	if g.retained {
		errs = append(errs, g.drv.check("cuDevicePrimaryCtxRelease_v2", ccall(g.drv.cuDevicePrimaryCtxRelease, uintptr(g.dev))))
		g.retained = false
	}
	return errors.Join(errs...)
}
