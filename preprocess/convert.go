package preprocess

import (
	"fmt"
	"image"
	"image/color"
)

// toRGB converts a decoded image to RGB the way PIL's convert("RGB") does
// after Image.open (Pillow 9.4):
//
//   - alpha is dropped, never composited: the stored straight (non-
//     premultiplied) colour values are kept, even under alpha 0;
//   - grey is replicated to R = G = B;
//   - palette indices are expanded through the file's palette; an index past
//     the end of a short palette gives (i, i, i), PIL's default palette;
//   - 16-bit colour and grey+alpha keep the high byte of each sample (what
//     PIL's ";16B" unpackers do);
//   - 16-bit greyscale without alpha (PNG colour type 0 at depth 16, or
//     16-bit grey TIFF) is CLIPPED to 0..255, not scaled: PIL opens it as
//     mode "I" / "I;16" whose conversion to RGB saturates, so every value
//     ≥ 255 becomes white. This is what Hugging Face feeds the model for such
//     files, so it is reproduced here deliberately;
//   - TIFF with associated (premultiplied) alpha is un-premultiplied with
//     PIL's integer formula c·255/a (0 where a = 0) before alpha is dropped;
//   - CMYK JPEGs use PIL's cmyk2rgb; YCbCr JPEG and lossy WebP use the
//     libjpeg-turbo / libwebp chroma upsampling and colour conversion (see
//     jpeg.go and webp.go).
func toRGB(format imageFormat, data []byte, img image.Image, cfg image.Config) (*Image, error) {
	if format == formatGIF {
		return gifToRGB(data, img, cfg)
	}
	b := img.Bounds()
	if b.Min != (image.Point{}) || b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("decoded bounds %v disagree with the header's %dx%d", b, cfg.Width, cfg.Height)
	}
	w, h := b.Dx(), b.Dy()
	out, err := NewImage(w, h)
	if err != nil {
		return nil, err
	}
	switch m := img.(type) {
	case *image.Gray:
		forEachPixel(out, func(x, y int, p []uint8) {
			v := m.Pix[y*m.Stride+x]
			p[0], p[1], p[2] = v, v, v
		})
	case *image.Gray16:
		forEachPixel(out, func(x, y int, p []uint8) {
			i := y*m.Stride + 2*x
			v := clipGrey16(uint16(m.Pix[i])<<8 | uint16(m.Pix[i+1]))
			p[0], p[1], p[2] = v, v, v
		})
	case *image.NRGBA:
		forEachPixel(out, func(x, y int, p []uint8) {
			copy(p, m.Pix[y*m.Stride+4*x:][:3])
		})
	case *image.RGBA:
		forEachPixel(out, func(x, y int, p []uint8) {
			s := m.Pix[y*m.Stride+4*x:][:4]
			unpremultiply(p, s[0], s[1], s[2], s[3])
		})
	case *image.NRGBA64:
		clip := format == formatPNG && pngColorType(data) == 0 // grey16 + tRNS: PIL mode "I"
		forEachPixel(out, func(x, y int, p []uint8) {
			s := m.Pix[y*m.Stride+8*x:][:8]
			if clip {
				v := clipGrey16(uint16(s[0])<<8 | uint16(s[1]))
				p[0], p[1], p[2] = v, v, v
				return
			}
			p[0], p[1], p[2] = s[0], s[2], s[4]
		})
	case *image.RGBA64:
		forEachPixel(out, func(x, y int, p []uint8) {
			s := m.Pix[y*m.Stride+8*x:][:8]
			a := uint32(s[6])<<8 | uint32(s[7])
			for c := range 3 {
				v := uint32(s[2*c])<<8 | uint32(s[2*c+1])
				if a != 0xffff {
					if a == 0 {
						v = 0
					} else {
						v = min(v*0xffff/a, 0xffff)
					}
				}
				p[c] = uint8(v >> 8)
			}
		})
	case *image.Paletted:
		pal := paletteRGB(m.Palette, paletteLen(format, data, len(m.Palette)))
		forEachPixel(out, func(x, y int, p []uint8) {
			copy(p, pal[m.Pix[y*m.Stride+x]][:])
		})
	case *image.YCbCr:
		if format == formatWebP {
			return webpToRGB(m)
		}
		return jpegYCbCrToRGB(m)
	case *image.NYCbCrA:
		if format == formatWebP {
			return webpToRGB(&m.YCbCr)
		}
		return jpegYCbCrToRGB(&m.YCbCr)
	case *image.CMYK:
		forEachPixel(out, func(x, y int, p []uint8) {
			s := m.Pix[y*m.Stride+4*x:][:4]
			cmykToRGB(p, s[0], s[1], s[2], s[3])
		})
	default:
		// Not produced by the decoders used here; keep straight colours.
		forEachPixel(out, func(x, y int, p []uint8) {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			p[0], p[1], p[2] = c.R, c.G, c.B
		})
	}
	return out, nil
}

// forEachPixel calls fn with the 3-byte RGB slot of every output pixel.
func forEachPixel(out *Image, fn func(x, y int, p []uint8)) {
	for y := 0; y < out.Height; y++ {
		row := out.Pix[3*y*out.Width:]
		for x := 0; x < out.Width; x++ {
			fn(x, y, row[3*x:3*x+3:3*x+3])
		}
	}
}

// clipGrey16 is PIL's "I" → "RGB" conversion of a 16-bit grey sample:
// saturate at 255.
func clipGrey16(v uint16) uint8 {
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// unpremultiply writes PIL's "RGBa" → "RGBA" unpacking of a premultiplied
// pixel: c·255/a with integer division, 0 when a = 0, unchanged when a = 255.
func unpremultiply(p []uint8, r, g, b, a uint8) {
	switch a {
	case 255:
		p[0], p[1], p[2] = r, g, b
	case 0:
		p[0], p[1], p[2] = 0, 0, 0
	default:
		for c, v := range [3]uint8{r, g, b} {
			p[c] = uint8(min(int(v)*255/int(a), 255))
		}
	}
}

// cmykToRGB is PIL's cmyk2rgb: each channel is (255−k) − c·(255−k)/255,
// the division done with PIL's MULDIV255 rounding.
func cmykToRGB(p []uint8, c, m, y, k uint8) {
	nk := 255 - int(k)
	for i, v := range [3]uint8{c, m, y} {
		t := int(v)*nk + 128
		p[i] = uint8(max(0, min(255, nk-((t>>8)+t)>>8)))
	}
}

// paletteRGB expands a palette to 256 RGB entries: the first n from the
// file, the rest PIL's default grey ramp (i, i, i).
func paletteRGB(pal color.Palette, n int) [256][3]uint8 {
	var out [256][3]uint8
	for i := range out {
		out[i] = [3]uint8{uint8(i), uint8(i), uint8(i)}
	}
	for i := 0; i < n && i < len(pal) && i < 256; i++ {
		switch c := pal[i].(type) {
		case color.RGBA: // opaque entries: R, G, B are the stored values
			out[i] = [3]uint8{c.R, c.G, c.B}
		case color.NRGBA:
			out[i] = [3]uint8{c.R, c.G, c.B}
		default:
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			out[i] = [3]uint8{n.R, n.G, n.B}
		}
	}
	return out
}

// paletteLen is the number of palette entries the file really defines. Go's
// PNG decoder pads a short PLTE with black to cover every index used; PIL
// uses its grey ramp there instead, so the PLTE length is read from the file.
func paletteLen(format imageFormat, data []byte, goLen int) int {
	if format == formatPNG {
		if n, ok := pngPLTELen(data); ok {
			return min(n, goLen)
		}
	}
	return goLen
}
