// Command ansi2png renders a terminal capture with colours (tmux
// capture-pane -e -p) to a PNG, so a screen can be looked at as a picture:
// half-block and block cells are drawn as areas, other characters with Go
// Mono (golang.org/x/image/font/gofont), which has the symbols the screens
// use (● ○ × · − ≥ → ↑ ↓ µ …); the few it lacks are drawn as a close
// symbol it has (▸ as ►) or as "?".
//
//	tmux capture-pane -e -p -t SESSION | go run ./tools/ansi2png -o screen.png
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

const cellW, cellH = 8, 16

type cell struct {
	r      rune
	fg, bg color.RGBA
}

var defFG, defBG = color.RGBA{220, 220, 220, 255}, color.RGBA{18, 18, 24, 255}

func xterm(i int) color.RGBA {
	base := []color.RGBA{{0, 0, 0, 255}, {205, 0, 0, 255}, {0, 205, 0, 255}, {205, 205, 0, 255}, {0, 0, 238, 255}, {205, 0, 205, 255}, {0, 205, 205, 255}, {229, 229, 229, 255},
		{127, 127, 127, 255}, {255, 0, 0, 255}, {0, 255, 0, 255}, {255, 255, 0, 255}, {92, 92, 255, 255}, {255, 0, 255, 255}, {0, 255, 255, 255}, {255, 255, 255, 255}}
	switch {
	case i < 16:
		return base[i]
	case i < 232:
		i -= 16
		lv := []uint8{0, 95, 135, 175, 215, 255}
		return color.RGBA{lv[i/36], lv[i/6%6], lv[i%6], 255}
	default:
		v := uint8(8 + 10*(i-232))
		return color.RGBA{v, v, v, 255}
	}
}

// sgr applies one Select Graphic Rendition parameter list.
func sgr(params []int, fg, bg *color.RGBA, reverse *bool) {
	for i := 0; i < len(params); i++ {
		p := params[i]
		switch {
		case p == 0:
			*fg, *bg, *reverse = defFG, defBG, false
		case p == 7:
			*reverse = true
		case p == 27:
			*reverse = false
		case p >= 30 && p <= 37:
			*fg = xterm(p - 30)
		case p >= 90 && p <= 97:
			*fg = xterm(p - 90 + 8)
		case p >= 40 && p <= 47:
			*bg = xterm(p - 40)
		case p >= 100 && p <= 107:
			*bg = xterm(p - 100 + 8)
		case p == 39:
			*fg = defFG
		case p == 49:
			*bg = defBG
		case (p == 38 || p == 48) && i+1 < len(params):
			var c color.RGBA
			if params[i+1] == 5 && i+2 < len(params) {
				c, i = xterm(params[i+2]), i+2
			} else if params[i+1] == 2 && i+4 < len(params) {
				c, i = color.RGBA{uint8(params[i+2]), uint8(params[i+3]), uint8(params[i+4]), 255}, i+4
			} else {
				continue
			}
			if p == 38 {
				*fg = c
			} else {
				*bg = c
			}
		}
	}
}

func parse(lines []string) [][]cell {
	var grid [][]cell
	fg, bg, rev := defFG, defBG, false
	for _, line := range lines {
		var row []cell
		rs := []rune(line)
		for i := 0; i < len(rs); i++ {
			if rs[i] == 0x1b && i+1 < len(rs) && rs[i+1] == '[' {
				j := i + 2
				for j < len(rs) && (rs[j] < 0x40 || rs[j] > 0x7e) {
					j++
				}
				if j < len(rs) && rs[j] == 'm' {
					var ps []int
					for _, f := range strings.FieldsFunc(string(rs[i+2:j]), func(r rune) bool { return r == ';' || r == ':' }) {
						v, _ := strconv.Atoi(f)
						ps = append(ps, v)
					}
					if len(ps) == 0 {
						ps = []int{0}
					}
					sgr(ps, &fg, &bg, &rev)
				}
				i = j
				continue
			}
			c := cell{r: rs[i], fg: fg, bg: bg}
			if rev {
				c.fg, c.bg = bg, fg
			}
			row = append(row, c)
		}
		grid = append(grid, row)
	}
	return grid
}

func main() {
	out := flag.String("o", "screen.png", "output PNG")
	flag.Parse()
	var lines []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	grid := parse(lines)
	cols := 0
	for _, r := range grid {
		cols = max(cols, len(r))
	}
	img := image.NewRGBA(image.Rect(0, 0, cols*cellW, len(grid)*cellH))
	draw.Draw(img, img.Bounds(), &image.Uniform{defBG}, image.Point{}, draw.Src)
	mono, err := opentype.Parse(gomono.TTF)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ansi2png: the Go Mono font:", err)
		os.Exit(1)
	}
	face, err := opentype.NewFace(mono, &opentype.FaceOptions{Size: 13, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ansi2png: the Go Mono font:", err)
		os.Exit(1)
	}
	var buf sfnt.Buffer
	has := func(r rune) bool { i, err := mono.GlyphIndex(&buf, r); return err == nil && i != 0 }
	substitute := map[rune]rune{'▸': '►', '┆': '│', '▕': '│'}
	d := &font.Drawer{Dst: img, Face: face}
	for y, row := range grid {
		for x, c := range row {
			r := image.Rect(x*cellW, y*cellH, (x+1)*cellW, (y+1)*cellH)
			draw.Draw(img, r, &image.Uniform{c.bg}, image.Point{}, draw.Src)
			switch c.r {
			case '▀':
				draw.Draw(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+cellH/2), &image.Uniform{c.fg}, image.Point{}, draw.Src)
			case '▄':
				draw.Draw(img, image.Rect(r.Min.X, r.Min.Y+cellH/2, r.Max.X, r.Max.Y), &image.Uniform{c.fg}, image.Point{}, draw.Src)
			case '█':
				draw.Draw(img, r, &image.Uniform{c.fg}, image.Point{}, draw.Src)
			case '▌':
				draw.Draw(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+cellW/2, r.Max.Y), &image.Uniform{c.fg}, image.Point{}, draw.Src)
			case '▐':
				draw.Draw(img, image.Rect(r.Min.X+cellW/2, r.Min.Y, r.Max.X, r.Max.Y), &image.Uniform{c.fg}, image.Point{}, draw.Src)
			case '░', '▒', '▓':
				alpha := map[rune]uint8{'░': 70, '▒': 130, '▓': 190}[c.r]
				draw.DrawMask(img, r, &image.Uniform{c.fg}, image.Point{}, &image.Uniform{color.Alpha{alpha}}, image.Point{}, draw.Over)
			case ' ':
			default:
				ch := c.r
				if !has(ch) {
					if sub, ok := substitute[ch]; ok && has(sub) {
						ch = sub
					} else {
						ch = '?'
					}
				}
				d.Src = &image.Uniform{c.fg}
				d.Dot = fixed.P(r.Min.X, r.Min.Y+12)
				d.DrawString(string(ch))
			}
		}
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
