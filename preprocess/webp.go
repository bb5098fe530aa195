package preprocess

import (
	"fmt"
	"image"
)

// webpToRGB converts the 4:2:0 planes of a lossy WebP (VP8) to RGB exactly as
// libwebp, PIL's WebP decoder, does by default: "fancy" chroma upsampling
// (each output sample mixes the four nearest chroma samples 9:3:3:1, with
// libwebp's rounding) and the 14-bit fixed-point BT.601 limited-range
// conversion of libwebp's dsp/yuv.h. VP8 decoding itself is bit-exact by
// specification, so lossy WebP matches PIL byte for byte.
func webpToRGB(m *image.YCbCr) (*Image, error) {
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 || m.Rect.Min != (image.Point{}) {
		return nil, fmt.Errorf("unexpected WebP plane layout %v at %v", m.SubsampleRatio, m.Rect.Min)
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out, err := NewImage(w, h)
	if err != nil {
		return nil, err
	}
	uvRows := (h + 1) / 2
	crow := func(plane []uint8, r int) []uint8 { return plane[r*m.CStride:][:(w+1)/2] }
	for y := 0; y < h; y++ {
		// libwebp emits row 0 from chroma row 0 alone, then row pairs
		// (2k−1, 2k) from chroma rows k−1 and k; a final even-height row
		// uses the last chroma row alone. near is the closer chroma row.
		var near, far int
		switch {
		case y == 0:
			near, far = 0, 0
		case y%2 == 1:
			near, far = (y-1)/2, (y+1)/2
			if far >= uvRows {
				far = near
			}
		default:
			near, far = y/2, y/2-1
		}
		dst := out.Pix[3*y*w : 3*(y+1)*w]
		webpUpsampleRow(dst, m.Y[y*m.YStride:][:w],
			crow(m.Cb, near), crow(m.Cr, near), crow(m.Cb, far), crow(m.Cr, far))
	}
	return out, nil
}

// webpUpsampleRow is one output row of libwebp's UpsampleRgbLinePair: nu/nv
// the nearer chroma row, fu/fv the farther one.
func webpUpsampleRow(dst, ys, nu, nv, fu, fv []uint8) {
	n := len(ys)
	put := func(x int, u, v int) {
		y := int(ys[x])
		dst[3*x] = yuvClip(multHi(y, 19077) + multHi(v, 26149) - 14234)
		dst[3*x+1] = yuvClip(multHi(y, 19077) - multHi(u, 6419) - multHi(v, 13320) + 8708)
		dst[3*x+2] = yuvClip(multHi(y, 19077) + multHi(u, 33050) - 17685)
	}
	// edge: 3/4 nearer + 1/4 farther of the same column
	edge := func(near, far []uint8, x int) int { return (3*int(near[x]) + int(far[x]) + 2) >> 2 }
	put(0, edge(nu, fu, 0), edge(nv, fv, 0))
	pairs := (n - 1) >> 1
	for x := 1; x <= pairs; x++ {
		// nl/nr: nearer row left/right sample; fl/fr: farther row.
		mix := func(near, far []uint8) (left, right int) {
			nl, nr := int(near[x-1]), int(near[x])
			fl, fr := int(far[x-1]), int(far[x])
			avg := nl + nr + fl + fr + 8
			diagA := (avg + 2*(nr+fl)) >> 3 // weights the nearer-left sample less
			diagB := (avg + 2*(nl+fr)) >> 3
			return (diagA + nl) >> 1, (diagB + nr) >> 1
		}
		ul, ur := mix(nu, fu)
		vl, vr := mix(nv, fv)
		put(2*x-1, ul, vl)
		put(2*x, ur, vr)
	}
	if n&1 == 0 {
		last := pairs
		put(n-1, edge(nu, fu, last), edge(nv, fv, last))
	}
}

func multHi(v, coeff int) int { return (v * coeff) >> 8 }

// yuvClip is libwebp's VP8Clip8 with YUV_FIX2 = 6 fraction bits.
func yuvClip(v int) uint8 {
	const mask = (256 << 6) - 1
	if v&^mask == 0 {
		return uint8(v >> 6)
	}
	if v < 0 {
		return 0
	}
	return 255
}
