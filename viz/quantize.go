package viz

import (
	"image"
	"image/color"
	"sort"
)

// Quantize reduces the colours of img (alpha is ignored) to a palette of at most maxColors (1..256)
// by median cut, and returns the palette and each pixel's palette index
// in row-major order.
//
// Median cut works on a histogram of colours at 5 bits per channel: it
// repeatedly splits the box with the most pixels (that can be split)
// along its widest channel at the pixel median, and each palette entry is
// the mean colour of its box. An image with at most maxColors colours
// that differ at 5 bits per channel keeps its exact colours.
func Quantize(img *image.NRGBA, maxColors int) ([]color.NRGBA, []uint8) {
	pix, stride := img.Pix, img.Stride
	w, h := img.Rect.Dx(), img.Rect.Dy()
	maxColors = min(max(maxColors, 1), 256)
	type bin struct {
		key        uint16 // 5:5:5 RGB
		count      int
		sr, sg, sb int
	}
	bins := make([]bin, 1<<15)
	keys := make([]uint16, w*h)
	for y := range h {
		row := pix[y*stride:]
		for x := range w {
			r, g, b := row[4*x], row[4*x+1], row[4*x+2]
			k := uint16(r>>3)<<10 | uint16(g>>3)<<5 | uint16(b>>3)
			keys[y*w+x] = k
			e := &bins[k]
			e.count++
			e.sr += int(r)
			e.sg += int(g)
			e.sb += int(b)
		}
	}
	var all []*bin // occupied bins in key order
	for k := range bins {
		if bins[k].count > 0 {
			bins[k].key = uint16(k)
			all = append(all, &bins[k])
		}
	}

	chanOf := func(k uint16, c int) int { return int(k>>(10-5*c)) & 31 }
	type box struct {
		bins  []*bin
		count int
	}
	spread := func(bx box) (axis, width int) {
		best, bw := 0, -1
		for c := range 3 {
			lo, hi := 31, 0
			for _, e := range bx.bins {
				v := chanOf(e.key, c)
				lo, hi = min(lo, v), max(hi, v)
			}
			if hi-lo > bw {
				best, bw = c, hi-lo
			}
		}
		return best, bw
	}
	total := 0
	for _, e := range all {
		total += e.count
	}
	boxes := []box{{bins: all, count: total}}
	for len(boxes) < maxColors {
		// The most populous box with more than one bin.
		pick := -1
		for i, bx := range boxes {
			if len(bx.bins) > 1 && (pick < 0 || bx.count > boxes[pick].count) {
				pick = i
			}
		}
		if pick < 0 {
			break
		}
		bx := boxes[pick]
		axis, _ := spread(bx)
		sort.SliceStable(bx.bins, func(i, j int) bool {
			return chanOf(bx.bins[i].key, axis) < chanOf(bx.bins[j].key, axis)
		})
		half, acc, cut := bx.count/2, 0, 1
		for i, e := range bx.bins[:len(bx.bins)-1] {
			acc += e.count
			cut = i + 1
			if acc >= half {
				break
			}
		}
		a, b := box{bins: bx.bins[:cut]}, box{bins: bx.bins[cut:]}
		for _, e := range a.bins {
			a.count += e.count
		}
		b.count = bx.count - a.count
		boxes[pick] = a
		boxes = append(boxes, b)
	}
	palette := make([]color.NRGBA, len(boxes))
	for i, bx := range boxes {
		var n, sr, sg, sb int
		for _, e := range bx.bins {
			n += e.count
			sr += e.sr
			sg += e.sg
			sb += e.sb
		}
		if n > 0 {
			palette[i] = color.NRGBA{uint8((sr + n/2) / n), uint8((sg + n/2) / n), uint8((sb + n/2) / n), 255}
		}
	}
	// Each bin maps to the palette entry nearest its mean colour.
	index := make([]uint8, 1<<15)
	for _, e := range all {
		r, g, b := (e.sr+e.count/2)/e.count, (e.sg+e.count/2)/e.count, (e.sb+e.count/2)/e.count
		best, bd := 0, 1<<30
		for i, p := range palette {
			if d := sq(r-int(p.R)) + sq(g-int(p.G)) + sq(b-int(p.B)); d < bd {
				best, bd = i, d
			}
		}
		index[e.key] = uint8(best)
	}
	out := make([]uint8, w*h)
	for i, k := range keys {
		out[i] = index[k]
	}
	return palette, out
}
