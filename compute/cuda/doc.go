// Package cuda is the NVIDIA GPU implementation of compute.Backend.
//
// It needs no cgo and no CUDA at build time: libcuda (the driver API),
// cuBLAS and NVRTC are loaded at run time with purego, so the same binary
// runs on machines without a GPU, where New returns one sentence saying
// what is missing. Matrix products go to cuBLAS in exact FP32 (or TF32
// with Options.Fast); layer norm, bias + GELU, residual adds and the
// masked softmax are CUDA C in kernels.cu, compiled once by NVRTC for the
// GPU in use and cached on disk. Probe reports what was found for a
// doctor command.
//
// Tensors are row-major float32 in device memory (compute.Tensor.Dev);
// every operation is queued on one stream and errors surface from Sync.
//
// This package imports only package compute of this module.
package cuda
