package viz

import (
	"image"
	"image/color"
	"math"
	"strings"

	"golang.org/x/image/font/basicfont"
)

// HeatRowLine draws one row of a heat table for the terminal: each value
// as cellW cells in its colormap colour over r (NaN: blank cells). In
// NoColor mode a value is a LuminanceRamp character by its place in r
// (dark = low), so the table reads without colour. The line ends by
// resetting attributes (colour modes).
func HeatRowLine(values []float64, cm Colormap, r Range, cellW int, mode ColorMode) string {
	if cellW <= 0 || len(values) == 0 {
		return ""
	}
	var sb strings.Builder
	if mode == NoColor {
		for _, v := range values {
			ch := byte(' ')
			if !math.IsNaN(v) {
				u := float64(r.Unit(float32(v)))
				ch = LuminanceRamp[rampIndex(int(math.Round(255*u)))]
			}
			sb.WriteString(strings.Repeat(string(ch), cellW))
		}
		return sb.String()
	}
	buf := make([]byte, 0, len(values)*cellW*24)
	var last int32 = -1
	for _, v := range values {
		if math.IsNaN(v) {
			if last != -2 {
				buf = append(buf, sgrReset...)
				last = -2
			}
			buf = append(buf, strings.Repeat(" ", cellW)...)
			continue
		}
		c := cm.At(float64(r.Unit(float32(v))))
		k := colourKey(mode, c.R, c.G, c.B)
		if k != last {
			buf = append(buf, "\x1b["...)
			buf = appendColour(buf, mode, 38, k)
			buf = append(buf, 'm')
			last = k
		}
		for range cellW {
			buf = append(buf, "█"...)
		}
	}
	buf = append(buf, sgrReset...)
	sb.Write(buf)
	return sb.String()
}

// HeatTable is a table of values drawn as coloured cells: Values[i][j] is
// row i, column j (NaN: empty), with a label for every row and some
// columns ("" leaves a column unlabelled).
type HeatTable struct {
	Values    [][]float64
	RowLabels []string
	ColLabels []string
	Colormap  Colormap
	Range     Range
	// Highlight, when in range, is a row drawn with a white frame.
	Highlight int
	Title     string
}

// Draw draws the table with cells of cellW × cellH pixels, row labels on
// the left, column labels underneath, the title above and a colour bar
// below.
func (t HeatTable) Draw(cellW, cellH int) *image.NRGBA {
	face := basicfont.Face7x13
	cols := 0
	for _, row := range t.Values {
		cols = max(cols, len(row))
	}
	labelW := 0
	for _, l := range t.RowLabels {
		labelW = max(labelW, len(asciiOnly(l))*face.Advance)
	}
	x0 := chartPad + labelW + 6
	y0 := chartPad
	if t.Title != "" {
		y0 += lineH + 4
	}
	w := max(x0+cols*cellW+chartPad, 2*chartPad+len(asciiOnly(t.Title))*face.Advance)
	h := y0 + len(t.Values)*cellH + 4 + lineH + 6 + barHeight + 4 + lineH + chartPad
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	fillRect(img, img.Rect, panelBG)
	if t.Title != "" {
		drawText(img, face, chartPad, chartPad, asciiOnly(t.Title))
	}
	for i, row := range t.Values {
		y := y0 + i*cellH
		if i < len(t.RowLabels) {
			l := asciiOnly(t.RowLabels[i])
			drawText(img, face, x0-6-len(l)*face.Advance, y+(cellH-13)/2, l)
		}
		for j, v := range row {
			if math.IsNaN(v) {
				continue
			}
			fillRect(img, image.Rect(x0+j*cellW, y, x0+(j+1)*cellW-1, y+cellH-1), t.Colormap.At(float64(t.Range.Unit(float32(v)))))
		}
	}
	if t.Highlight >= 0 && t.Highlight < len(t.Values) {
		y := y0 + t.Highlight*cellH
		white := color.NRGBA{255, 255, 255, 255}
		r := image.Rect(x0-2, y-2, x0+cols*cellW+1, y+cellH+1)
		fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+2), white)
		fillRect(img, image.Rect(r.Min.X, r.Max.Y-2, r.Max.X, r.Max.Y), white)
		fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+2, r.Max.Y), white)
		fillRect(img, image.Rect(r.Max.X-2, r.Min.Y, r.Max.X, r.Max.Y), white)
	}
	ly := y0 + len(t.Values)*cellH + 4
	for j, l := range t.ColLabels {
		if l == "" || j >= cols {
			continue
		}
		drawText(img, face, x0+j*cellW+cellW/2-len(l)*face.Advance/2, ly, asciiOnly(l))
	}
	by := ly + lineH + 6
	bar := image.Rect(x0, by, x0+max(cols*cellW, 60), by+barHeight)
	drawColorBar(img, bar, t.Colormap)
	lo, hi := FormatValue(t.Range.Min), FormatValue(t.Range.Max)
	drawText(img, face, bar.Min.X, bar.Max.Y+4, lo)
	drawText(img, face, bar.Max.X-len(hi)*face.Advance, bar.Max.Y+4, hi)
	return img
}
