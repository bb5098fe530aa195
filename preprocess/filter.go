package preprocess

import (
	"fmt"
	"math"
)

// Filter selects a resampling filter. The values equal PIL's
// Image.Resampling constants, which is also how Hugging Face configs store
// them ("resample": 2 in preprocessor_config.json means Bilinear).
type Filter int

// The PIL resampling filters. SigLIP-family configs use Bilinear (2) or
// Bicubic (3); the others are provided because they cost nothing extra.
const (
	// Nearest is PIL NEAREST (0): the source pixel under each output pixel centre.
	Nearest Filter = 0
	// Lanczos is PIL LANCZOS (1): a 3-lobe windowed sinc.
	Lanczos Filter = 1
	// Bilinear is PIL BILINEAR (2): a triangle filter, widened when downscaling.
	Bilinear Filter = 2
	// Bicubic is PIL BICUBIC (3): Keys cubic with a = −0.5, widened when downscaling.
	Bicubic Filter = 3
	// Box is PIL BOX (4): each output pixel averages the source pixels it covers.
	Box Filter = 4
	// Hamming is PIL HAMMING (5): a Hamming-windowed sinc with support 1.
	Hamming Filter = 5
)

// String returns PIL's name for the filter.
func (f Filter) String() string {
	switch f {
	case Nearest:
		return "NEAREST"
	case Lanczos:
		return "LANCZOS"
	case Bilinear:
		return "BILINEAR"
	case Bicubic:
		return "BICUBIC"
	case Box:
		return "BOX"
	case Hamming:
		return "HAMMING"
	}
	return fmt.Sprintf("Filter(%d)", int(f))
}

// FilterFromPIL converts a PIL resample code (the "resample" field of a
// Hugging Face preprocessor_config.json) to a Filter.
func FilterFromPIL(resample int) (Filter, error) {
	if resample < int(Nearest) || resample > int(Hamming) {
		return 0, fmt.Errorf("unknown PIL resample filter %d: want 0 (NEAREST), 1 (LANCZOS), 2 (BILINEAR), 3 (BICUBIC), 4 (BOX) or 5 (HAMMING)", resample)
	}
	return Filter(resample), nil
}

// kernel is one of Pillow's convolution filters: its function and support
// (half-width in source pixels at scale 1).
type kernel struct {
	fn      func(x float64) float64
	support float64
}

// kernelFor returns the convolution kernel of a filter; Nearest has none.
func kernelFor(f Filter) (kernel, bool) {
	switch f {
	case Box:
		return kernel{boxKernel, 0.5}, true
	case Bilinear:
		return kernel{triangleKernel, 1}, true
	case Hamming:
		return kernel{hammingKernel, 1}, true
	case Bicubic:
		return kernel{cubicKernel, 2}, true
	case Lanczos:
		return kernel{lanczosKernel, 3}, true
	}
	return kernel{}, false
}

// The kernels below evaluate in float64 with every intermediate rounded as
// in Pillow's C (compiled without FMA): the explicit float64 conversions stop
// the Go compiler from fusing a multiply and an add on architectures that
// could.

func boxKernel(x float64) float64 {
	if x > -0.5 && x <= 0.5 {
		return 1
	}
	return 0
}

func triangleKernel(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// hammingC54 and hammingC46 are the C float literals 0.54f and 0.46f
// Pillow uses, promoted to double.
var (
	hammingC54 = float64(float32(0.54))
	hammingC46 = float64(float32(0.46))
)

func hammingKernel(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x == 0 {
		return 1
	}
	if x >= 1 {
		return 0
	}
	x = float64(x * math.Pi)
	win := hammingC54 + float64(hammingC46*math.Cos(x))
	return float64(math.Sin(x)/x) * win
}

func cubicKernel(x float64) float64 {
	// Keys cubic convolution with a = -0.5, as Pillow writes it.
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		t := float64((a+2)*x) - (a + 3)
		t = float64(t * x)
		t = float64(t * x)
		return t + 1
	}
	if x < 2 {
		t := float64((x-5)*x) + 8
		t = float64(t*x) - 4
		return t * a
	}
	return 0
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x = float64(x * math.Pi)
	return math.Sin(x) / x
}

func lanczosKernel(x float64) float64 {
	if -3 <= x && x < 3 {
		return float64(sinc(x) * sinc(x/3))
	}
	return 0
}
