package viz

import (
	"fmt"
	"image"
	"strconv"
	"strings"
)

// Sixel returns img encoded as a DEC sixel sequence (DCS q … ST) with a
// palette of at most maxColors (1..256; 0 means 256) chosen by Quantize.
// The sequence starts with raster attributes giving the exact size, so
// terminals do not pad the image. Terminals: foot, WezTerm, xterm
// (-ti vt340), mlterm, Konsole, Windows Terminal ≥ 1.22, iTerm2.
func Sixel(img image.Image, maxColors int) (string, error) {
	if img == nil {
		return "", fmt.Errorf("sixel: no image")
	}
	if maxColors == 0 {
		maxColors = 256
	}
	if maxColors < 1 || maxColors > 256 {
		return "", fmt.Errorf("sixel: palette size %d must be 1..256", maxColors)
	}
	n := toNRGBA(img)
	w, h := n.Rect.Dx(), n.Rect.Dy()
	if w <= 0 || h <= 0 {
		return "", fmt.Errorf("sixel: image is empty (%d×%d)", w, h)
	}
	palette, idx := Quantize(n, maxColors)

	var sb strings.Builder
	sb.Grow(w * h / 2)
	// P2=1: pixels not painted keep the terminal's background.
	sb.WriteString("\x1bP0;1;0q\"1;1;")
	sb.WriteString(strconv.Itoa(w))
	sb.WriteByte(';')
	sb.WriteString(strconv.Itoa(h))
	for i, c := range palette {
		fmt.Fprintf(&sb, "#%d;2;%d;%d;%d", i, pct(c.R), pct(c.G), pct(c.B))
	}
	bits := make([]uint8, len(palette)*w) // per colour, per column: 6 bits
	used := make([]bool, len(palette))
	for band := 0; band < h; band += 6 {
		clear(bits)
		clear(used)
		for dy := 0; dy < 6 && band+dy < h; dy++ {
			row := idx[(band+dy)*w : (band+dy+1)*w]
			for x, c := range row {
				bits[int(c)*w+x] |= 1 << dy
				used[c] = true
			}
		}
		if band > 0 {
			sb.WriteByte('-')
		}
		firstColour := true
		for c := range palette {
			if !used[c] {
				continue
			}
			if !firstColour {
				sb.WriteByte('$')
			}
			firstColour = false
			sb.WriteByte('#')
			sb.WriteString(strconv.Itoa(c))
			writeSixelRow(&sb, bits[c*w:(c+1)*w])
		}
	}
	sb.WriteString("\x1b\\")
	return sb.String(), nil
}

// writeSixelRow writes one colour's sixels for a band, run-length
// encoding repeats ("!n" + char) and dropping trailing empty sixels.
func writeSixelRow(sb *strings.Builder, row []uint8) {
	end := len(row)
	for end > 0 && row[end-1] == 0 {
		end--
	}
	for x := 0; x < end; {
		v := row[x]
		run := 1
		for x+run < end && row[x+run] == v {
			run++
		}
		ch := byte(63 + v)
		if run > 3 {
			sb.WriteByte('!')
			sb.WriteString(strconv.Itoa(run))
			sb.WriteByte(ch)
		} else {
			for range run {
				sb.WriteByte(ch)
			}
		}
		x += run
	}
}

// pct converts an 8-bit channel to the 0–100 scale sixel palettes use.
func pct(v uint8) int { return (int(v)*100 + 127) / 255 }
