package viz

import (
	"strconv"
	"strings"
)

// leftHalf is the glyph ColorBarLine draws with: foreground paints the
// left half of the cell, background the right half, so a bar of n cells
// shows 2n colour steps.
const leftHalf = "▌"

// FormatValue formats a map value for labels: four significant digits,
// "n/a" for NaN.
func FormatValue(v float32) string {
	if v != v {
		return "n/a"
	}
	return strconv.FormatFloat(float64(v), 'g', 4, 32)
}

// ColorBarLine draws a colour bar for the status area, exactly width cells
// wide: "min ▌▌▌…▌ max", the bar running through cm from r.Min to r.Max.
// In NoColor mode the bar is drawn with LuminanceRamp characters of the
// colormap's luminance. When width is too small for the labels, only the
// bar is drawn. The line ends by resetting attributes (colour modes).
func ColorBarLine(cm Colormap, r Range, width int, mode ColorMode) string {
	if width <= 0 {
		return ""
	}
	lo, hi := FormatValue(r.Min), FormatValue(r.Max)
	bar := width - len(lo) - len(hi) - 2
	labels := bar >= 4
	if !labels {
		bar = width
	}
	var sb strings.Builder
	if labels {
		sb.WriteString(lo)
		sb.WriteByte(' ')
	}
	tab := cm.Table()
	at := func(k int) (uint8, uint8, uint8) { // k-th of 2·bar half-cells
		c := tab[lutIndex((float64(k)+0.5)/float64(2*bar))]
		return c.R, c.G, c.B
	}
	if mode == NoColor {
		for c := range bar {
			r1, g1, b1 := at(2 * c)
			r2, g2, b2 := at(2*c + 1)
			sb.WriteByte(LuminanceRamp[rampIndex((luma(r1, g1, b1)+luma(r2, g2, b2))/2)])
		}
	} else {
		buf := make([]byte, 0, bar*40)
		var lastF, lastB int32 = -1, -1
		for c := range bar {
			r1, g1, b1 := at(2 * c)
			r2, g2, b2 := at(2*c + 1)
			f, b := colourKey(mode, r1, g1, b1), colourKey(mode, r2, g2, b2)
			buf = appendSGR(buf, mode, f, b, lastF, lastB)
			lastF, lastB = f, b
			buf = append(buf, leftHalf...)
		}
		buf = append(buf, sgrReset...)
		sb.Write(buf)
	}
	if labels {
		sb.WriteByte(' ')
		sb.WriteString(hi)
	}
	return sb.String()
}
