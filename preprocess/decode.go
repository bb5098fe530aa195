package preprocess

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// DefaultMaxPixels is the default limit on width × height announced by an
// image header: 64 megapixels (e.g. 8000 × 8000), about 192 MiB once
// decoded to RGB. Raise it with Limits.MaxPixels.
const DefaultMaxPixels = 64 << 20

// DefaultMaxBytes is the default limit on the size of an encoded image
// file: 256 MiB. Raise it with Limits.MaxBytes.
const DefaultMaxBytes = 256 << 20

// Limits bounds what Decode and Load accept, so that a hostile or
// accidental huge file fails fast with an error instead of exhausting
// memory. The zero value means the defaults; to accept bigger images set
// the fields, e.g. Limits{MaxPixels: 200 << 20}.
type Limits struct {
	// MaxPixels is the largest width × height accepted, checked on the
	// header before any pixel is decoded. 0 means DefaultMaxPixels.
	MaxPixels int
	// MaxBytes is the largest encoded file accepted. 0 means DefaultMaxBytes.
	MaxBytes int64
}

func (l Limits) maxPixels() int {
	if l.MaxPixels > 0 {
		return min(l.MaxPixels, MaxPixels)
	}
	return DefaultMaxPixels
}

func (l Limits) maxBytes() int64 {
	if l.MaxBytes > 0 {
		return l.MaxBytes
	}
	return DefaultMaxBytes
}

// imageFormat names an encoded image format Decode understands.
type imageFormat string

// The formats Decode recognises by their leading bytes.
const (
	formatPNG  imageFormat = "png"
	formatJPEG imageFormat = "jpeg"
	formatGIF  imageFormat = "gif"
	formatBMP  imageFormat = "bmp"
	formatTIFF imageFormat = "tiff"
	formatWebP imageFormat = "webp"
)

// ErrUnsupportedFormat is wrapped by the error Decode returns for data that
// is not one of the supported formats.
var ErrUnsupportedFormat = errors.New("unsupported image format (supported: PNG, JPEG, GIF, BMP, TIFF, WebP)")

// ErrTooLarge is wrapped by the errors Decode returns for images over Limits.
var ErrTooLarge = errors.New("image too large")

// Load reads and decodes the image file at path; see Decode. path must be
// (or link to) a regular file: a FIFO, a device or a directory is refused
// at once rather than read (it could block forever, or never end).
func Load(path string, lim Limits) (*Image, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load image: %w", err)
	}
	defer f.Close()
	img, err := Decode(f, lim)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return img, nil
}

// Decode reads a PNG, JPEG, GIF (first frame), BMP, TIFF or WebP image and
// returns it as 8-bit RGB with the values PIL's Image.open(f).convert("RGB")
// gives under Pillow 9.4: alpha is dropped, not composited (a transparent
// pixel keeps its stored colour); grey is replicated; palettes are
// expanded; 16-bit colour keeps the high byte of each sample; 16-bit
// greyscale (PNG, TIFF) is clipped at 255 rather than scaled, because PIL
// opens it as mode "I" / "I;16" whose RGB conversion saturates — most such
// images come out nearly white, exactly as Hugging Face sees them.
// The header's size is checked against lim before the pixels are decoded;
// empty images are refused.
//
// Images are turned upright according to their EXIF orientation (JPEG,
// PNG, WebP, TIFF; see orientation), as transformers' image_utils.load_image
// does: it calls PIL.ImageOps.exif_transpose before convert("RGB"). HF
// applies it only there: a pipeline that passes PIL.Image.open(path)
// straight to the image processor does not rotate, so for a file with
// orientation ≠ 1 its pixels would be the unrotated ones.
//
// JPEG pixels can differ slightly from PIL's: chroma upsampling and colour
// conversion follow libjpeg-turbo exactly, but Go's IDCT is not libjpeg's
// (see jpegYCbCrToRGB); on the test photos about 4% of samples differ, by at
// most 3 levels. Every other format is decoded exactly as Pillow 9.4 does.
func Decode(r io.Reader, lim Limits) (*Image, error) {
	maxBytes := lim.maxBytes()
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w: file is over %d bytes", ErrTooLarge, maxBytes)
	}
	format, err := sniff(data)
	if err != nil {
		return nil, err
	}
	cfg, err := guard(format, "header", func() (image.Config, error) { return decodeConfig(format, data) })
	if err != nil {
		return nil, fmt.Errorf("read %s header: %w (the file is corrupt or truncated)", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s image has size %dx%d: nothing to process", format, cfg.Width, cfg.Height)
	}
	if maxPix := lim.maxPixels(); cfg.Width > maxPix || cfg.Height > maxPix || cfg.Width*cfg.Height > maxPix {
		return nil, fmt.Errorf("%w: %s image is %dx%d = %d pixels, over the limit of %d pixels",
			ErrTooLarge, format, cfg.Width, cfg.Height, int64(cfg.Width)*int64(cfg.Height), maxPix)
	}
	img, err := guard(format, "pixels", func() (image.Image, error) { return decodeImage(format, data) })
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w (the file is corrupt, truncated or uses a feature the Go decoder lacks)", format, err)
	}
	out, err := toRGB(format, data, img, cfg)
	if err != nil {
		return nil, fmt.Errorf("convert %s to RGB: %w", format, err)
	}
	return applyOrientation(out, orientation(format, data)), nil
}

// sniff identifies the format from the leading bytes.
func sniff(b []byte) (imageFormat, error) {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG, nil
	case bytes.HasPrefix(b, []byte("\xff\xd8")):
		return formatJPEG, nil
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return formatGIF, nil
	case bytes.HasPrefix(b, []byte("BM")):
		return formatBMP, nil
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return formatTIFF, nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return formatWebP, nil
	case len(b) == 0:
		return "", fmt.Errorf("%w: the file is empty", ErrUnsupportedFormat)
	}
	n := min(len(b), 8)
	return "", fmt.Errorf("%w: unrecognised leading bytes % x", ErrUnsupportedFormat, b[:n])
}

func decodeConfig(f imageFormat, b []byte) (image.Config, error) {
	r := bytes.NewReader(b)
	switch f {
	case formatPNG:
		return png.DecodeConfig(r)
	case formatJPEG:
		return jpeg.DecodeConfig(r)
	case formatGIF:
		return gif.DecodeConfig(r)
	case formatBMP:
		return bmp.DecodeConfig(r)
	case formatTIFF:
		return tiff.DecodeConfig(r)
	case formatWebP:
		return webp.DecodeConfig(r)
	}
	return image.Config{}, ErrUnsupportedFormat
}

func decodeImage(f imageFormat, b []byte) (image.Image, error) {
	r := bytes.NewReader(b)
	switch f {
	case formatPNG:
		return png.Decode(r)
	case formatJPEG:
		return jpeg.Decode(r)
	case formatGIF:
		return gif.Decode(r)
	case formatBMP:
		return bmp.Decode(r)
	case formatTIFF:
		return tiff.Decode(r)
	case formatWebP:
		return webp.Decode(r)
	}
	return nil, ErrUnsupportedFormat
}

// guard runs a third-party decoder step and turns a panic on malformed input
// into an error. The size checks in Decode come first; this is a last line
// of defence, not a substitute for them.
func guard[T any](f imageFormat, what string, fn func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, fmt.Errorf("the %s decoder failed on malformed %s: %v", f, what, p)
		}
	}()
	return fn()
}
