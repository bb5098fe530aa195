package preprocess

import "fmt"

// MaxPixels is the largest pixel count any function of this package will
// allocate for one image (2^30 pixels, i.e. 3 GiB of RGB data). It bounds
// resize targets; decoding uses the tighter, configurable Limits.
const MaxPixels = 1 << 30

// Image is an 8-bit RGB image stored height × width × channel, row-major:
// the red value of pixel (x, y) is Pix[3*(y*Width+x)]. It is the layout PIL
// and numpy use for mode "RGB" images, so it can be compared byte for byte
// with them.
type Image struct {
	Width, Height int
	Pix           []uint8
}

// NewImage allocates a black width × height image. It returns an error for
// non-positive or oversized dimensions instead of panicking.
func NewImage(width, height int) (*Image, error) {
	if err := checkDims(width, height); err != nil {
		return nil, err
	}
	return &Image{Width: width, Height: height, Pix: make([]uint8, 3*width*height)}, nil
}

// Validate reports whether the image is usable: positive dimensions within
// MaxPixels and a Pix slice of exactly 3·Width·Height bytes.
func (im *Image) Validate() error {
	if im == nil {
		return fmt.Errorf("image is nil")
	}
	if err := checkDims(im.Width, im.Height); err != nil {
		return err
	}
	if len(im.Pix) != 3*im.Width*im.Height {
		return fmt.Errorf("image %dx%d has %d bytes of pixel data, want %d (3 bytes per pixel, RGB)",
			im.Width, im.Height, len(im.Pix), 3*im.Width*im.Height)
	}
	return nil
}

// checkDims rejects sizes that are zero, negative or above MaxPixels.
func checkDims(width, height int) error {
	if width <= 0 || height <= 0 {
		return fmt.Errorf("image size %dx%d: both sides must be at least 1 pixel", width, height)
	}
	if width > MaxPixels || height > MaxPixels || width*height > MaxPixels {
		return fmt.Errorf("image size %dx%d exceeds the %d-pixel maximum", width, height, MaxPixels)
	}
	return nil
}
