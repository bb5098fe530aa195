package viz

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"

	"golang.org/x/image/font/basicfont"
)

// ChartSeries is one line of a LineChart: Y[k] is the value at
// x = XMin + k (NaN: no point there), with an optional band from Lo[k] to
// Hi[k] (e.g. the mean ± one standard deviation).
type ChartSeries struct {
	Name   string
	Y      []float64
	Lo, Hi []float64
	// Mark is the character of the series' points in the terminal.
	Mark rune
	// Color is the series' colour in pictures.
	Color color.NRGBA
}

// LineChart is a small line chart over integer x values, drawn as
// terminal cells (Text) or as a picture (Draw). Later series are drawn
// over earlier ones.
type LineChart struct {
	Series     []ChartSeries
	XMin, XMax int
	// YMin and YMax fix the y range; when both are 0 it is fitted to the
	// data (bands included) with a little margin.
	YMin, YMax float64
	// Limits, when not nil, are the bounds the values can never leave
	// (cosine similarity: −1 and 1): a fitted range stays inside them.
	Limits *[2]float64
	// Title and XLabel are written on pictures.
	Title, XLabel string
}

// Chart cell classes of a TextChart: ChartSeriesLine + 2k is series k's
// line and points, ChartSeriesBand + 2k its band.
const (
	ChartEmpty = iota
	ChartAxis
	ChartLabel
	ChartSeriesLine
	ChartSeriesBand
)

// TextChart is a chart laid out in W × H terminal cells: a character and
// a class per cell, row-major, so the caller can style each class.
type TextChart struct {
	W, H  int
	Runes []rune
	Class []int
}

// Line returns row y's characters as a string.
func (t TextChart) Line(y int) string { return string(t.Runes[y*t.W : (y+1)*t.W]) }

func (t *TextChart) set(x, y int, r rune, class int) {
	if x >= 0 && x < t.W && y >= 0 && y < t.H {
		t.Runes[y*t.W+x], t.Class[y*t.W+x] = r, class
	}
}

func (t *TextChart) text(x, y int, s string, class int) {
	for i, r := range []rune(s) {
		t.set(x+i, y, r, class)
	}
}

// yRange is the chart's y range: fixed, or fitted to the finite values of
// every series and band and rounded out to a multiple of yStep (a flat
// chart gets one step either side of its value).
func (c LineChart) yRange() (lo, hi float64) {
	if c.YMin != 0 || c.YMax != 0 {
		return c.YMin, c.YMax
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	see := func(vs []float64) {
		for _, v := range vs {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	for _, s := range c.Series {
		see(s.Y)
		see(s.Lo)
		see(s.Hi)
	}
	if lo > hi {
		return 0, 1
	}
	step := yStep(hi - lo)
	lo, hi = math.Floor(lo/step+1e-9)*step, math.Ceil(hi/step-1e-9)*step
	if hi-lo < step/2 {
		lo, hi = lo-step, hi+step
	}
	if c.Limits != nil {
		lo, hi = math.Max(lo, c.Limits[0]), math.Min(hi, c.Limits[1])
	}
	return lo, hi
}

// yStep is the grid step of a y span: the smallest of 0.05, 0.1, 0.2,
// 0.25, 0.5, 1, 2, 5… that cuts it into at most five parts.
func yStep(span float64) float64 {
	for _, base := range []float64{0.01, 0.1, 1, 10, 100} {
		for _, m := range []float64{1, 2, 2.5, 5} {
			if step := base * m; step >= 0.05 && span/step <= 5+1e-9 {
				return step
			}
		}
	}
	return 1000
}

// xTickStep is the smallest of 1, 2, 5, 10, 20, 50… that keeps x labels
// at least minGap units apart when span x units take n units.
func xTickStep(span, n, minGap int) int {
	for _, base := range []int{1, 10, 100, 1000} {
		for _, m := range []int{1, 2, 5} {
			step := base * m
			if span == 0 || step*n >= minGap*span {
				return step
			}
		}
	}
	return 10000
}

// formatTick writes an axis value with two decimals ("-0.25", "1.00").
func formatTick(v float64) string {
	if math.Abs(v) < 5e-3 {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// Text lays the chart out in w × h cells: y labels on the left (at every
// grid step when there are two rows a step, else top, middle and bottom),
// an axis line and x labels at the bottom; each series' band as a light
// shade (░) behind the lines, its points as its mark joined by dots.
// Charts smaller than 12 × 5 cells come back blank.
func (c LineChart) Text(w, h int) TextChart {
	t := TextChart{W: max(w, 0), H: max(h, 0), Runes: make([]rune, max(w, 0)*max(h, 0)), Class: make([]int, max(w, 0)*max(h, 0))}
	for i := range t.Runes {
		t.Runes[i] = ' '
	}
	if w < 12 || h < 5 {
		return t
	}
	ylo, yhi := c.yRange()
	ph := h - 2
	step := yStep(yhi - ylo)
	labels := []float64{yhi, math.Round((ylo+yhi)/2/step) * step, ylo}
	if ticks := int(math.Round((yhi - ylo) / step)); ticks > 0 && ph-1 >= 2*ticks {
		labels = labels[:0]
		for i := 0; i <= ticks; i++ {
			labels = append(labels, ylo+float64(i)*step)
		}
	}
	lw := 0
	for _, v := range labels {
		lw = max(lw, len(formatTick(v)))
	}
	ax := lw // the y axis column
	pw := w - lw - 1
	span := c.XMax - c.XMin
	col := func(x float64) int {
		if span <= 0 {
			return ax + 1
		}
		return ax + 1 + int(math.Round((x-float64(c.XMin))*float64(pw-1)/float64(span)))
	}
	row := func(y float64) int {
		if yhi == ylo {
			return ph / 2
		}
		return int(math.Round((yhi - y) * float64(ph-1) / (yhi - ylo)))
	}
	// Axes and labels.
	for y := range ph {
		t.set(ax, y, '│', ChartAxis)
	}
	for _, v := range labels {
		y := min(max(row(v), 0), ph-1)
		s := formatTick(v)
		t.text(lw-len(s), y, s, ChartLabel)
		t.set(ax, y, '┤', ChartAxis)
	}
	t.set(ax, ph, '└', ChartAxis)
	for x := ax + 1; x < w; x++ {
		t.set(x, ph, '─', ChartAxis)
	}
	xstep := xTickStep(span, pw-1, 4)
	first := (c.XMin + xstep - 1) / xstep * xstep
	if c.XMin <= 0 {
		first = 0
	}
	for v := first; v <= c.XMax; v += xstep {
		if v < c.XMin {
			continue
		}
		x := col(float64(v))
		t.set(x, ph, '┬', ChartAxis)
		s := strconv.Itoa(v)
		t.text(min(max(x-len(s)/2, ax+1), w-len(s)), ph+1, s, ChartLabel)
	}
	clampRow := func(r int) int { return min(max(r, 0), ph-1) }
	// Bands first (interpolated across the columns between points), then
	// the lines between points, then the points, so no band hides a line.
	for k, s := range c.Series {
		if s.Lo == nil || s.Hi == nil {
			continue
		}
		band := func(i int) bool {
			return i < len(s.Lo) && i < len(s.Hi) && !math.IsNaN(s.Lo[i]) && !math.IsNaN(s.Hi[i])
		}
		prev := -1
		for i := range s.Y {
			if !band(i) {
				continue
			}
			x0, x1 := col(float64(c.XMin+i)), col(float64(c.XMin+i))
			if prev >= 0 {
				x0 = col(float64(c.XMin+prev)) + 1
			}
			for x := x0; x <= x1; x++ {
				f := 1.0
				if prev >= 0 && x1 > x0-1 {
					f = float64(x-(x0-1)) / float64(x1-(x0-1))
				}
				hi, lo := s.Hi[i], s.Lo[i]
				if prev >= 0 {
					hi, lo = s.Hi[prev]+f*(s.Hi[i]-s.Hi[prev]), s.Lo[prev]+f*(s.Lo[i]-s.Lo[prev])
				}
				for y := clampRow(row(hi)); y <= clampRow(row(lo)); y++ {
					t.set(x, y, '░', ChartSeriesBand+2*k)
				}
			}
			prev = i
		}
	}
	for k, s := range c.Series {
		prev := -1 // dots between consecutive points, one per column
		for i, v := range s.Y {
			if math.IsNaN(v) {
				continue
			}
			if prev >= 0 {
				x0, x1 := col(float64(c.XMin+prev)), col(float64(c.XMin+i))
				for x := x0 + 1; x < x1; x++ {
					f := float64(x-x0) / float64(x1-x0)
					t.set(x, clampRow(row(s.Y[prev]+f*(v-s.Y[prev]))), '·', ChartSeriesLine+2*k)
				}
			}
			prev = i
		}
	}
	for k, s := range c.Series {
		for i, v := range s.Y {
			if !math.IsNaN(v) {
				t.set(col(float64(c.XMin+i)), clampRow(row(v)), s.Mark, ChartSeriesLine+2*k)
			}
		}
	}
	return t
}

// Picture sizes of a drawn chart.
const (
	chartPad    = 10
	chartLabelW = 6 * 7 // six characters of basicfont
)

// Draw draws the chart as a w × h picture on a dark background: title and
// legend at the top, axes with ticks and labels, each series' band as a
// translucent area, its line and its points.
func (c LineChart) Draw(w, h int) (*image.NRGBA, error) {
	if w < 120 || h < 90 {
		return nil, fmt.Errorf("chart: %d×%d pixels is too small (at least 120×90)", w, h)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Rect, image.NewUniform(panelBG), image.Point{}, draw.Src)
	face := basicfont.Face7x13
	top := chartPad
	if c.Title != "" {
		drawText(img, face, chartPad, top, asciiOnly(c.Title))
		top += lineH
	}
	// Legend: one entry per series, on as many lines as needed.
	x := chartPad
	for _, s := range c.Series {
		name := asciiOnly(s.Name)
		need := 16 + len(name)*face.Advance + 12
		if x+need > w-chartPad && x > chartPad {
			x = chartPad
			top += lineH
		}
		fillRect(img, image.Rect(x, top+4, x+12, top+10), s.Color)
		drawText(img, face, x+16, top, name)
		x += need
	}
	top += lineH + 6
	plot := image.Rect(chartPad+chartLabelW, top, w-chartPad, h-chartPad-2*lineH)
	if plot.Dx() < 20 || plot.Dy() < 20 {
		return nil, fmt.Errorf("chart: %d×%d pixels leaves no room for the plot", w, h)
	}
	ylo, yhi := c.yRange()
	span := c.XMax - c.XMin
	px := func(v float64) float64 {
		if span <= 0 {
			return float64(plot.Min.X)
		}
		return float64(plot.Min.X) + (v-float64(c.XMin))*float64(plot.Dx()-1)/float64(span)
	}
	py := func(v float64) float64 {
		if yhi == ylo {
			return float64(plot.Min.Y + plot.Dy()/2)
		}
		return float64(plot.Min.Y) + (yhi-v)*float64(plot.Dy()-1)/(yhi-ylo)
	}
	gridC := color.NRGBA{60, 60, 60, 255}
	// Horizontal grid lines and y labels at every step.
	ys := yStep(yhi - ylo)
	for i := 0; ylo+float64(i)*ys <= yhi+1e-9; i++ {
		v := ylo + float64(i)*ys
		y := int(math.Round(py(v)))
		fillRect(img, image.Rect(plot.Min.X, y, plot.Max.X, y+1), gridC)
		s := formatTick(v)
		drawText(img, face, plot.Min.X-6-len(s)*face.Advance, y-6, s)
	}
	step := xTickStep(span, plot.Dx(), 28)
	for v := 0; v <= c.XMax; v += step {
		if v < c.XMin {
			continue
		}
		xx := int(math.Round(px(float64(v))))
		fillRect(img, image.Rect(xx, plot.Min.Y, xx+1, plot.Max.Y), gridC)
		s := strconv.Itoa(v)
		drawText(img, face, xx-len(s)*face.Advance/2, plot.Max.Y+4, s)
	}
	fillRect(img, image.Rect(plot.Min.X, plot.Min.Y, plot.Min.X+1, plot.Max.Y), barFrame)
	fillRect(img, image.Rect(plot.Min.X, plot.Max.Y-1, plot.Max.X, plot.Max.Y), barFrame)
	if c.XLabel != "" {
		s := asciiOnly(c.XLabel)
		drawText(img, face, plot.Min.X+(plot.Dx()-len(s)*face.Advance)/2, plot.Max.Y+4+lineH, s)
	}
	for _, s := range c.Series {
		if s.Lo != nil && s.Hi != nil {
			drawBand(img, plot, s, c.XMin, px, py)
		}
	}
	for _, s := range c.Series {
		prev := -1
		for i, v := range s.Y {
			if math.IsNaN(v) {
				continue
			}
			if prev >= 0 {
				drawLine(img, plot, px(float64(c.XMin+prev)), py(s.Y[prev]), px(float64(c.XMin+i)), py(v), s.Color)
			}
			prev = i
		}
		for i, v := range s.Y {
			if !math.IsNaN(v) {
				cx, cy := int(math.Round(px(float64(c.XMin+i)))), int(math.Round(py(v)))
				fillRect(img, image.Rect(cx-2, cy-2, cx+3, cy+3).Intersect(plot), s.Color)
			}
		}
	}
	return img, nil
}

// drawBand fills the area between a series' Lo and Hi, interpolated
// linearly between points, at a third of its colour's strength.
func drawBand(img *image.NRGBA, plot image.Rectangle, s ChartSeries, xmin int, px, py func(float64) float64) {
	prev := -1
	for i := range s.Y {
		if i >= len(s.Lo) || i >= len(s.Hi) || math.IsNaN(s.Lo[i]) || math.IsNaN(s.Hi[i]) {
			continue
		}
		if prev >= 0 {
			x0, x1 := px(float64(xmin+prev)), px(float64(xmin+i))
			for x := int(math.Ceil(x0)); x <= int(math.Floor(x1)); x++ {
				f := 0.0
				if x1 > x0 {
					f = (float64(x) - x0) / (x1 - x0)
				}
				hi := py(s.Hi[prev] + f*(s.Hi[i]-s.Hi[prev]))
				lo := py(s.Lo[prev] + f*(s.Lo[i]-s.Lo[prev]))
				for y := int(math.Round(hi)); y <= int(math.Round(lo)); y++ {
					if image.Pt(x, y).In(plot) {
						blendPixel(img, x, y, s.Color, 80)
					}
				}
			}
		}
		prev = i
	}
}

// drawLine draws a two-pixel line from (x0, y0) to (x1, y1), clipped to
// plot.
func drawLine(img *image.NRGBA, plot image.Rectangle, x0, y0, x1, y1 float64, c color.NRGBA) {
	n := int(math.Ceil(math.Max(math.Abs(x1-x0), math.Abs(y1-y0)))) + 1
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		x, y := int(math.Round(x0+f*(x1-x0))), int(math.Round(y0+f*(y1-y0)))
		for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
			if p := image.Pt(x+d[0], y+d[1]); p.In(plot) {
				img.SetNRGBA(p.X, p.Y, c)
			}
		}
	}
}

// blendPixel mixes c into pixel (x, y) at alpha/256.
func blendPixel(img *image.NRGBA, x, y int, c color.NRGBA, alpha int) {
	i := img.PixOffset(x, y)
	p := img.Pix[i : i+3 : i+3]
	p[0] = uint8((int(p[0])*(256-alpha) + int(c.R)*alpha) >> 8)
	p[1] = uint8((int(p[1])*(256-alpha) + int(c.G)*alpha) >> 8)
	p[2] = uint8((int(p[2])*(256-alpha) + int(c.B)*alpha) >> 8)
}

// fillRect paints r (clipped to the picture) in c.
func fillRect(img *image.NRGBA, r image.Rectangle, c color.NRGBA) {
	draw.Draw(img, r.Intersect(img.Rect), image.NewUniform(c), image.Point{}, draw.Src)
}

// asciiOnly replaces what basicfont cannot draw with '?', keeping a few
// common symbols readable.
func asciiOnly(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case '—', '–':
			r = '-'
		case '×':
			r = 'x'
		case '≥':
			out = append(out, '>')
			r = '='
		case '±':
			out = append(out, '+')
			r = '-'
		case '·':
			r = '-'
		}
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
