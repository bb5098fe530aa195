package tui

import (
	"image"
	"math"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// displayOpts are the user's choices of how a map is painted.
type displayOpts struct {
	display viz.Display // map, overlay, side by side, image
	cmap    viz.Colormap
	opacity float64 // the overlay's
	grid    bool
	smooth  bool
}

// overlay is the viz options these choices give, with the cursor.
func (d displayOpts) overlay(cursor *viz.Patch) viz.OverlayOptions {
	return viz.OverlayOptions{Opacity: d.opacity, Smooth: d.smooth, GridLines: d.grid, Cursor: cursor}
}

// layer is m as viz draws it in these colours; nil for no map.
func (d displayOpts) layer(m *inspect.Map) *viz.MapLayer {
	if m == nil {
		return nil
	}
	return &viz.MapLayer{Grid: m.Grid, Colormap: d.cmap, Range: m.Range, Colors: m.Colors}
}

// imagePane draws the image with the current map over it, in half-block
// cells, kept at the image's aspect ratio and centred in its area. The
// image shrunk to the area is computed once per image and size; a redraw
// only blends the map over that small picture and turns it into cells.
type imagePane struct {
	sh         *shared
	x, y, w, h int // the area on screen, in cells

	src      *image.NRGBA
	small    *image.NRGBA // src fitted into the area: cols × 2·rows pixels
	smallFor image.Point
	smallPx  image.Point // the cell size in pixels small was fitted for
	cols     int
	rows     int

	lastKey   paneKey
	lastLines []string

	// alignTop puts the picture at the top of its area instead of its
	// middle (compare lines its panes up at the top).
	alignTop bool
	// side draws the image and the map side by side, one cell apart:
	// each picture gets half the area.
	side bool
}

// paneKey is everything a rendering depends on; an equal key reuses the
// previous lines (spinner ticks and status changes redraw nothing here).
type paneKey struct {
	m            *inspect.Map
	gridH, gridW int
	cursor       viz.Patch
	hasCursor    bool
	d            displayOpts
	w, h         int
	src          *image.NRGBA
	blank        bool
	mode         viz.ColorMode
	px           image.Point
}

// SetArea places the pane on screen.
func (p *imagePane) SetArea(x, y, w, h int) {
	p.x, p.y, p.w, p.h = x, y, max(w, 0), max(h, 0)
	p.fit()
}

// SetSide switches side-by-side drawing on or off.
func (p *imagePane) SetSide(side bool) {
	if p.side != side {
		p.side, p.smallFor = side, image.Point{}
		p.fit()
	}
}

// SetImage sets the picture to draw.
func (p *imagePane) SetImage(img *image.NRGBA) {
	p.src = img
	p.smallFor = image.Point{}
	p.fit()
}

// fit recomputes the shrunk picture when the image or the area changed.
func (p *imagePane) fit() {
	if p.src == nil || p.w <= 0 || p.h <= 0 {
		p.small, p.cols, p.rows = nil, 0, 0
		return
	}
	px := p.sh.cellPx
	if p.small != nil && p.smallFor == image.Pt(p.w, p.h) && p.smallPx == px {
		return
	}
	w := p.w
	if p.side {
		w = (p.w - 1) / 2
	}
	if w <= 0 {
		p.small, p.cols, p.rows = nil, 0, 0
		return
	}
	small, err := viz.CellImageSized(p.src, w, p.h, px)
	if err != nil {
		p.small, p.cols, p.rows = nil, 0, 0
		return
	}
	p.small, p.smallFor, p.smallPx = small, image.Pt(p.w, p.h), px
	p.cols, p.rows = small.Rect.Dx(), (small.Rect.Dy()+1)/2
}

// width is the drawn width in cells: one picture, or two and a gap.
func (p *imagePane) width() int {
	if p.side {
		return 2*p.cols + 1
	}
	return p.cols
}

// origin is the screen cell of the picture's top-left corner.
func (p *imagePane) origin() (int, int) {
	if p.alignTop {
		return p.x + (p.w-p.width())/2, p.y
	}
	return p.x + (p.w-p.width())/2, p.y + (p.h-p.rows)/2
}

// layout relates the picture's cells to a patch grid.
func (p *imagePane) layout(gridH, gridW int) viz.CellLayout {
	return viz.CellLayout{Cols: p.cols, Rows: p.rows, GridH: gridH, GridW: gridW}
}

// PatchAt returns the patch under screen cell (sx, sy).
func (p *imagePane) PatchAt(sx, sy, gridH, gridW int) (viz.Patch, bool) {
	if p.small == nil {
		return viz.Patch{}, false
	}
	ox, oy := p.origin()
	x := sx - ox
	if p.side && x > p.cols { // the right-hand picture
		x -= p.cols + 1
	}
	return p.layout(gridH, gridW).PatchAt(x, sy-oy)
}

// Lines returns exactly h lines of w cells: the picture with m over it and
// the cursor outlined (m may be nil: the image alone). With blank the
// picture's cells are left empty, for a graphics protocol to draw into.
func (p *imagePane) Lines(m *inspect.Map, gridH, gridW int, cursor *viz.Patch, d displayOpts, blank bool) []string {
	p.SetSide(d.display == viz.DisplaySide)
	key := paneKey{m: m, gridH: gridH, gridW: gridW, d: d, w: p.w, h: p.h, src: p.src, blank: blank, mode: p.sh.mode, px: p.smallPx}
	if cursor != nil {
		key.cursor, key.hasCursor = *cursor, true
	}
	if key == p.lastKey && p.lastLines != nil {
		return p.lastLines
	}
	lines := p.render(m, gridH, gridW, cursor, d, blank)
	p.lastKey, p.lastLines = key, lines
	return lines
}

func (p *imagePane) render(m *inspect.Map, gridH, gridW int, cursor *viz.Patch, d displayOpts, blank bool) []string {
	if p.small == nil {
		return fitLines(nil, p.w, p.h)
	}
	var cells []string
	if blank {
		cells = make([]string, p.rows)
		for i := range cells {
			cells[i] = strings.Repeat(" ", p.width())
		}
	} else {
		layer := d.layer(m)
		if layer == nil && gridH > 0 && gridW > 0 {
			// No map yet: the image, with the grid and cursor if asked.
			layer = &viz.MapLayer{Grid: viz.Grid{H: gridH, W: gridW, Values: nanGrid(gridH * gridW)}, Colormap: d.cmap}
		}
		o := d.overlay(cursor)
		draw := func(display viz.Display) []string {
			pic, err := viz.ShowMap(p.small, layer, display, o)
			if err != nil {
				pic = p.small
			}
			return viz.Cells(pic, p.sh.mode)
		}
		switch {
		case m == nil:
			cells = draw(viz.DisplayImage)
			if p.side {
				for i := range cells {
					cells[i] += strings.Repeat(" ", p.cols+1)
				}
			}
		case p.side:
			left, right := draw(viz.DisplayImage), draw(viz.DisplayMap)
			cells = make([]string, len(left))
			for i := range left {
				cells[i] = left[i] + " " + right[i]
			}
		default:
			cells = draw(d.display)
		}
	}
	ox, oy := p.origin()
	padL := strings.Repeat(" ", ox-p.x)
	padR := strings.Repeat(" ", max(p.w-p.width()-(ox-p.x), 0))
	blankLine := strings.Repeat(" ", p.w)
	out := make([]string, p.h)
	for i := range out {
		r := i - (oy - p.y)
		if r >= 0 && r < len(cells) {
			out[i] = padL + cells[r] + padR
		} else {
			out[i] = blankLine
		}
	}
	return out
}

// nanGrid returns n NaN values (a map that covers nothing).
func nanGrid(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(math.NaN())
	}
	return out
}
