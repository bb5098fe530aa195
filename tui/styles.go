package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// styles are the lipgloss styles of the explorer. Colours are dropped by
// the renderer on terminals without them, so every style that matters also
// carries an attribute (bold, reverse, faint) that survives NO_COLOR.
type styles struct {
	tab, activeTab lipgloss.Style
	title          lipgloss.Style
	faint          lipgloss.Style
	key            lipgloss.Style
	value          lipgloss.Style
	warn           lipgloss.Style
	err            lipgloss.Style
	ok             lipgloss.Style
	selected       lipgloss.Style
	bar, barEmpty  lipgloss.Style
	status         lipgloss.Style
	demo           lipgloss.Style
}

func newStyles(mode viz.ColorMode) styles {
	accent := lipgloss.Color("#8be9fd")
	s := styles{
		tab:       lipgloss.NewStyle().Faint(true),
		activeTab: lipgloss.NewStyle().Bold(true).Reverse(true),
		title:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		faint:     lipgloss.NewStyle().Faint(true),
		key:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		value:     lipgloss.NewStyle().Bold(true),
		warn:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#ffb86c")),
		err:       lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#ff5555")),
		ok:        lipgloss.NewStyle().Foreground(lipgloss.Color("#50fa7b")),
		selected:  lipgloss.NewStyle().Bold(true).Reverse(true),
		bar:       lipgloss.NewStyle().Foreground(lipgloss.Color("#50fa7b")),
		barEmpty:  lipgloss.NewStyle().Faint(true),
		status:    lipgloss.NewStyle().Faint(true),
		demo:      lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(lipgloss.Color("#ffb86c")),
	}
	if mode == viz.NoColor {
		s.title = lipgloss.NewStyle().Bold(true).Underline(true)
		s.key = lipgloss.NewStyle().Bold(true)
		s.demo = lipgloss.NewStyle().Bold(true).Reverse(true)
	}
	return s
}
