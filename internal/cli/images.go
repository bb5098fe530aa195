package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// maxPixelsEnv raises (or lowers) the largest image the CLI decodes.
const maxPixelsEnv = "SIGLIP2_MAX_PIXELS"

// maxPixelsCeiling bounds SIGLIP2_MAX_PIXELS: 2 gigapixels of RGB are
// 6 GB before the first resize.
const maxPixelsCeiling = 2_000_000_000

// imageLimits are the decoding limits: preprocess's defaults (64
// megapixels) unless SIGLIP2_MAX_PIXELS says otherwise; a value that is
// not a pixel count in range is refused, with the range.
func imageLimits() (preprocess.Limits, error) {
	v := os.Getenv(maxPixelsEnv)
	if v == "" {
		return preprocess.Limits{}, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPixelsCeiling {
		return preprocess.Limits{}, fmt.Errorf("%s=%q: want a number of pixels from 1 to %d (e.g. 200000000), or unset it for 64 megapixels", maxPixelsEnv, v, maxPixelsCeiling)
	}
	return preprocess.Limits{MaxPixels: n}, nil
}

// loadImage decodes an image file for the model, turning the size limit's
// error into advice a command-line user can follow.
func loadImage(path string) (*preprocess.Image, error) {
	limits, err := imageLimits()
	if err != nil {
		return nil, err
	}
	img, err := preprocess.Load(path, limits)
	if errors.Is(err, preprocess.ErrTooLarge) {
		return nil, fmt.Errorf("%w (shrink the image, or set %s to a larger pixel count, e.g. %s=200000000)", err, maxPixelsEnv, maxPixelsEnv)
	}
	return img, err
}
