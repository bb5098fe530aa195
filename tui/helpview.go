package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// helpView is the help screen's state: whether it is open and how far it
// is scrolled. The screen hands it the sections its parts report, so the
// help always lists what the screen does.
type helpView struct {
	open bool
	top  int
}

// show opens the help at its top.
func (h *helpView) show() { h.open, h.top = true, 0 }

// Update handles a key while the help is open; it reports whether the key
// asks to quit the program.
func (h *helpView) Update(k tea.KeyPressMsg, keys *KeyMap) (quit bool) {
	switch {
	case keyMatches(k, keys.Close):
		h.open = false
	case keyMatches(k, keys.Quit):
		return true
	case keyMatches(k, keys.Down):
		h.top++
	case keyMatches(k, keys.Up):
		h.top = max(h.top-1, 0)
	}
	return false
}

// Lines draws the sections under a title, w × h cells.
func (h *helpView) Lines(sh *shared, sections []helpSection, name string, w, height int) []string {
	return helpScreen(sh, sections, name, &h.top, w, height)
}

// helpLines draws every key, in two columns when there is room.
func (m *Model) helpLines(l screenLayout) []string {
	return m.help.Lines(m.sh, m.helpSections(), "siglip2-tui explore — keys", l.w, l.h)
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
	avail := h - 1
	hint := "   esc or ? closes · q quits"
	if len(body) > avail {
		hint = "   esc or ? closes · ↑↓ scroll · q quits"
	}
	title := st.title.Render(name) + st.faint.Render(hint)
	*top = min(*top, max(len(body)-avail, 0))
	out := []string{fitLine(title, w)}
	for i := *top; i < len(body) && len(out) < h; i++ {
		out = append(out, fitLine(body[i], w))
	}
	return fitLines(out, w, h)
}
