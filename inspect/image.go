package inspect

import (
	"image"

	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// NRGBA converts the engine's 8-bit RGB image (height × width × channel) to
// an opaque *image.NRGBA, the form viz draws on.
func NRGBA(img *preprocess.Image) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, img.Width, img.Height))
	for i, j := 0, 0; i+2 < len(img.Pix); i, j = i+3, j+4 {
		out.Pix[j], out.Pix[j+1], out.Pix[j+2], out.Pix[j+3] = img.Pix[i], img.Pix[i+1], img.Pix[i+2], 255
	}
	return out
}
