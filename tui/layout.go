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

// demoNotice is shown wherever the built-in toy model runs: its maps are
// real, but it knows only coloured shapes.
const demoNotice = "toy model — knows only coloured shapes"

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

// Tab styles, from the widest: full names, three-letter names, and
// numbers with only the active tab named.
const (
	tabsFull = iota
	tabsShort
	tabsNumbers
	numTabStyles
)

// tabBar is a header line: numbered tabs on the left (the widest style
// that fits), help and the demo badge on the right. The explorer and the
// compare view share it.
type tabBar struct {
	sh      *shared
	views   int // tabs 1…views, named by viewNames
	active  viewID
	w       int
	compact bool
}

// right is the right side of the header in a style from the widest (0)
// to the narrowest (2).
func (t tabBar) right(style int) string {
	st := &t.sh.styles
	help := []string{"? help  q quit", "? help", "?"}[style]
	right := st.faint.Render(help)
	if t.sh.cfg.Demo {
		badge := " demo "
		if style == 0 {
			badge = " toy model "
		}
		right = st.demo.Render(badge) + " " + right
	}
	return right
}

// style picks the widest tab style and right side that fit: tabs keep
// their names longest.
func (t tabBar) style() (tabs, right int) {
	first := tabsFull
	if t.compact {
		first = tabsShort
	}
	for tabs = first; tabs < numTabStyles; tabs++ {
		for right = 0; right < 3; right++ {
			if t.compact && right < 2 {
				continue
			}
			if t.tabsWidth(tabs)+1+lipWidth(t.right(right)) <= t.w {
				return tabs, right
			}
		}
	}
	return tabsNumbers, 2
}

func (t tabBar) tabsWidth(style int) int {
	n := t.views - 1
	for i := range t.views {
		n += len(tabLabel(viewID(i), style, t.active))
	}
	return n
}

// spans are the columns [from, to) of each tab.
func (t tabBar) spans() [][2]int {
	style, _ := t.style()
	out := make([][2]int, t.views)
	x := 0
	for i := range t.views {
		n := len(tabLabel(viewID(i), style, t.active))
		out[i] = [2]int{x, x + n}
		x += n + 1
	}
	return out
}

// line draws the header, exactly w cells.
func (t tabBar) line() string {
	st := &t.sh.styles
	tabs, rightStyle := t.style()
	var b strings.Builder
	for i := range t.views {
		label := tabLabel(viewID(i), tabs, t.active)
		if viewID(i) == t.active {
			b.WriteString(st.activeTab.Render(label))
		} else {
			b.WriteString(st.tab.Render(label))
		}
		if i < t.views-1 {
			b.WriteString(" ")
		}
	}
	right := t.right(rightStyle)
	left := b.String()
	gap := t.w - lipWidth(left) - lipWidth(right)
	if gap < 1 {
		return fitLine(left, t.w)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *Model) tabBar(l screenLayout) tabBar {
	return tabBar{sh: m.sh, views: int(numViews), active: m.view, w: l.w, compact: l.compact}
}

// tabSpans are the columns [from, to) of each view's tab in the header.
func (m *Model) tabSpans(l screenLayout) [][2]int { return m.tabBar(l).spans() }

func tabLabel(v viewID, style int, active viewID) string {
	name := viewNames[v]
	switch {
	case style == tabsShort || style == tabsNumbers && v == active:
		name = name[:3]
	case style == tabsNumbers:
		return fmt.Sprintf(" %d ", v+1)
	}
	return fmt.Sprintf(" %d %s ", v+1, name)
}

// parseView reads a view's name (Config.StartView).
func parseView(s string) (viewID, bool) {
	if s == "" {
		return viewSimilarity, true
	}
	for i, n := range viewNames {
		if strings.EqualFold(s, n) {
			return viewID(i), true
		}
	}
	return 0, false
}

func (m *Model) header(l screenLayout) string { return m.tabBar(l).line() }
