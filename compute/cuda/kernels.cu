// kernels.cu holds the non-GEMM operations of the cuda backend. NVRTC
// compiles it once at run time for the GPU in use (see kernels.go); matrix
// products go to cuBLAS. Every matrix is row-major float32 with a row stride
// (ld*) in elements, so views into wider tensors work unchanged.
//
// The parameter lists of the extern "C" kernels are mirrored by kernelSpecs
// in kernels.go; a unit test checks that the two agree.
//
// No headers: NVRTC provides the device math functions (expf, tanhf, erff,
// sqrtf) as builtins. Do not compile with --use_fast_math: the backend must
// match float32 PyTorch to 1e-5.

#define NEG_INF __int_as_float(0xff800000)

// MAX_SEQS_PER_LAUNCH is how many sequences one masked_softmax launch serves;
// keep it equal to maxSeqsPerLaunch in kernels.go.
#define MAX_SEQS_PER_LAUNCH 128

// ValidKeys is passed by value: for every sequence of the launch (blockIdx.y)
// the number of leading keys that take part in the softmax.
struct ValidKeys {
    int n[MAX_SEQS_PER_LAUNCH];
};

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// block_sum returns the sum of v over the block to every thread. blockDim.x
// must be a multiple of 32 and at most 1024; red holds 33 floats.
__device__ float block_sum(float v, float* red) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) red[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float t = lane < warps ? red[lane] : 0.0f;
        t = warp_sum(t);
        if (lane == 0) red[32] = t;
    }
    __syncthreads();
    const float total = red[32];
    __syncthreads(); // red is reused by the next reduction
    return total;
}

// block_max is block_sum with max; empty lanes contribute -inf.
__device__ float block_max(float v, float* red) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) red[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float t = lane < warps ? red[lane] : NEG_INF;
        t = warp_max(t);
        if (lane == 0) red[32] = t;
    }
    __syncthreads();
    const float m = red[32];
    __syncthreads();
    return m;
}

// layer_norm normalises row blockIdx.x of x over its cols columns with the
// biased variance (two passes: mean, then mean squared deviation), then
// applies gain and bias. dst may be x: every thread reads its elements
// before it writes them, and the reductions separate the passes.
extern "C" __global__ void layer_norm(float* dst, int ldd, const float* x, int ldx,
                                      const float* gain, const float* bias, int cols, float eps) {
    __shared__ float red[33];
    const float* xr = x + (long long)blockIdx.x * ldx;
    float* dr = dst + (long long)blockIdx.x * ldd;

    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += xr[j];
    const float mean = block_sum(s, red) / (float)cols;

    float q = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        const float d = xr[j] - mean;
        q += d * d;
    }
    const float var = block_sum(q, red) / (float)cols;
    const float inv = 1.0f / sqrtf(var + eps);

    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        dr[j] = (xr[j] - mean) * inv * gain[j] + bias[j];
    }
}

// gelu_tanh is PyTorch's gelu(approximate="tanh").
__device__ __forceinline__ float gelu_tanh(float v) {
    const float k = 0.7978845608028654f; // sqrt(2/pi)
    return 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
}

// gelu_erf is the exact GELU, 0.5·v·(1+erf(v/√2)).
__device__ __forceinline__ float gelu_erf(float v) {
    return 0.5f * v * (1.0f + erff(v * 0.7071067811865476f));
}

// bias_act adds bias (when not null) to every row of the rows×cols matrix y
// in place, then applies the activation: 0 none, 1 GELU-tanh, 2 exact GELU.
// It runs after the cuBLAS product of a Linear. Grid-stride over elements.
extern "C" __global__ void bias_act(float* y, int ldy, int rows, int cols, const float* bias, int act) {
    const long long total = (long long)rows * cols;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
        const int r = (int)(i / cols);
        const int c = (int)(i - (long long)r * cols);
        float* p = y + (long long)r * ldy + c;
        float v = *p;
        if (bias != 0) v += bias[c];
        if (act == 1) {
            v = gelu_tanh(v);
        } else if (act == 2) {
            v = gelu_erf(v);
        }
        *p = v;
    }
}

// add computes dst = a + b element by element over rows×cols; dst may alias
// a or b (each element is read and written by the same thread).
extern "C" __global__ void add(float* dst, int ldd, const float* a, int lda, const float* b, int ldb,
                               int rows, int cols) {
    const long long total = (long long)rows * cols;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
        const long long r = i / cols;
        const long long c = i - r * cols;
        dst[r * ldd + c] = a[r * lda + c] + b[r * ldb + c];
    }
}

// masked_softmax turns scaled attention scores into probabilities in place.
// Row blockIdx.x of sequence blockIdx.y starts at p + blockIdx.y·seq_stride +
// blockIdx.x·ldp and has klen columns; only the first valid.n[blockIdx.y]
// take part (their max and sum), the rest are set to exactly 0 without being
// read, so they may hold anything (the score product may skip them).
extern "C" __global__ void masked_softmax(float* p, long long seq_stride, int ldp, int klen, ValidKeys valid) {
    __shared__ float red[33];
    float* row = p + (long long)blockIdx.y * seq_stride + (long long)blockIdx.x * ldp;
    const int n = valid.n[blockIdx.y];

    float m = NEG_INF;
    for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, row[j]);
    m = block_max(m, red);

    float s = 0.0f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) s += expf(row[j] - m);
    s = block_sum(s, red);

    for (int j = threadIdx.x; j < klen; j += blockDim.x) {
        row[j] = j < n ? expf(row[j] - m) / s : 0.0f;
    }
}
