package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/disintegration/imaging"
)

// OverlayOptions say how a patch map is drawn over an image.
type OverlayOptions struct {
	// Opacity of the map over the image, 0 (image only) to 1 (map only);
	// values outside are clamped.
	Opacity float64
	// Smooth interpolates the map bilinearly between patch centres;
	// otherwise every patch is a flat block (nearest neighbour), which
	// shows exactly which patch holds which value.
	Smooth bool
	// GridLines draws a thin line along patch borders, dark on bright
	// pixels and light on dark ones.
	GridLines bool
	// Cursor, when not nil, outlines that patch in white.
	Cursor *Patch
}

// Heatmap returns img with the scalar map g painted over it: each value is
// placed on the colormap by r (r.Min at the low end, r.Max at the high
// end, clamped) and blended at o.Opacity. The patch grid is stretched over
// the whole image, as the model's grid covers the whole image for both
// fixed-resolution and NaFlex inputs. NaN values leave the image
// uncovered. The result has img's size and starts at (0,0); img's alpha
// is ignored (images are treated as opaque).
func Heatmap(img image.Image, g Grid, cm Colormap, r Range, o OverlayOptions) (*image.NRGBA, error) {
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("heatmap: %w", err)
	}
	unit := make([]float32, len(g.Values))
	for i, v := range g.Values {
		unit[i] = r.Unit(v)
	}
	return overlay(img, g.H, g.W, &scalarSource{unit: unit, lut: cm.Table()}, o)
}

// HeatmapRGB is Heatmap for a map that is already coloured, such as
// PCA.RGB laid out on the patch grid. Smooth interpolates the colours.
func HeatmapRGB(img image.Image, g ColorGrid, o OverlayOptions) (*image.NRGBA, error) {
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("heatmap: %w", err)
	}
	return overlay(img, g.H, g.W, &rgbSource{colors: g.Colors}, o)
}

// mapSource fills one output row of overlay colours (alpha 0 = none).
type mapSource interface {
	// nearestRow colours line for grid row gy with nearest sampling.
	nearestRow(line []color.NRGBA, gy int, w int, xs []axisSample)
	// smoothRow colours line for the vertical sample ys with bilinear
	// sampling.
	smoothRow(line []color.NRGBA, ys axisSample, w int, xs []axisSample)
}

// axisSample says where one output pixel falls on one axis of the grid:
// the nearest bin and the two bins and weight for linear interpolation.
type axisSample struct {
	near   int
	i0, i1 int
	f      float32
}

func axisSamples(size, n int) []axisSample {
	out := make([]axisSample, size)
	for x := range out {
		g := (float64(x)+0.5)*float64(n)/float64(size) - 0.5
		g = math.Min(math.Max(g, 0), float64(n-1))
		i0 := int(g)
		i1 := min(i0+1, n-1)
		out[x] = axisSample{near: centreIndex(x, n, size), i0: i0, i1: i1, f: float32(g - float64(i0))}
	}
	return out
}

type scalarSource struct {
	unit []float32 // values in [0,1], NaN = none
	lut  *[256]color.NRGBA
	tmp  []float32
}

func (s *scalarSource) nearestRow(line []color.NRGBA, gy, w int, xs []axisSample) {
	row := s.unit[gy*w : (gy+1)*w]
	for x, a := range xs {
		line[x] = s.colour(row[a.near])
	}
}

func (s *scalarSource) smoothRow(line []color.NRGBA, ys axisSample, w int, xs []axisSample) {
	if cap(s.tmp) < w {
		s.tmp = make([]float32, w)
	}
	tmp := s.tmp[:w]
	r0, r1 := s.unit[ys.i0*w:(ys.i0+1)*w], s.unit[ys.i1*w:(ys.i1+1)*w]
	for i := range tmp {
		tmp[i] = r0[i] + ys.f*(r1[i]-r0[i])
	}
	near := s.unit[ys.near*w : (ys.near+1)*w]
	for x, a := range xs {
		v := tmp[a.i0] + a.f*(tmp[a.i1]-tmp[a.i0])
		if v != v {
			v = near[a.near] // a NaN neighbour: fall back to this patch
		}
		line[x] = s.colour(v)
	}
}

func (s *scalarSource) colour(v float32) color.NRGBA {
	if v != v {
		return color.NRGBA{}
	}
	return s.lut[lutIndex(float64(v))]
}

type rgbSource struct {
	colors []color.NRGBA
}

func (s *rgbSource) nearestRow(line []color.NRGBA, gy, w int, xs []axisSample) {
	row := s.colors[gy*w : (gy+1)*w]
	for x, a := range xs {
		line[x] = row[a.near]
	}
}

func (s *rgbSource) smoothRow(line []color.NRGBA, ys axisSample, w int, xs []axisSample) {
	r0, r1 := s.colors[ys.i0*w:(ys.i0+1)*w], s.colors[ys.i1*w:(ys.i1+1)*w]
	near := s.colors[ys.near*w : (ys.near+1)*w]
	for x, a := range xs {
		c00, c01, c10, c11 := r0[a.i0], r0[a.i1], r1[a.i0], r1[a.i1]
		if c00.A == 0 || c01.A == 0 || c10.A == 0 || c11.A == 0 {
			line[x] = near[a.near]
			continue
		}
		fx, fy := a.f, ys.f
		lerp2 := func(p, q, r, t uint8) uint8 {
			top := float32(p) + fx*(float32(q)-float32(p))
			bot := float32(r) + fx*(float32(t)-float32(r))
			return uint8(top + fy*(bot-top) + 0.5)
		}
		line[x] = color.NRGBA{
			lerp2(c00.R, c01.R, c10.R, c11.R),
			lerp2(c00.G, c01.G, c10.G, c11.G),
			lerp2(c00.B, c01.B, c10.B, c11.B),
			255,
		}
	}
}

// toNRGBA returns img as an *image.NRGBA starting at (0,0), without a copy
// when it already is one.
func toNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		return n
	}
	return imaging.Clone(img)
}

// overlay does the work of Heatmap and HeatmapRGB.
func overlay(img image.Image, gh, gw int, src mapSource, o OverlayOptions) (*image.NRGBA, error) {
	if img == nil {
		return nil, fmt.Errorf("heatmap: no image")
	}
	base := toNRGBA(img)
	iw, ih := base.Rect.Dx(), base.Rect.Dy()
	if iw <= 0 || ih <= 0 {
		return nil, fmt.Errorf("heatmap: image is empty (%d×%d)", iw, ih)
	}
	if o.Cursor != nil && (o.Cursor.Row < 0 || o.Cursor.Row >= gh || o.Cursor.Col < 0 || o.Cursor.Col >= gw) {
		return nil, fmt.Errorf("heatmap: cursor patch (%d,%d) is outside the %d×%d grid", o.Cursor.Row, o.Cursor.Col, gh, gw)
	}
	alpha := int(math.Round(math.Min(math.Max(o.Opacity, 0), 1) * 256))
	if math.IsNaN(o.Opacity) {
		alpha = 0
	}
	xs := axisSamples(iw, gw)
	ys := axisSamples(ih, gh)
	dst := image.NewNRGBA(image.Rect(0, 0, iw, ih))
	line := make([]color.NRGBA, iw)
	lastNear := -1
	for y := range ih {
		if o.Smooth {
			src.smoothRow(line, ys[y], gw, xs)
		} else if ys[y].near != lastNear {
			src.nearestRow(line, ys[y].near, gw, xs)
			lastNear = ys[y].near
		}
		s := base.Pix[y*base.Stride : y*base.Stride+4*iw]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*iw]
		for x, c := range line {
			i := 4 * x
			if c.A == 0 || alpha == 0 {
				d[i], d[i+1], d[i+2], d[i+3] = s[i], s[i+1], s[i+2], 255
				continue
			}
			inv := 256 - alpha
			d[i] = uint8((int(s[i])*inv + int(c.R)*alpha + 128) >> 8)
			d[i+1] = uint8((int(s[i+1])*inv + int(c.G)*alpha + 128) >> 8)
			d[i+2] = uint8((int(s[i+2])*inv + int(c.B)*alpha + 128) >> 8)
			d[i+3] = 255
		}
	}
	if o.GridLines {
		drawGridLines(dst, xs, ys)
	}
	if o.Cursor != nil {
		drawCursor(dst, *o.Cursor, gh, gw)
	}
	return dst, nil
}

// drawGridLines marks the first pixel of every patch column and row (other
// than the first) with a half-strength line that contrasts with the pixel
// under it.
func drawGridLines(dst *image.NRGBA, xs, ys []axisSample) {
	iw, ih := len(xs), len(ys)
	mark := func(x, y int) {
		i := y*dst.Stride + 4*x
		p := dst.Pix[i : i+3 : i+3]
		lum := (54*int(p[0]) + 183*int(p[1]) + 19*int(p[2])) >> 8
		if lum > 96 {
			p[0], p[1], p[2] = p[0]/2, p[1]/2, p[2]/2
		} else {
			p[0], p[1], p[2] = uint8((int(p[0])+255)/2), uint8((int(p[1])+255)/2), uint8((int(p[2])+255)/2)
		}
	}
	for y := range ih {
		onRow := y > 0 && ys[y].near != ys[y-1].near
		for x := range iw {
			if onRow || (x > 0 && xs[x].near != xs[x-1].near) {
				mark(x, y)
			}
		}
	}
}

// drawCursor outlines patch p in white, the line about a twelfth of the
// patch's smaller side thick (at least one pixel). A patch smaller than a
// pixel is drawn as the one pixel holding its centre.
func drawCursor(dst *image.NRGBA, p Patch, gh, gw int) {
	iw, ih := dst.Rect.Dx(), dst.Rect.Dy()
	x0, x1 := centreSpan(p.Col, gw, iw)
	y0, y1 := centreSpan(p.Row, gh, ih)
	if x1 <= x0 {
		x0 = min((2*p.Col+1)*iw/(2*gw), iw-1)
		x1 = x0 + 1
	}
	if y1 <= y0 {
		y0 = min((2*p.Row+1)*ih/(2*gh), ih-1)
		y1 = y0 + 1
	}
	t := max(1, min(x1-x0, y1-y0)/12)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if x-x0 < t || x1-1-x < t || y-y0 < t || y1-1-y < t {
				i := y*dst.Stride + 4*x
				dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = 255, 255, 255, 255
			}
		}
	}
}
