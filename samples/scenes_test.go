package samples_test

import (
	"math"
	"math/rand/v2"
)

// A Go rendering of tools/toymodel/scenes.py: the same shapes, colours,
// sizes, grid, backgrounds and noise, drawn from Go's own random numbers, so
// the test measures the models on scenes they have never seen (not even
// Python's pixels).

var (
	shapeNames  = []string{"circle", "square", "triangle", "star", "cross"}
	colourNames = []string{"red", "orange", "yellow", "green", "blue", "purple", "white"}
	colourRGB   = [][3]float64{{220, 30, 30}, {250, 140, 10}, {245, 225, 30}, {30, 170, 50}, {30, 80, 230}, {150, 50, 200}, {250, 250, 250}}
	sizeNames   = []string{"small", "big"}
	sizeFrac    = []float64{0.7, 0.95}
	placeNames  = []string{"top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"}
	// jitter is how far an object's centre may wander inside its cell, as a
	// fraction of the room it has there (scenes.py's JITTER).
	jitter      = 0.3
	placePhrase = []string{"at the top left", "at the top", "at the top right", "on the left", "in the center", "on the right", "at the bottom left", "at the bottom", "at the bottom right"}
)

// object is one shape of a scene, as indices into the tables above.
type object struct{ shape, colour, size, place int }

// scene is a rendered scene: RGB pixels (HWC) and a label per pixel (0 for
// background, i+1 where object i covers at least half the pixel).
type scene struct {
	w, h    int
	pix     []uint8
	label   []uint8
	objects []object
}

// inside reports whether (u, v) in [-1, 1]² (v down) is inside a shape.
func inside(shape int, u, v float64) bool {
	switch shapeNames[shape] {
	case "circle":
		return u*u+v*v <= 1
	case "square":
		return math.Abs(u) <= 0.82 && math.Abs(v) <= 0.82
	case "triangle":
		return v <= 0.8 && math.Abs(u) <= (v+1)/1.8*0.95
	case "cross":
		return (math.Abs(u) <= 0.3 && math.Abs(v) <= 0.95) || (math.Abs(v) <= 0.3 && math.Abs(u) <= 0.95)
	default: // star
		r := math.Hypot(u, v)
		a := math.Atan2(u, -v)
		k := math.Pi / 5
		t := math.Abs(pyMod(a+k, 2*k)-k) / k
		const rIn, rOut = 0.42, 1.0
		return r <= rOut*rIn/(rIn+(rOut-rIn)*t)
	}
}

// pyMod is Python's % on floats: the result has the divisor's sign.
func pyMod(a, b float64) float64 {
	m := math.Mod(a, b)
	if m != 0 && (m < 0) != (b < 0) {
		m += b
	}
	return m
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func clip(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// background draws a muted textured background: stripes, checkers or blocks.
func background(r *rand.Rand, h, w int) []float64 {
	base := uniform(r, 60, 150)
	var c1, c2 [3]float64
	for c := range 3 {
		c1[c] = clip(base+uniform(r, -25, 25), 0, 255)
	}
	amp := uniform(r, 0.3, 1.0)
	for c := range 3 {
		c2[c] = clip(c1[c]+uniform(r, -35, 35)*amp, 0, 255)
	}
	t := make([]float64, h*w)
	switch r.IntN(3) {
	case 0:
		ang, freq, phase := uniform(r, 0, math.Pi), uniform(r, 0.15, 0.6), uniform(r, 0, 6.3)
		for y := range h {
			for x := range w {
				t[y*w+x] = 0.5 + 0.5*math.Sin((float64(x)*math.Cos(ang)+float64(y)*math.Sin(ang))*freq+phase)
			}
		}
	case 1:
		cell := 3 + r.IntN(6)
		ox, oy := r.IntN(cell), r.IntN(cell)
		for y := range h {
			for x := range w {
				t[y*w+x] = float64(((x+ox)/cell + (y+oy)/cell) % 2)
			}
		}
	default:
		cell := 4 + r.IntN(8)
		gh, gw := h/cell+2, w/cell+2
		blocks := make([]float64, gh*gw)
		for i := range blocks {
			blocks[i] = r.Float64()
		}
		oy, ox := r.IntN(cell), r.IntN(cell)
		for y := range h {
			for x := range w {
				t[y*w+x] = blocks[((y+oy)/cell)*gw+(x+ox)/cell]
			}
		}
	}
	img := make([]float64, h*w*3)
	lum := uniform(r, 3, 12)
	for i := range h * w {
		n := lum * r.NormFloat64()
		for c := range 3 {
			img[i*3+c] = c1[c] + (c2[c]-c1[c])*t[i] + n + 4*r.NormFloat64()
		}
	}
	return img
}

// randomObjects draws n objects on distinct cells; with distinct, no two
// share a colour or a shape.
func randomObjects(r *rand.Rand, n int, distinct bool) []object {
	cells, cols, shps := r.Perm(9), r.Perm(len(colourNames)), r.Perm(len(shapeNames))
	out := make([]object, n)
	for i := range out {
		o := object{place: cells[i], size: r.IntN(2)}
		if distinct {
			o.colour, o.shape = cols[i], shps[i]
		} else {
			o.colour, o.shape = r.IntN(len(colourNames)), r.IntN(len(shapeNames))
		}
		out[i] = o
	}
	return out
}

// render draws the objects on a fresh h × w background.
func render(r *rand.Rand, objects []object, h, w int) scene {
	img := background(r, h, w)
	s := scene{w: w, h: h, objects: objects, label: make([]uint8, h*w)}
	ch, cw := float64(h)/3, float64(w)/3
	cell := math.Min(ch, cw)
	const ss = 4
	for i, o := range objects {
		row, col := o.place/3, o.place%3
		radius := 0.5 * cell * sizeFrac[o.size] * uniform(r, 0.93, 1.07)
		slackX, slackY := math.Max(0, cw/2-radius-0.5), math.Max(0, ch/2-radius-0.5)
		cx := (float64(col)+0.5)*cw + uniform(r, -slackX, slackX)*jitter
		cy := (float64(row)+0.5)*ch + uniform(r, -slackY, slackY)*jitter
		var rgb [3]float64
		for c := range 3 {
			rgb[c] = colourRGB[o.colour][c] + uniform(r, -12, 12)
		}
		grad := uniform(r, -0.08, 0.08)
		x0, x1 := max(0, int(math.Floor(cx-radius-1))), min(w, int(math.Ceil(cx+radius+1)))
		y0, y1 := max(0, int(math.Floor(cy-radius-1))), min(h, int(math.Ceil(cy+radius+1)))
		for y := y0; y < y1; y++ {
			shade := 1 + grad*(float64(y)-cy)/math.Max(radius, 1)
			for x := x0; x < x1; x++ {
				hits := 0
				for sy := range ss {
					for sx := range ss {
						u := (float64(x) + (float64(sx)+0.5)/ss - cx) / radius
						v := (float64(y) + (float64(sy)+0.5)/ss - cy) / radius
						if inside(o.shape, u, v) {
							hits++
						}
					}
				}
				if hits == 0 {
					continue
				}
				m := float64(hits) / (ss * ss)
				p := img[(y*w+x)*3 : (y*w+x)*3+3]
				for c := range 3 {
					obj := clip(rgb[c]*shade, 0, 255) + 3*r.NormFloat64()
					p[c] = p[c]*(1-m) + obj*m
				}
				if m >= 0.5 {
					s.label[y*w+x] = uint8(i + 1)
				}
			}
		}
	}
	s.pix = make([]uint8, len(img))
	for i, v := range img {
		s.pix[i] = uint8(clip(math.RoundToEven(v), 0, 255))
	}
	return s
}

// coverage returns, per object, the fraction of each patch's source pixels
// that carry its label, for a gh × gw patch grid laid over the image: pixel
// (x, y) belongs to patch (⌊(y+½)·gh/H⌋, ⌊(x+½)·gw/W⌋), as in
// tools/toymodel/data.py.
func (s scene) coverage(gh, gw int) [][]float64 {
	total := make([]float64, gh*gw)
	cov := make([][]float64, len(s.objects))
	for i := range cov {
		cov[i] = make([]float64, gh*gw)
	}
	for y := range s.h {
		py := int(math.Floor((float64(y) + 0.5) * float64(gh) / float64(s.h)))
		for x := range s.w {
			px := int(math.Floor((float64(x) + 0.5) * float64(gw) / float64(s.w)))
			p := py*gw + px
			total[p]++
			if l := s.label[y*s.w+x]; l > 0 {
				cov[l-1][p]++
			}
		}
	}
	for i := range cov {
		for p := range cov[i] {
			cov[i][p] /= total[p]
		}
	}
	return cov
}
