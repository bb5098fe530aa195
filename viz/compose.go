package viz

import (
	"image"
	"image/draw"

	"golang.org/x/image/font/basicfont"
)

// Composing exported pictures: pictures side by side or one above the
// other on the dark panel colour, and blocks of text.

// HStack puts pictures side by side, top-aligned, gap pixels apart, on the
// panel background. Nil pictures are skipped.
func HStack(gap int, pics ...*image.NRGBA) *image.NRGBA {
	w, h, n := 0, 0, 0
	for _, p := range pics {
		if p == nil {
			continue
		}
		w += p.Rect.Dx()
		h = max(h, p.Rect.Dy())
		n++
	}
	w += gap * max(n-1, 0)
	out := image.NewNRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	fillRect(out, out.Rect, panelBG)
	x := 0
	for _, p := range pics {
		if p == nil {
			continue
		}
		draw.Draw(out, image.Rect(x, 0, x+p.Rect.Dx(), p.Rect.Dy()), p, p.Rect.Min, draw.Src)
		x += p.Rect.Dx() + gap
	}
	return out
}

// VStack puts pictures one above the other, left-aligned, gap pixels
// apart, on the panel background. Nil pictures are skipped.
func VStack(gap int, pics ...*image.NRGBA) *image.NRGBA {
	w, h, n := 0, 0, 0
	for _, p := range pics {
		if p == nil {
			continue
		}
		h += p.Rect.Dy()
		w = max(w, p.Rect.Dx())
		n++
	}
	h += gap * max(n-1, 0)
	out := image.NewNRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	fillRect(out, out.Rect, panelBG)
	y := 0
	for _, p := range pics {
		if p == nil {
			continue
		}
		draw.Draw(out, image.Rect(0, y, p.Rect.Dx(), y+p.Rect.Dy()), p, p.Rect.Min, draw.Src)
		y += p.Rect.Dy() + gap
	}
	return out
}

// TextImage writes lines on the panel background, with padding around.
// A line that fits is drawn as is (aligned tables keep their spaces); a
// longer one is wrapped at spaces. Characters the font lacks become '?'.
func TextImage(lines []string, width int) *image.NRGBA {
	face := basicfont.Face7x13
	wrapped := textLines(lines, max(1, (width-2*panelPad)/face.Advance))
	h := 2*panelPad + len(wrapped)*lineH
	out := image.NewNRGBA(image.Rect(0, 0, max(width, 1), h))
	fillRect(out, out.Rect, panelBG)
	for i, l := range wrapped {
		drawText(out, face, panelPad, panelPad+i*lineH, l)
	}
	return out
}

// textLines is the text TextImage draws: lines of at most maxChars kept as
// they are, longer ones wrapped at spaces.
func textLines(lines []string, maxChars int) []string {
	var out []string
	for _, l := range lines {
		l = asciiOnly(l)
		if len(l) <= maxChars {
			out = append(out, l)
			continue
		}
		out = append(out, wrapText(l, maxChars)...)
	}
	return out
}

// TextTable writes rows of cells as text in aligned columns (each column
// as wide as its widest cell, two spaces apart), for tables in exported
// pictures.
func TextTable(rows [][]string) []string {
	var widths []int
	for _, r := range rows {
		for j, c := range r {
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], len([]rune(asciiOnly(c))))
		}
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		line := ""
		for j, c := range r {
			c = asciiOnly(c)
			if j > 0 {
				line += "  "
			}
			line += c
			if j < len(r)-1 {
				for k := len([]rune(c)); k < widths[j]; k++ {
					line += " "
				}
			}
		}
		out[i] = line
	}
	return out
}
