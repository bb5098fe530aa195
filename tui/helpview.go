package tui

import (
	"fmt"
)

// helpLines draws every key, in two columns when there is room.
func (m *Model) helpLines(l screenLayout) []string {
	return helpScreen(m.sh, m.sh.keys.sections(), "siglip2-tui explore — keys", &m.helpTop, l.w, l.h)
}

// helpScreen draws sections of key bindings in two columns when there is
// room, under a title, scrolled to *top (which it clamps).
func helpScreen(sh *shared, sections []helpSection, name string, top *int, w, h int) []string {
	st := &sh.styles
	var cols [2][]string
	var body []string
	for _, s := range sections {
		b := []string{st.title.Render(s.title)}
		for _, k := range s.bindings {
			hb := k.Help()
			b = append(b, st.key.Render(fmt.Sprintf("%-10s", hb.Key))+" "+hb.Desc)
		}
		if len(cols[s.column]) > 0 {
			cols[s.column] = append(cols[s.column], "")
		}
		cols[s.column] = append(cols[s.column], b...)
		body = append(body, b...)
		body = append(body, "")
	}
	if w >= 80 {
		colW := w/2 - 1
		body = body[:0]
		for i := range max(len(cols[0]), len(cols[1])) {
			var a, c string
			if i < len(cols[0]) {
				a = cols[0][i]
			}
			if i < len(cols[1]) {
				c = cols[1][i]
			}
			body = append(body, fitLine(a, colW)+"  "+c)
		}
	}
	title := st.title.Render(name) + st.faint.Render("   esc or ? closes · ↑↓ scroll · q quits")
	avail := h - 1
	*top = min(*top, max(len(body)-avail, 0))
	out := []string{fitLine(title, w)}
	for i := *top; i < len(body) && len(out) < h; i++ {
		out = append(out, fitLine(body[i], w))
	}
	return fitLines(out, w, h)
}
