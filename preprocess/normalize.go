package preprocess

import "fmt"

// Normalize converts an 8-bit RGB image to float32 exactly as Hugging Face's
// rescale + normalize do in numpy:
//
//	x = float32(float64(u8) · rescale)   // image.astype(float64) * scale, then .astype(float32)
//	y = (x − mean[c]) / std[c]           // float32 subtraction and division
//
// The result is height × width × 3 (HWC), the layout NaFlex patchifies.
// Division (not multiplication by 1/std) matters: it is what numpy does and
// the two differ in the last bit. mean and std are the config values
// converted to float32, as np.array(mean, dtype=float32) does. A zero std
// yields ±Inf/NaN, as in numpy.
func Normalize(img *Image, rescale float64, mean, std [3]float32) ([]float32, error) {
	if err := img.Validate(); err != nil {
		return nil, fmt.Errorf("normalize: %w", err)
	}
	// Only 256 values exist per channel: tabulate them once.
	var lut [3][256]float32
	for c := range 3 {
		for v := range 256 {
			x := float32(float64(v) * rescale)
			lut[c][v] = (x - mean[c]) / std[c]
		}
	}
	out := make([]float32, len(img.Pix))
	for i := 0; i+2 < len(img.Pix); i += 3 {
		out[i] = lut[0][img.Pix[i]]
		out[i+1] = lut[1][img.Pix[i+1]]
		out[i+2] = lut[2][img.Pix[i+2]]
	}
	return out, nil
}

// ToCHW reorders a height × width × 3 float image into 3 × height × width,
// the layout of fixed-resolution pixel_values (N × 3 × H × W).
func ToCHW(hwc []float32, width, height int) ([]float32, error) {
	if err := checkDims(width, height); err != nil {
		return nil, fmt.Errorf("to CHW: %w", err)
	}
	n := width * height
	if len(hwc) != 3*n {
		return nil, fmt.Errorf("to CHW: %d values for a %dx%d RGB image, want %d", len(hwc), width, height, 3*n)
	}
	out := make([]float32, 3*n)
	for i := range n {
		out[i] = hwc[3*i]
		out[n+i] = hwc[3*i+1]
		out[2*n+i] = hwc[3*i+2]
	}
	return out, nil
}
