package preprocess

import (
	"fmt"
	"image"
)

// jpegYCbCrToRGB converts the YCbCr planes Go's JPEG decoder produces to RGB
// the way libjpeg-turbo (PIL's JPEG decoder) does by default: chroma is
// "fancy" upsampled (triangle filter, 3/4 nearer + 1/4 farther sample per
// axis, with libjpeg's alternating rounding biases) and converted with
// libjpeg's 16-bit fixed-point tables. Go's own YCbCr.At would replicate
// chroma instead, which is off by tens of levels at colour edges.
//
// What remains different from PIL is the IDCT: Go's integer IDCT is not
// libjpeg's islow IDCT, so individual decoded samples can differ by a
// level or two. JPEG is therefore decoded close to, not exactly as, PIL.
func jpegYCbCrToRGB(m *image.YCbCr) (*Image, error) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	if m.Rect.Min != (image.Point{}) {
		return nil, fmt.Errorf("YCbCr image starts at %v, want the origin", m.Rect.Min)
	}
	hs, vs := 1, 1
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
	case image.YCbCrSubsampleRatio422:
		hs = 2
	case image.YCbCrSubsampleRatio420:
		hs, vs = 2, 2
	case image.YCbCrSubsampleRatio440:
		vs = 2
	case image.YCbCrSubsampleRatio411:
		hs = 4
	case image.YCbCrSubsampleRatio410:
		hs, vs = 4, 2
	default:
		return nil, fmt.Errorf("unsupported chroma subsampling %v", m.SubsampleRatio)
	}
	cw, ch := (w+hs-1)/hs, (h+vs-1)/vs
	cb := libjpegUpsample(m.Cb, m.CStride, cw, ch, hs, vs, w, h)
	cr := libjpegUpsample(m.Cr, m.CStride, cw, ch, hs, vs, w, h)
	out, err := NewImage(w, h)
	if err != nil {
		return nil, err
	}
	t := &ycc
	for y := 0; y < h; y++ {
		yrow := m.Y[y*m.YStride:][:w]
		for x, yv := range yrow {
			i := y*w + x
			Y, b, r := int(yv), cb[i], cr[i]
			p := out.Pix[3*i : 3*i+3 : 3*i+3]
			p[0] = clampByte(Y + t.crR[r])
			p[1] = clampByte(Y + int((t.cbG[b]+t.crG[r])>>16))
			p[2] = clampByte(Y + t.cbB[b])
		}
	}
	return out, nil
}

// yccTables are libjpeg's YCbCr → RGB tables (jdcolor.c, SCALEBITS = 16):
// R = Y + round(1.402·Cr'), B = Y + round(1.772·Cb'),
// G = Y + ((−0.34414·Cb' + ½) + (−0.71414·Cr')) >> 16, with Cx' = Cx − 128
// and the coefficients rounded to 16-bit fixed point.
type yccTables struct {
	crR, cbB [256]int
	crG, cbG [256]int64
}

var ycc = func() (t yccTables) {
	fix := func(x float64) int64 { return int64(x*(1<<16) + 0.5) }
	const half = int64(1) << 15
	for i := range 256 {
		x := int64(i - 128)
		t.crR[i] = int((fix(1.40200)*x + half) >> 16)
		t.cbB[i] = int((fix(1.77200)*x + half) >> 16)
		t.crG[i] = -fix(0.71414) * x
		t.cbG[i] = -fix(0.34414)*x + half
	}
	return t
}()

func clampByte(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// libjpegUpsample expands a cw × ch chroma plane to w × h as libjpeg-turbo's
// jdsample.c does with do_fancy_upsampling on: h2v1 and h2v2 fancy
// upsampling when the plane is wider than 2 samples, h1v2 fancy always,
// and plain replication otherwise (4:1:1, 4:1:0, narrow planes). Rows above
// the first and below the last repeat the edge row, as libjpeg's context
// rows do.
func libjpegUpsample(src []uint8, stride, cw, ch, hs, vs, w, h int) []uint8 {
	out := make([]uint8, w*h)
	at := func(x, y int) int { return int(src[y*stride+x]) }
	ow := cw * hs // upsampled row length before cropping to w
	row := make([]int, ow)
	fancyH := hs == 2 && cw > 2
	for y := 0; y < h; y++ {
		cy := y / vs
		switch {
		case hs == 2 && vs == 2 && fancyH:
			// Nearer row cy, farther row above (even y) or below (odd y).
			far := cy - 1
			if y%2 == 1 {
				far = cy + 1
			}
			far = max(0, min(ch-1, far))
			col := func(x int) int { return 3*at(x, cy) + at(x, far) }
			this, next := col(0), col(1)
			row[0] = (this*4 + 8) >> 4
			row[1] = (this*3 + next + 7) >> 4
			last := this
			this = next
			for x := 1; x < cw-1; x++ {
				next = col(x + 1)
				row[2*x] = (this*3 + last + 8) >> 4
				row[2*x+1] = (this*3 + next + 7) >> 4
				last, this = this, next
			}
			row[2*cw-2] = (this*3 + last + 8) >> 4
			row[2*cw-1] = (this*4 + 7) >> 4
		case hs == 2 && vs == 1 && fancyH:
			v := at(0, cy)
			row[0] = v
			row[1] = (v*3 + at(1, cy) + 2) >> 2
			for x := 1; x < cw-1; x++ {
				v = at(x, cy) * 3
				row[2*x] = (v + at(x-1, cy) + 1) >> 2
				row[2*x+1] = (v + at(x+1, cy) + 2) >> 2
			}
			v = at(cw-1, cy)
			row[2*cw-2] = (v*3 + at(cw-2, cy) + 1) >> 2
			row[2*cw-1] = v
		case hs == 1 && vs == 2:
			far, bias := cy-1, 1
			if y%2 == 1 {
				far, bias = cy+1, 2
			}
			far = max(0, min(ch-1, far))
			for x := 0; x < cw; x++ {
				row[x] = (3*at(x, cy) + at(x, far) + bias) >> 2
			}
		default: // replication
			for x := 0; x < ow; x++ {
				row[x] = at(x/hs, cy)
			}
		}
		o := out[y*w : (y+1)*w]
		for x := range o {
			o[x] = uint8(row[x])
		}
	}
	return out
}
