package viz

import (
	"fmt"
	"image"
	"math"
	"strconv"

	"github.com/disintegration/imaging"
)

// ColorMode is how many colours the terminal can show.
type ColorMode int

const (
	// TrueColor uses 24-bit SGR colours (38;2;r;g;b).
	TrueColor ColorMode = iota
	// ANSI256 maps colours to the xterm 256-colour palette's 6×6×6 cube
	// and grey ramp (indices 16–255; the 16 themable colours are avoided).
	ANSI256
	// NoColor emits no escape sequences at all (NO_COLOR): pictures are
	// drawn with a ramp of characters by luminance. For a heatmap to stay
	// readable, blend it with Grey at opacity 1 so luminance is the value.
	NoColor
)

// String names the mode as the CLI flags spell it.
func (m ColorMode) String() string {
	switch m {
	case TrueColor:
		return "truecolor"
	case ANSI256:
		return "256"
	case NoColor:
		return "none"
	}
	return fmt.Sprintf("colormode(%d)", int(m))
}

// LuminanceRamp is the characters NoColor mode draws with, from darkest to
// brightest.
const LuminanceRamp = " .:-=+*#%@"

// upperHalf is the cell glyph: its foreground paints the top pixel, its
// background the bottom one.
const upperHalf = "▀"

const sgrReset = "\x1b[0m"

// FitCells returns the largest cols×rows area, within maxCols×maxRows
// cells, that shows a imgW×imgH image at its aspect ratio. A cell is one
// pixel wide and two tall (terminal cells are about 1:2), so the image
// becomes cols×(2·rows) square pixels. Both results are at least 1 when
// the inputs are positive, and 0,0 otherwise.
func FitCells(imgW, imgH, maxCols, maxRows int) (cols, rows int) {
	return FitCellsSized(imgW, imgH, maxCols, maxRows, image.Pt(1, 2))
}

// FitCellsSized is FitCells for cells of cell.X × cell.Y pixels (the
// terminal's real cell size), so the picture keeps its aspect ratio on
// screen whatever the font: xterm's 6×13 cells are not 1:2.
func FitCellsSized(imgW, imgH, maxCols, maxRows int, cell image.Point) (cols, rows int) {
	if imgW <= 0 || imgH <= 0 || maxCols <= 0 || maxRows <= 0 {
		return 0, 0
	}
	if cell.X <= 0 || cell.Y <= 0 {
		cell = image.Pt(1, 2)
	}
	cw, ch := float64(cell.X), float64(cell.Y)
	// Scale the image into the area's pixels, then count cells.
	s := math.Min(float64(maxCols)*cw/float64(imgW), float64(maxRows)*ch/float64(imgH))
	cols = int(math.Round(float64(imgW) * s / cw))
	rows = int(math.Round(float64(imgH) * s / ch))
	return min(max(cols, 1), maxCols), min(max(rows, 1), maxRows)
}

// CellImage resizes img to fit maxCols×maxRows cells (see FitCells): the
// result is cols×(2·rows) pixels, ready for Cells. Shrinking averages
// (box filter); enlarging repeats pixels (nearest neighbour) so patch
// edges stay sharp. The TUI should do this once per image and terminal
// size and blend heatmaps over the small result, which is what makes
// redrawing on every cursor move cheap.
func CellImage(img image.Image, maxCols, maxRows int) (*image.NRGBA, error) {
	return CellImageSized(img, maxCols, maxRows, image.Pt(1, 2))
}

// CellImageSized is CellImage for cells of cell.X × cell.Y pixels
// (FitCellsSized): still cols×(2·rows) pixels, two per cell, but as many
// cells as keep the picture's shape in the terminal's real cells.
func CellImageSized(img image.Image, maxCols, maxRows int, cell image.Point) (*image.NRGBA, error) {
	if img == nil {
		return nil, fmt.Errorf("cell image: no image")
	}
	b := img.Bounds()
	cols, rows := FitCellsSized(b.Dx(), b.Dy(), maxCols, maxRows, cell)
	if cols == 0 {
		return nil, fmt.Errorf("cell image: cannot fit a %d×%d image into %d×%d cells", b.Dx(), b.Dy(), maxCols, maxRows)
	}
	w, h := cols, 2*rows
	if w == b.Dx() && h == b.Dy() {
		return toNRGBA(img), nil
	}
	filter := imaging.Box
	if w > b.Dx() && h > b.Dy() {
		filter = imaging.NearestNeighbor
	}
	return imaging.Resize(img, w, h, filter), nil
}

// Cells turns img into lines of terminal cells, one cell per column and
// per two rows of pixels (an odd last row leaves the bottom half in the
// terminal's background colour). Every line ends by resetting attributes
// (except in NoColor mode, which emits no escape sequences), so lines can
// be placed anywhere. Use CellImage first to get the size right.
func Cells(img *image.NRGBA, mode ColorMode) []string {
	if img == nil {
		return nil
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w <= 0 || h <= 0 {
		return nil
	}
	rows := (h + 1) / 2
	out := make([]string, rows)
	buf := make([]byte, 0, w*40)
	for r := range rows {
		top := img.Pix[(2*r)*img.Stride:]
		var bot []byte
		if 2*r+1 < h {
			bot = img.Pix[(2*r+1)*img.Stride:]
		}
		buf = buf[:0]
		switch mode {
		case NoColor:
			for x := range w {
				i := 4 * x
				l := luma(top[i], top[i+1], top[i+2])
				if bot != nil {
					l = (l + luma(bot[i], bot[i+1], bot[i+2])) / 2
				}
				buf = append(buf, LuminanceRamp[rampIndex(l)])
			}
		default:
			var fg, bg int32 = -1, -1 // last emitted colour key; -1 none, -2 default bg
			for x := range w {
				i := 4 * x
				f := colourKey(mode, top[i], top[i+1], top[i+2])
				b := int32(-2)
				if bot != nil {
					b = colourKey(mode, bot[i], bot[i+1], bot[i+2])
				}
				buf = appendSGR(buf, mode, f, b, fg, bg)
				fg, bg = f, b
				buf = append(buf, upperHalf...)
			}
			buf = append(buf, sgrReset...)
		}
		out[r] = string(buf)
	}
	return out
}

// RenderCells is CellImage followed by Cells: img drawn into at most
// maxCols×maxRows cells at its aspect ratio.
func RenderCells(img image.Image, maxCols, maxRows int, mode ColorMode) ([]string, error) {
	small, err := CellImage(img, maxCols, maxRows)
	if err != nil {
		return nil, err
	}
	return Cells(small, mode), nil
}

// luma is the Rec. 709 weighted sum of the 8-bit (gamma-encoded) channels,
// 0..255.
func luma(r, g, b uint8) int {
	return (54*int(r) + 183*int(g) + 19*int(b) + 128) >> 8
}

// rampIndex picks the LuminanceRamp character for luminance l in 0..255.
func rampIndex(l int) int {
	n := len(LuminanceRamp)
	return min(max(l*n/256, 0), n-1)
}

// colourKey packs a colour as the mode will print it: 0xRRGGBB for
// TrueColor, the palette index for ANSI256.
func colourKey(mode ColorMode, r, g, b uint8) int32 {
	if mode == ANSI256 {
		return int32(XtermIndex(r, g, b))
	}
	return int32(r)<<16 | int32(g)<<8 | int32(b)
}

// appendSGR emits only the parts of the foreground/background that
// changed since the previous cell.
func appendSGR(buf []byte, mode ColorMode, f, b, lastF, lastB int32) []byte {
	fgChanged, bgChanged := f != lastF, b != lastB
	if !fgChanged && !bgChanged {
		return buf
	}
	buf = append(buf, "\x1b["...)
	if fgChanged {
		buf = appendColour(buf, mode, 38, f)
	}
	if bgChanged {
		if fgChanged {
			buf = append(buf, ';')
		}
		if b == -2 {
			buf = append(buf, "49"...)
		} else {
			buf = appendColour(buf, mode, 48, b)
		}
	}
	return append(buf, 'm')
}

func appendColour(buf []byte, mode ColorMode, kind int, key int32) []byte {
	buf = strconv.AppendInt(buf, int64(kind), 10)
	if mode == ANSI256 {
		buf = append(buf, ";5;"...)
		return strconv.AppendInt(buf, int64(key), 10)
	}
	buf = append(buf, ";2;"...)
	buf = strconv.AppendInt(buf, int64(key>>16&0xff), 10)
	buf = append(buf, ';')
	buf = strconv.AppendInt(buf, int64(key>>8&0xff), 10)
	buf = append(buf, ';')
	return strconv.AppendInt(buf, int64(key&0xff), 10)
}
