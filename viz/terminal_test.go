package viz

import (
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// cell is what a terminal would show in one cell.
type cell struct {
	glyph  rune
	fg, bg string // "r;g;b", "idx" or "" for the default
}

// parseCells is a small terminal emulator for one line: it applies SGR
// sequences (38/48 with 2 or 5, 49, 0) and records each printed glyph.
func parseCells(t *testing.T, line string) []cell {
	t.Helper()
	var out []cell
	fg, bg := "", ""
	for len(line) > 0 {
		if strings.HasPrefix(line, "\x1b[") {
			end := strings.IndexByte(line, 'm')
			if end < 0 {
				t.Fatalf("unterminated SGR in %q", line)
			}
			params := strings.Split(line[2:end], ";")
			line = line[end+1:]
			for i := 0; i < len(params); i++ {
				switch params[i] {
				case "0":
					fg, bg = "", ""
				case "49":
					bg = ""
				case "38", "48":
					var v string
					switch params[i+1] {
					case "2":
						v = strings.Join(params[i+2:i+5], ";")
						i += 4
					case "5":
						v = params[i+2]
						i += 2
					default:
						t.Fatalf("bad colour kind %q", params[i+1])
					}
					if params[i-len(strings.Split(v, ";"))-1] == "38" {
						fg = v
					} else {
						bg = v
					}
				default:
					t.Fatalf("unexpected SGR parameter %q", params[i])
				}
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(line)
		line = line[n:]
		out = append(out, cell{r, fg, bg})
	}
	return out
}

func rgbKey(c color.NRGBA) string {
	return strconv.Itoa(int(c.R)) + ";" + strconv.Itoa(int(c.G)) + ";" + strconv.Itoa(int(c.B))
}

// bruteXterm is the nearest palette entry 16..255 by exhaustive search.
func bruteXtermDist(c color.NRGBA) int {
	best := math.MaxInt
	for i := 16; i < 256; i++ {
		r, g, b := XtermColor(uint8(i))
		d := sq(int(c.R)-int(r)) + sq(int(c.G)-int(g)) + sq(int(c.B)-int(b))
		best = min(best, d)
	}
	return best
}

func TestCellsTrueColorAnd256(t *testing.T) {
	for _, size := range []image.Point{{5, 4}, {7, 3}, {1, 1}, {12, 9}} {
		img := testImage(size.X, size.Y)
		for _, mode := range []ColorMode{TrueColor, ANSI256} {
			lines := Cells(img, mode)
			if want := (size.Y + 1) / 2; len(lines) != want {
				t.Fatalf("%v %v: %d lines, want %d", size, mode, len(lines), want)
			}
			for r, ln := range lines {
				if !strings.HasSuffix(ln, "\x1b[0m") {
					t.Fatalf("line %d does not end with a reset: %q", r, ln)
				}
				cells := parseCells(t, ln)
				if len(cells) != size.X {
					t.Fatalf("%v %v line %d: %d cells, want %d", size, mode, r, len(cells), size.X)
				}
				for x, c := range cells {
					if c.glyph != '▀' {
						t.Fatalf("glyph %q, want ▀", c.glyph)
					}
					top := img.NRGBAAt(x, 2*r)
					check := func(got string, px color.NRGBA, what string) {
						if mode == TrueColor {
							if got != rgbKey(px) {
								t.Fatalf("%v (%d,%d) %s = %q, want %q", size, x, r, what, got, rgbKey(px))
							}
							return
						}
						idx, err := strconv.Atoi(got)
						if err != nil || idx < 16 || idx > 255 {
							t.Fatalf("%s index %q not in 16..255", what, got)
						}
						pr, pg, pb := XtermColor(uint8(idx))
						d := sq(int(px.R)-int(pr)) + sq(int(px.G)-int(pg)) + sq(int(px.B)-int(pb))
						if d != bruteXtermDist(px) {
							t.Fatalf("%s %v → %d is not a nearest palette colour", what, px, idx)
						}
					}
					check(c.fg, top, "fg")
					if 2*r+1 < size.Y {
						check(c.bg, img.NRGBAAt(x, 2*r+1), "bg")
					} else if c.bg != "" {
						t.Fatalf("odd last row: bg %q, want default", c.bg)
					}
				}
			}
		}
	}
}

func TestCellsNoColor(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 10, 4))
	for x := range 10 {
		for y := range 4 {
			v := uint8(x*28 + 2) // 2, 30, ..., 254: one per ramp step
			img.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	lines := Cells(img, NoColor)
	want := " .:-=+*#%@"
	if len(lines) != 2 || lines[0] != want || lines[1] != want {
		t.Fatalf("NoColor lines %q, want 2× %q", lines, want)
	}
	// Coloured pixels: luminance by Rec. 709 weights, averaged over the two
	// pixels; skip values within 1.5 of a step boundary (rounding).
	rgb := testImage(40, 6)
	for r, ln := range Cells(rgb, NoColor) {
		if strings.ContainsRune(ln, 0x1b) {
			t.Fatalf("escape sequence in NoColor output %q", ln)
		}
		for x := range 40 {
			lum := func(c color.NRGBA) float64 {
				return 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
			}
			l := (lum(rgb.NRGBAAt(x, 2*r)) + lum(rgb.NRGBAAt(x, 2*r+1))) / 2
			step := l * 10 / 256
			if math.Abs(step-math.Round(step))*25.6 < 1.5 {
				continue
			}
			if got, want := ln[x], want[int(step)]; got != want {
				t.Fatalf("(%d,%d) luminance %.1f: %q, want %q", x, r, l, got, want)
			}
		}
	}
}

func TestXtermIndexMatchesBruteForce(t *testing.T) {
	for r := 0; r < 256; r += 5 {
		for g := 0; g < 256; g += 7 {
			for b := 0; b < 256; b += 3 {
				c := color.NRGBA{uint8(r), uint8(g), uint8(b), 255}
				i := XtermIndex(c.R, c.G, c.B)
				if i < 16 {
					t.Fatalf("%v → %d, a themable colour", c, i)
				}
				pr, pg, pb := XtermColor(i)
				if d := sq(r-int(pr)) + sq(g-int(pg)) + sq(b-int(pb)); d != bruteXtermDist(c) {
					t.Fatalf("%v → %d at distance %d, nearest is %d", c, i, d, bruteXtermDist(c))
				}
			}
		}
	}
}

func TestXtermColor(t *testing.T) {
	cases := []struct {
		i       uint8
		r, g, b uint8
	}{
		{16, 0, 0, 0}, {21, 0, 0, 255}, {196, 255, 0, 0}, {46, 0, 255, 0},
		{231, 255, 255, 255}, {59, 95, 95, 95}, {232, 8, 8, 8}, {255, 238, 238, 238},
		{1, 205, 0, 0}, {15, 255, 255, 255},
	}
	for _, c := range cases {
		r, g, b := XtermColor(c.i)
		if r != c.r || g != c.g || b != c.b {
			t.Errorf("XtermColor(%d) = %d,%d,%d; want %d,%d,%d", c.i, r, g, b, c.r, c.g, c.b)
		}
	}
}

func TestRenderCellsKeepsAspect(t *testing.T) {
	cases := []struct {
		w, h, maxC, maxR int
		lines, cols      int
	}{
		{512, 512, 100, 50, 50, 100},
		{640, 320, 100, 50, 25, 100},
		{16, 16, 40, 40, 20, 40}, // enlarged
	}
	for _, c := range cases {
		lines, err := RenderCells(testImage(c.w, c.h), c.maxC, c.maxR, TrueColor)
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != c.lines {
			t.Fatalf("%dx%d in %dx%d: %d lines, want %d", c.w, c.h, c.maxC, c.maxR, len(lines), c.lines)
		}
		if n := len(parseCells(t, lines[0])); n != c.cols {
			t.Fatalf("%dx%d in %dx%d: %d cells wide, want %d", c.w, c.h, c.maxC, c.maxR, n, c.cols)
		}
	}
	if _, err := RenderCells(testImage(4, 4), 0, 10, TrueColor); err == nil {
		t.Fatal("no error for a zero-width target")
	}
	if _, err := CellImage(nil, 10, 10); err == nil {
		t.Fatal("no error for a nil image")
	}
}

func TestCellImageEnlargesCrisply(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	src.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	src.SetNRGBA(1, 0, color.NRGBA{0, 255, 0, 255})
	src.SetNRGBA(0, 1, color.NRGBA{0, 0, 255, 255})
	src.SetNRGBA(1, 1, color.NRGBA{255, 255, 255, 255})
	out, err := CellImage(src, 8, 4) // 8×8 pixels
	if err != nil {
		t.Fatal(err)
	}
	for y := range 8 {
		for x := range 8 {
			if got, want := out.NRGBAAt(x, y), src.NRGBAAt(x/4, y/4); got != want {
				t.Fatalf("(%d,%d) = %v, want %v (nearest neighbour)", x, y, got, want)
			}
		}
	}
}

func TestColorBarLine(t *testing.T) {
	r := Range{Min: -0.25, Max: 0.875}
	for _, mode := range []ColorMode{TrueColor, ANSI256} {
		ln := ColorBarLine(Viridis, r, 30, mode)
		cells := parseCells(t, ln)
		if len(cells) != 30 {
			t.Fatalf("%v: %d cells, want 30", mode, len(cells))
		}
		text := string(runesOf(cells))
		if !strings.HasPrefix(text, "-0.25 ▌") || !strings.HasSuffix(text, "▌ 0.875") {
			t.Fatalf("%v: bar text %q", mode, text)
		}
		bar := cells[6 : 30-6]
		if mode == TrueColor {
			// Half-cells sample the map at their centres, low to high.
			n := 2 * len(bar)
			for i, c := range bar {
				if c.fg != rgbKey(Viridis.At((float64(2*i)+0.5)/float64(n))) || c.bg != rgbKey(Viridis.At((float64(2*i)+1.5)/float64(n))) {
					t.Fatalf("bar cell %d = %+v", i, c)
				}
			}
		}
		if !strings.Contains(ln, "\x1b[0m 0.875") {
			t.Fatalf("%v: attributes not reset before the max label: %q", mode, ln)
		}
	}
	plain := ColorBarLine(Grey, r, 30, NoColor)
	if strings.ContainsRune(plain, 0x1b) || utf8.RuneCountInString(plain) != 30 {
		t.Fatalf("NoColor bar %q", plain)
	}
	if bar := plain[6:24]; bar[0] != ' ' || bar[len(bar)-1] != '@' {
		t.Fatalf("NoColor grey bar %q should run from ' ' to '@'", bar)
	}
	narrow := ColorBarLine(Grey, r, 8, NoColor)
	if utf8.RuneCountInString(narrow) != 8 || strings.Contains(narrow, "0.875") {
		t.Fatalf("narrow bar %q should drop the labels", narrow)
	}
	if ColorBarLine(Grey, r, 0, TrueColor) != "" {
		t.Fatal("zero width should draw nothing")
	}
	nan := float32(math.NaN())
	if s := ColorBarLine(Grey, Range{nan, nan}, 20, NoColor); !strings.HasPrefix(s, "n/a ") || !strings.HasSuffix(s, " n/a") {
		t.Fatalf("invalid range labels: %q", s)
	}
}

func runesOf(cells []cell) []rune {
	out := make([]rune, len(cells))
	for i, c := range cells {
		out[i] = c.glyph
	}
	return out
}
