package tui

import (
	tea "charm.land/bubbletea/v2"
)

// reservedPage holds the place of a view that is built on another branch
// and has not landed yet: it says so, and does nothing else.
type reservedPage struct {
	name, about string
}

// Sync does nothing.
func (reservedPage) Sync(*Model) tea.Cmd { return nil }

// Update takes no messages.
func (reservedPage) Update(*Model, tea.Msg) (bool, tea.Cmd) { return false, nil }

// Key handles no keys.
func (reservedPage) Key(*Model, tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }

// Lines says that the view is not here yet.
func (r reservedPage) Lines(m *Model, w, h int, _ bool) []string {
	lines := fitLines(nil, w, h)
	if h > 0 {
		lines[h/2] = center(m.sh.styles.faint.Render(r.Info(m)), w)
	}
	return lines
}

// Info names the view and says it is not in this build.
func (r reservedPage) Info(*Model) string {
	return r.name + " (" + r.about + ") is not in this build yet"
}

// KeyHelp has no keys.
func (reservedPage) KeyHelp(*Model) helpSection { return helpSection{} }

// Busy is always false.
func (reservedPage) Busy() bool { return false }
