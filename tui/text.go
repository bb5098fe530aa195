package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// fitLine cuts s (which may hold escape sequences) to w cells, ending with
// "…" when cut, and pads it with spaces to exactly w cells.
func fitLine(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// fitLines makes exactly h lines of w cells from lines.
func fitLines(lines []string, w, h int) []string {
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fitLine(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", max(w, 0))
		}
	}
	return out
}

// wrap breaks plain text into lines of at most w cells at spaces.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = word
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= w:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// center pads s on the left so it sits in the middle of w cells.
func center(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return fitLine(s, w)
	}
	return fitLine(strings.Repeat(" ", (w-n)/2)+s, w)
}

// lipWidth is the width of s in cells, escape sequences excluded.
func lipWidth(s string) int { return ansi.StringWidth(s) }

// errorLines is a page's body when its work failed: what failed, then the
// error wrapped to w cells, in the error style, h lines.
func errorLines(st *styles, what string, err error, w, h int) []string {
	lines := []string{st.err.Render(what)}
	for _, l := range wrap(err.Error(), w) {
		lines = append(lines, st.err.Render(l))
	}
	return fitLines(lines, w, h)
}

// scrollWindow shows body in room lines from line *top (clamped so the
// last page is full): the lines shown and, when body does not fit, the
// line that says how much is hidden above and below and how to scroll
// ("" when it fits).
func scrollWindow(st *styles, body []string, top *int, room int) (shown []string, more string) {
	room = max(room, 0)
	*top = min(max(*top, 0), max(len(body)-room, 0))
	shown = body[*top:min(*top+room, len(body))]
	if len(body) <= room {
		return shown, ""
	}
	var parts []string
	if *top > 0 {
		parts = append(parts, fmt.Sprintf("↑ %d lines", *top))
	}
	if rest := len(body) - *top - len(shown); rest > 0 {
		parts = append(parts, fmt.Sprintf("↓ %d more lines", rest))
	}
	return shown, st.warn.Render(strings.Join(parts, " · ") + "  (↑↓ scroll)")
}
