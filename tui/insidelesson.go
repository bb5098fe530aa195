package tui

import (
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
	pg := pages[p.lesson.clamp(len(pages))]
	return fitLines(p.lesson.lines(st, pg.Title, pg.Text, nil, len(pages), min(w, 100), h), w, h)
}
