package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
)

// labelItem is one text label with what the model made of it.
type labelItem struct {
	text  string
	enc   *engine.Label // nil until encoded
	score engine.Score
}

// labelList is the editable list of text labels with their scores. Edits
// raise gen; the app encodes the labels of the newest gen off the UI loop
// and hands the result back through apply.
type labelList struct {
	sh      *shared
	items   []labelItem
	sel     int
	gen     int
	editing bool
	editIdx int // -1: adding
	top     int // first label drawn by the last Lines
	input   lineInput
	err     error
}

func newLabelList(sh *shared, texts []string) labelList {
	l := labelList{sh: sh, input: lineInput{prompt: "label: ", limit: 200}}
	for _, t := range texts {
		l.items = append(l.items, labelItem{text: t})
	}
	return l
}

// Texts returns the labels as typed.
func (l *labelList) Texts() []string {
	out := make([]string, len(l.items))
	for i, it := range l.items {
		out[i] = it.text
	}
	return out
}

// Selected returns the selected label's encoding, nil when there is none
// yet.
func (l *labelList) Selected() *engine.Label {
	if l.sel < 0 || l.sel >= len(l.items) {
		return nil
	}
	return l.items[l.sel].enc
}

// Move moves the selection by d, staying in the list.
func (l *labelList) Move(d int) {
	if len(l.items) == 0 {
		return
	}
	l.sel = min(max(l.sel+d, 0), len(l.items)-1)
}

// StartAdd opens the input for a new label.
func (l *labelList) StartAdd() tea.Cmd {
	l.editing, l.editIdx = true, -1
	l.input.SetValue("")
	return nil
}

// StartEdit opens the input on the selected label.
func (l *labelList) StartEdit() tea.Cmd {
	if l.sel < 0 || l.sel >= len(l.items) {
		return l.StartAdd()
	}
	l.editing, l.editIdx = true, l.sel
	l.input.SetValue(l.items[l.sel].text)
	return nil
}

// Delete removes the selected label; it reports whether one was removed.
func (l *labelList) Delete() bool {
	if l.sel < 0 || l.sel >= len(l.items) {
		return false
	}
	l.items = append(l.items[:l.sel], l.items[l.sel+1:]...)
	l.sel = min(l.sel, len(l.items)-1)
	l.sel = max(l.sel, 0)
	l.gen++
	return true
}

// Update handles a key while the input is open. changed reports that the
// list was edited (a label added or changed).
func (l *labelList) Update(msg tea.Msg) (changed bool, cmd tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case keyMatches(k, l.sh.keys.Cancel):
			l.editing = false
			return false, nil
		case keyMatches(k, l.sh.keys.Accept):
			l.editing = false
			text := strings.TrimSpace(l.input.Value())
			if text == "" {
				return false, nil
			}
			if l.editIdx >= 0 && l.editIdx < len(l.items) {
				if l.items[l.editIdx].text == text {
					return false, nil
				}
				l.items[l.editIdx] = labelItem{text: text}
				l.sel = l.editIdx
			} else {
				l.items = append(l.items, labelItem{text: text})
				l.sel = len(l.items) - 1
			}
			l.gen++
			return true, nil
		}
	}
	l.input.Update(msg)
	return false, nil
}

// handleKey handles the labels view's keys outside typing: pick, add,
// edit, delete. handled is false for keys it does not know; changed
// reports that the list changed (the labels must be encoded again).
func (l *labelList) handleKey(k tea.KeyPressMsg) (handled, changed bool) {
	keys := &l.sh.keys
	switch {
	case keyMatches(k, keys.Up):
		l.Move(-1)
	case keyMatches(k, keys.Down):
		l.Move(1)
	case keyMatches(k, keys.AddLabel):
		l.StartAdd()
	case keyMatches(k, keys.EditLabel):
		l.StartEdit()
	case keyMatches(k, keys.DeleteLabel):
		return true, l.Delete()
	default:
		return false, false
	}
	return true, false
}

// KeyHelp is the label list's part of the help screen.
func (l *labelList) KeyHelp() helpSection {
	k := l.sh.keys
	typing := key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "typing: keep / cancel"))
	return helpSection{"Labels view", 0, []key.Binding{k.AddLabel, k.EditLabel, k.DeleteLabel, typing}}
}

// apply takes the encoding of the labels of one gen; results for an older
// list are dropped.
func (l *labelList) apply(m labelsMsg) {
	if m.gen != l.gen {
		return
	}
	l.err = m.err
	if m.err != nil {
		return
	}
	for i := range l.items {
		if i < len(m.labels) && m.labels[i].Text == l.items[i].text {
			enc := m.labels[i]
			l.items[i].enc = &enc
			if i < len(m.scores) {
				l.items[i].score = m.scores[i]
			}
		}
	}
}

// pending tells whether some label still waits for its encoding.
func (l *labelList) pending() bool {
	for _, it := range l.items {
		if it.enc == nil {
			return true
		}
	}
	return false
}

// Lines draws the list in width cells and at most height lines: one line
// per label with its probability as a bar (scrolled so the selection
// shows; top records the first label drawn, for mouse clicks), then the
// input when editing.
func (l *labelList) Lines(width, height int) []string {
	st := &l.sh.styles
	var out []string
	if len(l.items) == 0 && !l.editing {
		out = append(out, st.faint.Render("press a to add a label"))
	}
	barW := max(min(10, width-24), 3)
	visible := max(height-1, 1)
	start := 0
	if l.sel >= visible {
		start = l.sel - visible + 1
	}
	l.top = start
	for i := start; i < min(len(l.items), start+visible); i++ {
		it := l.items[i]
		mark := "  "
		if i == l.sel {
			mark = "▸ "
		}
		var score string
		if it.enc == nil {
			score = st.faint.Render(fmt.Sprintf("%4s %s", "…", strings.Repeat("·", barW)))
		} else {
			filled := int(it.score.Prob*float32(barW) + 0.5)
			bar := st.bar.Render(strings.Repeat("█", filled)) + st.barEmpty.Render(strings.Repeat("░", barW-filled))
			score = fmt.Sprintf("%4s %s", formatProb(it.score.Prob), bar)
		}
		text := it.text
		if i == l.sel {
			text = st.selected.Render(text)
		}
		line := mark + score + " " + text
		if it.enc != nil {
			line += st.faint.Render(fmt.Sprintf(" %+.2f", it.score.Logit))
		}
		out = append(out, fitLine(line, width))
	}
	if l.editing {
		out = append(out, fitLine(l.input.View(width), width))
	}
	if l.err != nil {
		for _, s := range wrap("labels: "+l.err.Error(), width) {
			out = append(out, st.err.Render(fitLine(s, width)))
		}
	}
	return out
}

// formatProb prints a probability in four characters: ".83", "1.00", "<.01".
func formatProb(p float32) string {
	switch {
	case p >= 0.995:
		return "1.00"
	case p < 0.005:
		return "<.01"
	}
	return strings.TrimPrefix(fmt.Sprintf("%.2f", p), "0")
}
