package tui

import (
	"image"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Compare's layout: the header, a grid of panes (each a title line, the
// picture and a footer line), an info block under them and the footer
// line. The grid's shape is chosen for the biggest pictures: side by side
// on wide terminals, stacked on tall narrow ones. When not even the
// smallest pictures fit, fewer panes are shown, a window around the
// focused one (f moves it).

// Smallest picture a pane may have, in cells.
const (
	minPaneCols = 10
	minPaneRows = 3
)

// compareLayout is where each part of the compare screen goes.
type compareLayout struct {
	w, h     int
	tooSmall bool
	compact  bool
	// cols × rows is the grid of visible panes.
	cols, rows int
	// visible lists the panes shown, in order; panes[j] is visible[j]'s
	// area (title, picture, footer).
	visible []int
	panes   []image.Rectangle
	// info is the block under the panes.
	info image.Rectangle
}

// panePicture is the part of a pane area that holds the picture.
func panePicture(r image.Rectangle) image.Rectangle {
	return image.Rect(r.Min.X, r.Min.Y+1, r.Max.X, r.Max.Y-1)
}

// layoutPanes places n panes (aspect[i] = width/height of pane i's
// picture, 0 when not known yet) in a w × h terminal with info lines
// wanted under them and pane focus kept visible.
func layoutPanes(w, h int, aspect []float64, focus, info int) compareLayout {
	l := compareLayout{w: w, h: h}
	n := len(aspect)
	if w < minW || h < minH || n == 0 {
		l.tooSmall = true
		return l
	}
	l.compact = w < wideW || h < wideH
	avail := h - 2 // header and footer
	infoH := min(info, max(avail-(minPaneRows+2), 1))
	if l.compact {
		infoH = 1
	}
	bodyH := avail - infoH
	fit := func(i, cols, rows int) (int, int) {
		a := aspect[i]
		if !(a > 0) {
			a = 1
		}
		// FitCells works on pixels; 1000 pixels high is precise enough.
		return viz.FitCells(int(a*1000+0.5), 1000, cols, rows)
	}
	for k := n; k >= 1; k-- {
		first := min(max(focus-k/2, 0), n-k)
		bestScore, bestCols := -1, 0
		for c := 1; c <= k; c++ {
			r := (k + c - 1) / c
			pw, ph := (w-(c-1))/c, bodyH/r
			if pw < minPaneCols || ph-2 < minPaneRows {
				continue
			}
			score := -1
			for i := first; i < first+k; i++ {
				cc, rr := fit(i, pw, ph-2)
				if cc < 4 || rr < 2 || cc < minPaneCols && rr < minPaneRows {
					score = -1
					break
				}
				if s := cc * rr; score < 0 || s < score {
					score = s
				}
			}
			if score > bestScore {
				bestScore, bestCols = score, c
			}
		}
		if bestScore < 0 {
			continue
		}
		c := bestCols
		r := (k + c - 1) / c
		pw, ph := (w-(c-1))/c, bodyH/r
		l.cols, l.rows = c, r
		// Each grid row is as tall as its tallest picture needs; the
		// rest goes to the info block.
		y := 1
		for gr := range r {
			rowH := 0
			for j := gr * c; j < min((gr+1)*c, k); j++ {
				_, rr := fit(first+j, pw, ph-2)
				rowH = max(rowH, rr+2)
			}
			for j := gr * c; j < min((gr+1)*c, k); j++ {
				x := (j % c) * (pw + 1)
				l.visible = append(l.visible, first+j)
				l.panes = append(l.panes, image.Rect(x, y, x+pw, y+rowH))
			}
			y += rowH
		}
		l.info = image.Rect(0, y, w, h-1)
		return l
	}
	l.tooSmall = true
	return l
}
