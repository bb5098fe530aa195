package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// View draws the screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "siglip2-tui explore " + filepath.Base(m.sh.cfg.ImageName)
	return v
}

// render returns the screen as exactly height lines of width cells.
func (m *Model) render() string {
	if m.quitting {
		return ""
	}
	l := m.computeLayout()
	if l.w <= 0 || l.h <= 0 {
		return ""
	}
	if l.tooSmall {
		return strings.Join(m.tooSmallLines(l), "\n")
	}
	if m.help.open {
		return strings.Join(m.helpLines(l), "\n")
	}
	lines := make([]string, 0, l.h)
	lines = append(lines, m.header(l))
	if p := m.page(); p != nil {
		lines = append(lines, fitLines(p.Lines(m, l.w, l.image.Dy(), l.compact), l.w, l.image.Dy())...)
		if l.compact {
			lines = append(lines, m.compactInfo(l.w), m.footer(l.w))
		} else {
			lines = append(lines, m.statusLine(l.w), m.footer(l.w))
		}
		return strings.Join(lines, "\n")
	}
	rows, cols := m.grid()
	var cursor *viz.Patch
	if rows > 0 {
		p := m.patch
		cursor = &p
	}
	img := m.pane.Lines(m.maps.cur, rows, cols, cursor, m.disp, m.gfx.active(m))
	if m.img == nil {
		img = m.placeholder(l.image.Dx(), l.image.Dy())
	}
	if l.compact {
		lines = append(lines, img...)
		lines = append(lines, m.compactInfo(l.w), m.footer(l.w))
		return strings.Join(lines, "\n")
	}
	side, _ := m.sideLines(l.side.Dx(), l.side.Dy())
	side = fitLines(side, l.side.Dx(), l.side.Dy())
	for i := range img {
		lines = append(lines, img[i]+" "+side[i])
	}
	lines = append(lines, m.statusLine(l.w), m.footer(l.w))
	return strings.Join(lines, "\n")
}

// placeholder fills the image area before the image is decoded.
func (m *Model) placeholder(w, h int) []string {
	lines := fitLines(nil, w, h)
	if h > 0 {
		msg := m.spinner.View() + " " + m.progress.running()
		if _, err := m.progress.failure(); err != nil && m.img == nil {
			msg = m.sh.styles.err.Render("no image")
		}
		lines[h/2] = center(msg, w)
	}
	return lines
}

func (m *Model) tooSmallLines(l screenLayout) []string {
	msg := []string{"terminal too small", fmt.Sprintf("%d×%d, need %d×%d", l.w, l.h, minW, minH), "enlarge it, or q to quit"}
	lines := make([]string, l.h)
	top := max((l.h-len(msg))/2, 0)
	for i := range lines {
		if j := i - top; j >= 0 && j < len(msg) {
			lines[i] = center(msg[j], l.w)
		} else {
			lines[i] = strings.Repeat(" ", l.w)
		}
	}
	return lines
}
