package tui

import (
	"fmt"
)

// helpLines draws every key, in two columns when there is room.
func (m *Model) helpLines(l screenLayout) []string {
	st := &m.sh.styles
	var cols [2][]string
	var body []string
	for _, s := range m.sh.keys.sections() {
		b := []string{st.title.Render(s.title)}
		for _, k := range s.bindings {
			h := k.Help()
			b = append(b, st.key.Render(fmt.Sprintf("%-10s", h.Key))+" "+h.Desc)
		}
		if len(cols[s.column]) > 0 {
			cols[s.column] = append(cols[s.column], "")
		}
		cols[s.column] = append(cols[s.column], b...)
		body = append(body, b...)
		body = append(body, "")
	}
	if l.w >= 80 {
		colW := l.w/2 - 1
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
	title := st.title.Render("siglip2-tui explore — keys") + st.faint.Render("   esc or ? closes · ↑↓ scroll · q quits")
	avail := l.h - 1
	top := min(m.helpTop, max(len(body)-avail, 0))
	m.helpTop = top
	out := []string{fitLine(title, l.w)}
	for i := top; i < len(body) && len(out) < l.h; i++ {
		out = append(out, fitLine(body[i], l.w))
	}
	return fitLines(out, l.w, l.h)
}
