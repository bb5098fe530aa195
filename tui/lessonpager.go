package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// lessonPager is where a reader is in a paged lesson: the page, and the
// first line shown when the page is too long for the screen. The
// Locality, Trained and Inside views share its keys and its text layout.
type lessonPager struct {
	page, top int
}

// open starts the lesson at its first page.
func (l *lessonPager) open() { l.page, l.top = 0, 0 }

// clamp keeps the page inside a lesson of n pages (n > 0) and returns it.
func (l *lessonPager) clamp(n int) int {
	l.page = min(max(l.page, 0), n-1)
	return l.page
}

// key pages (n, → or space: next; p or ←: back) and scrolls (↑↓) the
// lesson; closed reports esc (the caller leaves the lesson), handled
// whether k meant anything here.
func (l *lessonPager) key(keys *KeyMap, k tea.KeyPressMsg) (handled, closed bool) {
	switch {
	case keyMatches(k, keys.LessonNext) || keyMatches(k, keys.Right) || k.String() == "space":
		l.page++
		l.top = 0
	case keyMatches(k, keys.LessonPrev) || keyMatches(k, keys.Left):
		l.page = max(l.page-1, 0)
		l.top = 0
	case keyMatches(k, keys.Down):
		l.top++
	case keyMatches(k, keys.Up):
		l.top = max(l.top-1, 0)
	case keyMatches(k, keys.LessonClose):
		return true, true
	default:
		return false, false
	}
	return true, false
}

// lines lays out page (of n) in w×h cells: the title with "page/n", the
// paragraphs wrapped to w and then extra, scrolling (the title stays and
// the last line says how much is hidden) when they do not fit, and the
// keys on the last line.
func (l *lessonPager) lines(st *styles, title string, paras, extra []string, n, w, h int) []string {
	text := []string{fitLine(st.title.Render(title)+st.faint.Render(fmt.Sprintf("  %d/%d", l.page+1, n)), w)}
	for _, para := range paras {
		text = append(text, "")
		text = append(text, wrap(para, w)...)
	}
	text = append(text, extra...)
	if room := h - 1; len(text) > room {
		// The title stays; room loses it and the "more" line.
		shown, more := scrollWindow(st, text[1:], &l.top, room-2)
		text = append(append([]string{text[0]}, shown...), more)
	}
	nav := st.key.Render("← p") + " back  " + st.key.Render("→ n") + " next  " + st.key.Render("esc") + " leave"
	return append(fitLines(text, w, h-1), fitLine(nav, w))
}
