package tui

import tea "charm.land/bubbletea/v2"

// whySlot holds view 6 for the causal probes ("Why"), which are built on
// another branch; until they land it says so. Replace it with the probes'
// page when merging them.
type whySlot struct{}

// Sync starts nothing.
func (whySlot) Sync(*Model) tea.Cmd { return nil }

// Update takes no messages.
func (whySlot) Update(*Model, tea.Msg) (bool, tea.Cmd) { return false, nil }

// Key handles no keys.
func (whySlot) Key(*Model, tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }

// Lines says what the view will hold.
func (whySlot) Lines(m *Model, w, h int, compact bool) []string {
	lines := fitLines(nil, w, h)
	msg := wrap("Why (the causal probes: what the answer depends on) is being built on another branch; tab or 7 for the Trained view.", max(w-4, 10))
	for i, l := range msg {
		if y := h/2 - len(msg)/2 + i; y >= 0 && y < h {
			lines[y] = center(m.sh.styles.faint.Render(l), w)
		}
	}
	return lines
}

// Info is the compact line.
func (whySlot) Info(*Model) string { return "Why: the causal probes, coming" }

// KeyHelp lists no keys.
func (whySlot) KeyHelp(*Model) helpSection { return helpSection{} }

// Busy is never true.
func (whySlot) Busy() bool { return false }
