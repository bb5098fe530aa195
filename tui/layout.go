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

// Tab styles, from the widest: full names, three-letter names, and
// numbers with only the active tab named.
const (
	tabsFull = iota
	tabsShort
	tabsNumbers
	numTabStyles
)

// headerRight is the right side of the header in a style from the widest
// (0) to the narrowest (2).
func (m *Model) headerRight(style int) string {
	st := &m.sh.styles
	help := []string{"? help  q quit", "? help", "?"}[style]
	right := st.faint.Render(help)
	if m.sh.cfg.Demo {
		badge := " demo "
		if style == 0 {
			badge = " random weights "
		}
		right = st.demo.Render(badge) + " " + right
	}
	return right
}

// headerStyle picks the widest tab style and right side that fit: tabs
// keep their names longest.
func (m *Model) headerStyle(l screenLayout) (tabs, right int) {
	first := tabsFull
	if l.compact {
		first = tabsShort
	}
	for tabs = first; tabs < numTabStyles; tabs++ {
		for right = 0; right < 3; right++ {
			if l.compact && right < 2 {
				continue
			}
			if tabsWidth(tabs, m.view)+1+lipWidth(m.headerRight(right)) <= l.w {
				return tabs, right
			}
		}
	}
	return tabsNumbers, 2
}

func tabsWidth(style int, active viewID) int {
	n := int(numViews) - 1
	for i := range numViews {
		n += len(tabLabel(viewID(i), style, active))
	}
	return n
}

// tabSpans are the columns [from, to) of each view's tab in the header.
func (m *Model) tabSpans(l screenLayout) [numViews][2]int {
	style, _ := m.headerStyle(l)
	var out [numViews][2]int
	x := 0
	for i := range numViews {
		n := len(tabLabel(viewID(i), style, m.view))
		out[i] = [2]int{x, x + n}
		x += n + 1
	}
	return out
}

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
	for i, n := range viewNames {
		if strings.EqualFold(s, n) {
			return viewID(i), true
		}
	}
	if strings.EqualFold(s, "similarity") || s == "" {
		return viewSimilarity, true
	}
	return 0, false
}

func (m *Model) header(l screenLayout) string {
	st := &m.sh.styles
	tabs, rightStyle := m.headerStyle(l)
	var b strings.Builder
	for i := range numViews {
		label := tabLabel(viewID(i), tabs, m.view)
		if viewID(i) == m.view {
			b.WriteString(st.activeTab.Render(label))
		} else {
			b.WriteString(st.tab.Render(label))
		}
		if i < numViews-1 {
			b.WriteString(" ")
		}
	}
	right := m.headerRight(rightStyle)
	left := b.String()
	gap := l.w - lipWidth(left) - lipWidth(right)
	if gap < 1 {
		return fitLine(left, l.w)
	}
	return left + strings.Repeat(" ", gap) + right
}
