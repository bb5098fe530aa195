package tui

import (
	tea "charm.land/bubbletea/v2"
)

// A page is a view that draws its whole body itself, instead of a map
// over the image: the locality view, and the views that come after it. A
// page is one file (or a few) implementing this interface and one entry in
// Model.pages; the explorer hands it what concerns it:
//
//   - Sync, after every message while the page is open: start the work it
//     needs (its jobs run off the UI loop as commands);
//   - Update, every message the explorer does not handle itself: take the
//     results of its own commands (handled reports whether msg was one);
//   - Key, every key while the page is open, before the keys every screen
//     shares (handled false lets those act);
//   - Lines, the body: w × h cells (compact: no side panel);
//   - Info, the one line that stands for the side panel on small screens;
//   - KeyHelp, its part of the help screen;
//   - Busy, whether its work is still running (the spinner turns).
//
// The page reads the explorer's state (the analysis, the selection, the
// shared context) through the *Model it is given and changes only its own.
type page interface {
	Sync(m *Model) tea.Cmd
	Update(m *Model, msg tea.Msg) (handled bool, cmd tea.Cmd)
	Key(m *Model, k tea.KeyPressMsg) (handled bool, cmd tea.Cmd)
	Lines(m *Model, w, h int, compact bool) []string
	Info(m *Model) string
	KeyHelp(m *Model) helpSection
	Busy() bool
}

// page is the open view's page, or nil for a map view.
func (m *Model) page() page {
	if int(m.view) < len(m.pages) {
		return m.pages[m.view]
	}
	return nil
}

// syncPage lets the open page start its work.
func (m *Model) syncPage() tea.Cmd {
	if p := m.page(); p != nil {
		return p.Sync(m)
	}
	return nil
}

// pagesUpdate offers msg to every page (a job's result may arrive after
// its view was left).
func (m *Model) pagesUpdate(msg tea.Msg) (bool, tea.Cmd) {
	for _, p := range m.pages {
		if p == nil {
			continue
		}
		if handled, cmd := p.Update(m, msg); handled {
			return true, cmd
		}
	}
	return false, nil
}

// pagesBusy tells whether a page's work is running.
func (m *Model) pagesBusy() bool {
	for _, p := range m.pages {
		if p != nil && p.Busy() {
			return true
		}
	}
	return false
}

// pagesHelp is every page's part of the help screen.
func (m *Model) pagesHelp() []helpSection {
	var out []helpSection
	for _, p := range m.pages {
		if p == nil {
			continue
		}
		if s := p.KeyHelp(m); len(s.bindings) > 0 {
			out = append(out, s)
		}
	}
	return out
}
