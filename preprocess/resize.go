package preprocess

import (
	"fmt"
	"math"
)

// precisionBits is the number of fraction bits of Pillow's 8-bit resampling
// coefficients (32 − 8 − 2: 8 bits of pixel, 2 bits of headroom for filters
// whose weights overshoot).
const precisionBits = 32 - 8 - 2

// axisCoeffs holds the fixed-point weights of one resampling axis: output
// index i reads count[i] source samples starting at start[i], weighted by
// k[i*ksize : i*ksize+count[i]].
type axisCoeffs struct {
	ksize int
	start []int
	count []int
	k     []int32
}

// computeAxis reproduces Pillow's precompute_coeffs followed by
// normalize_coeffs_8bpc for the whole source range (box 0..inSize):
// the kernel is stretched by the scale factor when downscaling (so
// BILINEAR and BICUBIC antialias), each output's weights are normalised to
// sum to 1 in float64 and then rounded to 22-bit fixed point.
func computeAxis(inSize, outSize int, kern kernel) axisCoeffs {
	// Pillow passes the box as C floats; an int side above 2^24 rounds.
	in0 := float64(float32(0))
	in1 := float64(float32(inSize))
	scale := (in1 - in0) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := kern.support * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := axisCoeffs{
		ksize: ksize,
		start: make([]int, outSize),
		count: make([]int, outSize),
		k:     make([]int32, outSize*ksize),
	}
	w := make([]float64, ksize)
	ss := 1 / filterscale
	for xx := 0; xx < outSize; xx++ {
		center := in0 + float64((float64(xx)+0.5)*scale)
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		n := xmax - xmin
		if n < 0 {
			n = 0
		}
		if n > ksize { // cannot happen (n ≤ 2·support+1); keeps indexing safe
			n = ksize
		}
		ww := 0.0
		for x := 0; x < n; x++ {
			v := kern.fn(float64((float64(x+xmin) - center + 0.5) * ss))
			w[x] = v
			ww += v
		}
		kk := c.k[xx*ksize : xx*ksize+n]
		for x := 0; x < n; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				kk[x] = int32(-0.5 + float64(v*(1<<precisionBits)))
			} else {
				kk[x] = int32(0.5 + float64(v*(1<<precisionBits)))
			}
		}
		c.start[xx] = xmin
		c.count[xx] = n
	}
	return c
}

// clip8 converts a fixed-point accumulator to a byte as Pillow's clip8 does:
// arithmetic shift by precisionBits, then saturate to 0..255.
func clip8(v int32) uint8 {
	v >>= precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Resize returns img scaled to width × height with the given filter,
// byte for byte equal to PIL's Image.resize((width, height), resample) on a
// mode "RGB" image (Pillow 9.4, reducing_gap=None, which is what Hugging
// Face's image processors call).
//
// Like Pillow it resamples horizontally first (only the source rows the
// vertical pass will read), quantising to 8 bits between the passes, and
// skips a pass whose size does not change; the same size returns a copy.
// Work is spread over GOMAXPROCS goroutines; the result does not depend on
// their number.
func Resize(img *Image, width, height int, f Filter) (*Image, error) {
	if err := img.Validate(); err != nil {
		return nil, fmt.Errorf("resize: %w", err)
	}
	if err := checkDims(width, height); err != nil {
		return nil, fmt.Errorf("resize to %dx%d: %w", width, height, err)
	}
	if img.Width == width && img.Height == height {
		out := &Image{Width: width, Height: height, Pix: make([]uint8, len(img.Pix))}
		copy(out.Pix, img.Pix)
		return out, nil
	}
	if f == Nearest {
		return resizeNearest(img, width, height), nil
	}
	kern, ok := kernelFor(f)
	if !ok {
		return nil, fmt.Errorf("resize: unsupported filter %v", f)
	}

	vert := computeAxis(img.Height, height, kern)
	src := img
	if width != img.Width {
		horiz := computeAxis(img.Width, width, kern)
		// Only rows first..last-1 are read by the vertical pass (or all
		// rows when there is none, as then first=0 and last=Height).
		first, last := 0, img.Height
		if height != img.Height {
			first = vert.start[0]
			last = vert.start[height-1] + vert.count[height-1]
			for i := range vert.start {
				vert.start[i] -= first
			}
		}
		tmp := &Image{Width: width, Height: last - first, Pix: make([]uint8, 3*width*(last-first))}
		resampleHorizontal(tmp, img, first, &horiz)
		src = tmp
	}
	if height == img.Height {
		return src, nil
	}
	out := &Image{Width: src.Width, Height: height, Pix: make([]uint8, 3*src.Width*height)}
	resampleVertical(out, src, &vert)
	return out, nil
}

// resampleHorizontal fills every row of dst from source row first+y of src.
func resampleHorizontal(dst, src *Image, first int, c *axisCoeffs) {
	const half = int32(1) << (precisionBits - 1)
	sstride, dstride := 3*src.Width, 3*dst.Width
	work := dst.Height * dst.Width * c.ksize
	parallelRows(dst.Height, work, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			srow := src.Pix[(first+y)*sstride : (first+y+1)*sstride]
			drow := dst.Pix[y*dstride : (y+1)*dstride]
			for xx := 0; xx < dst.Width; xx++ {
				n := c.count[xx]
				k := c.k[xx*c.ksize : xx*c.ksize+n]
				s := srow[3*c.start[xx] : 3*(c.start[xx]+n)]
				r, g, b := half, half, half
				for len(s) >= 6 && len(k) >= 2 {
					w0, w1 := k[0], k[1]
					r += int32(s[0])*w0 + int32(s[3])*w1
					g += int32(s[1])*w0 + int32(s[4])*w1
					b += int32(s[2])*w0 + int32(s[5])*w1
					s, k = s[6:], k[2:]
				}
				if len(s) >= 3 && len(k) > 0 {
					w := k[0]
					r += int32(s[0]) * w
					g += int32(s[1]) * w
					b += int32(s[2]) * w
				}
				drow[3*xx] = clip8(r)
				drow[3*xx+1] = clip8(g)
				drow[3*xx+2] = clip8(b)
			}
		}
	})
}

// resampleVertical fills dst (same width as src) row by row. Sums of
// integers are exact, so accumulating a whole row at a time gives the same
// bytes as Pillow's per-pixel loop.
func resampleVertical(dst, src *Image, c *axisCoeffs) {
	const half = int32(1) << (precisionBits - 1)
	stride := 3 * src.Width
	work := dst.Height * dst.Width * c.ksize
	parallelRows(dst.Height, work, func(y0, y1 int) {
		acc := make([]int32, stride)
		for yy := y0; yy < y1; yy++ {
			for i := range acc {
				acc[i] = half
			}
			n := c.count[yy]
			k := c.k[yy*c.ksize : yy*c.ksize+n]
			for i, w := range k {
				srow := src.Pix[(c.start[yy]+i)*stride : (c.start[yy]+i+1)*stride]
				for j, v := range srow {
					acc[j] += int32(v) * w
				}
			}
			drow := dst.Pix[yy*stride : (yy+1)*stride]
			for j, v := range acc {
				drow[j] = clip8(v)
			}
		}
	})
}

// resizeNearest reproduces PIL's NEAREST resize, an affine scale with the
// source position accumulated in float64 and truncated:
// x_in = int(a/2 + x·a) with a = in/out, accumulated by repeated addition.
func resizeNearest(img *Image, width, height int) *Image {
	out := &Image{Width: width, Height: height, Pix: make([]uint8, 3*width*height)}
	ax := float64(float32(img.Width)) / float64(width)
	ay := float64(float32(img.Height)) / float64(height)
	xin := make([]int, width)
	xo := ax * 0.5
	for x := range xin {
		xin[x] = nearestCoord(xo, img.Width)
		xo += ax
	}
	yo := ay * 0.5
	for y := 0; y < height; y++ {
		yi := nearestCoord(yo, img.Height)
		yo += ay
		if yi < 0 {
			continue // PIL leaves such rows black
		}
		srow := img.Pix[yi*3*img.Width:]
		drow := out.Pix[y*3*width : (y+1)*3*width]
		for x, xi := range xin {
			if xi >= 0 {
				copy(drow[3*x:3*x+3], srow[3*xi:3*xi+3])
			}
		}
	}
	return out
}

// nearestCoord is Pillow's COORD macro plus its range check: −1 when the
// position falls outside 0..size-1.
func nearestCoord(v float64, size int) int {
	if v < 0 {
		return -1
	}
	i := int(v)
	if i >= size {
		return -1
	}
	return i
}
