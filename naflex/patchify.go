package naflex

import "fmt"

// Patchify cuts a normalised height × width × 3 image (HWC float32, height
// and width multiples of patch) into gridH × gridW patches, as
// Siglip2ImageProcessor's convert_image_to_patches and pad_along_first_dim
// do: patches in row-major grid order, each flattened (py, px, channel) to
// patch·patch·3 values, followed by zero rows up to maxPatches.
//
// patches has maxPatches·patch·patch·3 values; mask[i] is 1 for the
// gridH·gridW real patches and 0 for padding. For fixed-resolution
// checkpoints pass maxPatches = gridH·gridW (no padding).
func Patchify(pix []float32, height, width, patch, maxPatches int) (patches []float32, mask []int32, gridH, gridW int, err error) {
	if height <= 0 || width <= 0 || patch <= 0 {
		return nil, nil, 0, 0, fmt.Errorf("patchify: image %dx%d with patch %d: sizes must be positive", width, height, patch)
	}
	if height%patch != 0 || width%patch != 0 {
		return nil, nil, 0, 0, fmt.Errorf("patchify: image %dx%d is not a multiple of the %d-pixel patch; resize to TargetSize first", width, height, patch)
	}
	if len(pix) != height*width*3 {
		return nil, nil, 0, 0, fmt.Errorf("patchify: %d values for a %dx%d RGB image, want %d", len(pix), width, height, height*width*3)
	}
	gridH, gridW = height/patch, width/patch
	if gridH*gridW > maxPatches {
		return nil, nil, 0, 0, fmt.Errorf("patchify: %dx%d grid has %d patches, more than max_num_patches %d", gridH, gridW, gridH*gridW, maxPatches)
	}
	rowLen := patch * 3 // one patch row: px, channel
	per := patch * rowLen
	patches = make([]float32, maxPatches*per)
	mask = make([]int32, maxPatches)
	for gy := 0; gy < gridH; gy++ {
		for gx := 0; gx < gridW; gx++ {
			n := gy*gridW + gx
			mask[n] = 1
			dst := patches[n*per : (n+1)*per]
			for py := 0; py < patch; py++ {
				src := ((gy*patch+py)*width + gx*patch) * 3
				copy(dst[py*rowLen:(py+1)*rowLen], pix[src:src+rowLen])
			}
		}
	}
	return patches, mask, gridH, gridW, nil
}
