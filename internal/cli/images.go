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

// imageLimits are the decoding limits: preprocess's defaults (64
// megapixels) unless SIGLIP2_MAX_PIXELS says otherwise.
func imageLimits() preprocess.Limits {
	if v, err := strconv.Atoi(os.Getenv(maxPixelsEnv)); err == nil && v > 0 {
		return preprocess.Limits{MaxPixels: v}
	}
	return preprocess.Limits{}
}

// loadImage decodes an image file for the model, turning the size limit's
// error into advice a command-line user can follow.
func loadImage(path string) (*preprocess.Image, error) {
	img, err := preprocess.Load(path, imageLimits())
	if errors.Is(err, preprocess.ErrTooLarge) {
		return nil, fmt.Errorf("%w (shrink the image, or set %s to a larger pixel count, e.g. %s=200000000)", err, maxPixelsEnv, maxPixelsEnv)
	}
	return img, err
}
