package cuda

import (
	"unsafe"
)

// driver is libcuda, the CUDA driver API, bound through purego. The
// symbol names are the ones cuda.h maps the API to (the _v2 variants where
// it defines them), so they are stable across driver releases.
type driver struct {
	lib opened

	cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName uintptr
	cuDeviceGetAttribute, cuDeviceTotalMem                                     uintptr
	cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRelease, cuCtxSetCurrent       uintptr
	cuStreamCreate, cuStreamDestroy, cuStreamSynchronize                       uintptr
	cuMemAlloc, cuMemFree, cuMemGetInfo, cuMemsetD32Async                      uintptr
	cuMemcpyHtoDAsync, cuMemcpyDtoHAsync, cuMemcpy2DAsync                      uintptr
	cuModuleLoadData, cuModuleUnload, cuModuleGetFunction, cuLaunchKernel      uintptr
	cuGetErrorName, cuGetErrorString                                           uintptr
}

func (d *driver) symbols() []symbol {
	return []symbol{
		{name: "cuInit", dst: &d.cuInit},
		{name: "cuDriverGetVersion", dst: &d.cuDriverGetVersion},
		{name: "cuDeviceGetCount", dst: &d.cuDeviceGetCount},
		{name: "cuDeviceGet", dst: &d.cuDeviceGet},
		{name: "cuDeviceGetName", dst: &d.cuDeviceGetName},
		{name: "cuDeviceGetAttribute", dst: &d.cuDeviceGetAttribute},
		{name: "cuDeviceTotalMem_v2", dst: &d.cuDeviceTotalMem},
		{name: "cuDevicePrimaryCtxRetain", dst: &d.cuDevicePrimaryCtxRetain},
		{name: "cuDevicePrimaryCtxRelease_v2", dst: &d.cuDevicePrimaryCtxRelease},
		{name: "cuCtxSetCurrent", dst: &d.cuCtxSetCurrent},
		{name: "cuStreamCreate", dst: &d.cuStreamCreate},
		{name: "cuStreamDestroy_v2", dst: &d.cuStreamDestroy},
		{name: "cuStreamSynchronize", dst: &d.cuStreamSynchronize},
		{name: "cuMemAlloc_v2", dst: &d.cuMemAlloc},
		{name: "cuMemFree_v2", dst: &d.cuMemFree},
		{name: "cuMemGetInfo_v2", dst: &d.cuMemGetInfo},
		{name: "cuMemsetD32Async", dst: &d.cuMemsetD32Async},
		{name: "cuMemcpyHtoDAsync_v2", dst: &d.cuMemcpyHtoDAsync},
		{name: "cuMemcpyDtoHAsync_v2", dst: &d.cuMemcpyDtoHAsync},
		{name: "cuMemcpy2DAsync_v2", dst: &d.cuMemcpy2DAsync},
		{name: "cuModuleLoadData", dst: &d.cuModuleLoadData},
		{name: "cuModuleUnload", dst: &d.cuModuleUnload},
		{name: "cuModuleGetFunction", dst: &d.cuModuleGetFunction},
		{name: "cuLaunchKernel", dst: &d.cuLaunchKernel},
		{name: "cuGetErrorName", dst: &d.cuGetErrorName},
		{name: "cuGetErrorString", dst: &d.cuGetErrorString},
	}
}

// CUdevice_attribute values (cuda.h).
const (
	attrMultiprocessorCount    = 16
	attrComputeCapabilityMajor = 75
	attrComputeCapabilityMinor = 76
)

// cuStreamNonBlocking is CU_STREAM_NON_BLOCKING: the backend's stream does
// not wait for, nor hold up, work other libraries put on the legacy stream.
const cuStreamNonBlocking = 1

// goString copies a NUL-terminated C string.
func goString(p *byte) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}

// check turns a CUresult into an error naming the call.
func (d *driver) check(fn string, r uintptr) error {
	code := int32(uint32(r))
	if code == 0 {
		return nil
	}
	e := &cuError{fn: fn, code: int(code)}
	var p *byte
	if d.cuGetErrorName != 0 && ccall(d.cuGetErrorName, uintptr(code), uintptr(unsafe.Pointer(&p))) == 0 {
		e.name = goString(p)
	}
	p = nil
	if d.cuGetErrorString != 0 && ccall(d.cuGetErrorString, uintptr(code), uintptr(unsafe.Pointer(&p))) == 0 {
		e.desc = goString(p)
	}
	return e
}

// version is cuDriverGetVersion: the newest CUDA version the driver
// supports, as 1000·major + 10·minor. It works before cuInit.
func (d *driver) version() (int, error) {
	var v int32
	if err := d.check("cuDriverGetVersion", ccall(d.cuDriverGetVersion, uintptr(unsafe.Pointer(&v)))); err != nil {
		return 0, err
	}
	return int(v), nil
}

func (d *driver) init() error { return d.check("cuInit", ccall(d.cuInit, 0)) }

func (d *driver) deviceCount() (int, error) {
	var n int32
	if err := d.check("cuDeviceGetCount", ccall(d.cuDeviceGetCount, uintptr(unsafe.Pointer(&n)))); err != nil {
		return 0, err
	}
	return int(n), nil
}

func (d *driver) device(ordinal int) (int32, error) {
	var dev int32
	err := d.check("cuDeviceGet", ccall(d.cuDeviceGet, uintptr(unsafe.Pointer(&dev)), uintptr(ordinal)))
	return dev, err
}

func (d *driver) attribute(attr int, dev int32) (int, error) {
	var v int32
	err := d.check("cuDeviceGetAttribute", ccall(d.cuDeviceGetAttribute, uintptr(unsafe.Pointer(&v)), uintptr(attr), uintptr(dev)))
	return int(v), err
}

// deviceInfo describes GPU number ordinal.
func (d *driver) deviceInfo(ordinal int) (deviceInfo, error) {
	var info deviceInfo
	dev, err := d.device(ordinal)
	if err != nil {
		return info, err
	}
	var name [256]byte
	if err := d.check("cuDeviceGetName", ccall(d.cuDeviceGetName, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)-1), uintptr(dev))); err != nil {
		return info, err
	}
	info.name = goString(&name[0])
	if info.major, err = d.attribute(attrComputeCapabilityMajor, dev); err != nil {
		return info, err
	}
	if info.minor, err = d.attribute(attrComputeCapabilityMinor, dev); err != nil {
		return info, err
	}
	if info.multiprocessors, err = d.attribute(attrMultiprocessorCount, dev); err != nil {
		return info, err
	}
	var mem uint64
	if err := d.check("cuDeviceTotalMem_v2", ccall(d.cuDeviceTotalMem, uintptr(unsafe.Pointer(&mem)), uintptr(dev))); err != nil {
		return info, err
	}
	info.memory = mem
	return info, nil
}

// deviceInfo is what the backend needs to know about a GPU.
type deviceInfo struct {
	name            string
	major, minor    int
	multiprocessors int
	memory          uint64 // bytes
}
