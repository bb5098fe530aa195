package tui

import (
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// lessonLines draws the current page of the Inside lesson, text only,
// scrolling when it is longer than the screen.
func (p *insidePage) lessonLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	prof, ok := p.profiles[p.k]
	if !ok {
		lines := fitLines(nil, w, h)
		if h > 0 {
			lines[h/2] = center(m.spinner.View()+" norms of every layer…", w)
		}
		return lines
	}
	rows, cols := m.grid()
	facts := inspect.InsideFacts{Profile: prof, Rows: rows, Cols: cols, Table: inspect.PositionTable(m.analysis), Demo: m.sh.cfg.Demo,
		TextLength: m.model.Config.Text.MaxPositions, Positions: p.posNorms}
	pages := inspect.InsideLessonPages(facts)
	p.page = min(p.page, len(pages)-1)
	pg := pages[p.page]
	textW := min(w, 100)
	text := []string{fitLine(st.title.Render(pg.Title)+st.faint.Render(fmt.Sprintf("  %d/%d", p.page+1, len(pages))), textW)}
	for _, para := range pg.Text {
		text = append(text, "")
		text = append(text, wrap(para, textW)...)
	}
	nav := st.key.Render("← p") + " back  " + st.key.Render("→ n") + " next  " + st.key.Render("esc") + " leave"
	if room := h - 1; len(text) > room {
		// The title stays; room loses it and the "more" line.
		shown, more := scrollWindow(st, text[1:], &p.lessonTop, room-2)
		text = append(append([]string{text[0]}, shown...), more)
	}
	out := fitLines(text, w, h-1)
	return append(out, fitLine(nav, w))
}
