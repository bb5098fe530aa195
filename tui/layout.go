package tui

import (
	"fmt"
	"image"
	"strings"
)

// Terminal sizes: below minW×minH the explorer only says the terminal is
// too small; below wideW×wideH it drops the side panel.
const (
	minW, minH   = 30, 8
	wideW, wideH = 70, 16
)

// demoNotice is shown wherever a random-weight model runs.
const demoNotice = "random weights — for trying the interface"

// screenLayout is where each part of the screen goes.
type screenLayout struct {
	w, h     int
	tooSmall bool
	compact  bool
	image    image.Rectangle
	side     image.Rectangle
}

func (m *Model) computeLayout() screenLayout {
	w, h := m.sh.width, m.sh.height
	l := screenLayout{w: w, h: h}
	if w < minW || h < minH {
		l.tooSmall = true
		return l
	}
	body := h - 3 // header, then two status lines
	if w < wideW || h < wideH {
		l.compact = true
		l.image = image.Rect(0, 1, w, 1+body)
		return l
	}
	sideW := min(max(w/3, 30), 48)
	l.image = image.Rect(0, 1, w-sideW-1, 1+body)
	l.side = image.Rect(w-sideW, 1, w, 1+body)
	return l
}

// layout places the components after a resize.
func (m *Model) layout() {
	l := m.computeLayout()
	r := l.image
	m.pane.SetArea(r.Min.X, r.Min.Y, r.Dx(), r.Dy())
}

// tabSpans are the columns [from, to) of each view's tab in the header.
func tabSpans(l screenLayout) [numViews][2]int {
	var out [numViews][2]int
	x := 0
	for i := range numViews {
		n := len(tabLabel(viewID(i), l.compact))
		out[i] = [2]int{x, x + n}
		x += n + 1
	}
	return out
}

func tabLabel(v viewID, compact bool) string {
	name := viewNames[v]
	if compact {
		name = name[:3]
	}
	return fmt.Sprintf(" %d %s ", v+1, name)
}

func (m *Model) header(l screenLayout) string {
	st := &m.sh.styles
	var b strings.Builder
	for i := range numViews {
		label := tabLabel(viewID(i), l.compact)
		if viewID(i) == m.view {
			b.WriteString(st.activeTab.Render(label))
		} else {
			b.WriteString(st.tab.Render(label))
		}
		if i < numViews-1 {
			b.WriteString(" ")
		}
	}
	right := st.faint.Render("? help  q quit")
	if l.compact {
		right = st.faint.Render("?")
	}
	if m.sh.cfg.Demo {
		badge := " random weights "
		if l.compact {
			badge = " demo "
		}
		right = st.demo.Render(badge) + " " + right
	}
	left := b.String()
	gap := l.w - lipWidth(left) - lipWidth(right)
	if gap < 1 {
		return fitLine(left, l.w)
	}
	return left + strings.Repeat(" ", gap) + right
}
