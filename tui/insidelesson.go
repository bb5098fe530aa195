package tui

import (
	"fmt"
	"strings"

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
		body := text[1:]
		room -= 2 // the title and the "more" line
		p.lessonTop = min(p.lessonTop, max(len(body)-room, 0))
		from := p.lessonTop
		shown := body[from:min(from+room, len(body))]
		var more []string
		if from > 0 {
			more = append(more, fmt.Sprintf("↑ %d lines", from))
		}
		if rest := len(body) - from - len(shown); rest > 0 {
			more = append(more, fmt.Sprintf("↓ %d more lines", rest))
		}
		text = append([]string{text[0]}, shown...)
		text = append(text, st.warn.Render(strings.Join(more, " · ")+"  (↑↓ scroll)"))
	}
	out := fitLines(text, w, h-1)
	return append(out, fitLine(nav, w))
}
