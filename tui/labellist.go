package tui

import (
	"fmt"
	"math"
	"slices"
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
// and hands the result back through apply. The list is shown sorted by
// score (best first) or as typed; the selection follows the label, not its
// row.
type labelList struct {
	sh      *shared
	items   []labelItem // as typed
	sel     int         // index into items
	byScore bool        // show the best first
	moved   bool        // the user picked a label: the first scores do not move the selection
	gen     int
	editing bool
	editIdx int // -1: adding
	top     int // first row drawn by the last Lines
	input   lineInput
	err     error
}

func newLabelList(sh *shared, texts []string) labelList {
	l := labelList{sh: sh, byScore: true, input: lineInput{prompt: "label: ", limit: 200}}
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

// order is the rows of the list: item indices, best score first when
// sorting (labels not scored yet keep their place at the end).
func (l *labelList) order() []int {
	out := make([]int, len(l.items))
	for i := range out {
		out[i] = i
	}
	if l.byScore {
		slices.SortStableFunc(out, func(a, b int) int {
			sa, sb := l.sortKey(a), l.sortKey(b)
			switch {
			case sa > sb:
				return -1
			case sa < sb:
				return 1
			}
			return 0
		})
	}
	return out
}

// sortKey is item i's logit, or -Inf before it is encoded (and for NaN).
func (l *labelList) sortKey(i int) float64 {
	it := l.items[i]
	if it.enc == nil || math.IsNaN(float64(it.score.Logit)) {
		return math.Inf(-1)
	}
	return float64(it.score.Logit)
}

// row is the row the selected label is drawn on.
func (l *labelList) row() int { return max(slices.Index(l.order(), l.sel), 0) }

// Selected returns the selected label's encoding, nil when there is none
// yet.
func (l *labelList) Selected() *engine.Label {
	if l.sel < 0 || l.sel >= len(l.items) {
		return nil
	}
	return l.items[l.sel].enc
}

// selectedItem is the selected label, nil in an empty list.
func (l *labelList) selectedItem() *labelItem {
	if l.sel < 0 || l.sel >= len(l.items) {
		return nil
	}
	return &l.items[l.sel]
}

// Move moves the selection by d rows, staying in the list.
func (l *labelList) Move(d int) {
	if len(l.items) == 0 {
		return
	}
	o := l.order()
	l.sel = o[min(max(l.row()+d, 0), len(o)-1)]
	l.moved = true
}

// pick selects the label on row r (a mouse click).
func (l *labelList) pick(r int) {
	if o := l.order(); r >= 0 && r < len(o) {
		l.sel, l.moved = o[r], true
	}
}

// toggleOrder switches between best-first and typed order.
func (l *labelList) toggleOrder() { l.byScore = !l.byScore }

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
// The selection moves to the next row.
func (l *labelList) Delete() bool {
	if l.sel < 0 || l.sel >= len(l.items) {
		return false
	}
	o := l.order()
	r := l.row()
	next := -1
	if r+1 < len(o) {
		next = o[r+1]
	} else if r > 0 {
		next = o[r-1]
	}
	l.items = append(l.items[:l.sel], l.items[l.sel+1:]...)
	switch {
	case next < 0:
		l.sel = 0
	case next > l.sel:
		l.sel = next - 1
	default:
		l.sel = next
	}
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
			l.moved = true
			l.gen++
			return true, nil
		}
	}
	l.input.Update(msg)
	return false, nil
}

// handleKey handles the labels view's keys outside typing: pick, add,
// edit, delete, order. handled is false for keys it does not know; changed
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
	case keyMatches(k, keys.LabelOrder):
		l.toggleOrder()
	default:
		return false, false
	}
	return true, false
}

// KeyHelp is the label list's part of the help screen.
func (l *labelList) KeyHelp() helpSection {
	k := l.sh.keys
	typing := key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "typing: keep / cancel"))
	return helpSection{"Labels view", 0, []key.Binding{k.AddLabel, k.EditLabel, k.DeleteLabel, k.LabelOrder, typing}}
}

// apply takes the encoding of the labels of one gen; results for an older
// list are dropped. The first scores select the best label, unless the
// user has picked one.
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
	if !l.moved && l.byScore && len(l.items) > 0 {
		l.sel = l.order()[0]
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

// Lines draws the list in width cells and at most height lines: a header,
// one row per label (its probability, its name, its logit; a label with
// words the model cannot know is marked "?"), scrolled so the selection
// shows, with "↑ n more" / "↓ n more" where rows are hidden; then the
// input when editing. top records the first row drawn, for mouse clicks.
func (l *labelList) Lines(width, height int) []string {
	st := &l.sh.styles
	var out []string
	if len(l.items) == 0 && !l.editing {
		out = append(out, st.faint.Render("no labels: press a to add one"))
		return out
	}
	order := l.order()
	logitW := 0
	if width >= 24 {
		logitW = 7 // " -10.42"
	}
	nameW := max(width-2-5-logitW, 4) // marker, probability and a space
	names := make([]string, len(l.items))
	for i, it := range l.items {
		names[i] = it.text
		if it.enc != nil && len(it.enc.Unknown) > 0 {
			names[i] += " ?"
		}
	}
	shown := distinctFit(names, nameW)
	title := "label, as typed"
	if l.byScore {
		title = "label, by score"
	}
	header := "     p " + padRight(cutEnd(title, nameW), nameW)
	if logitW > 0 {
		header += fmt.Sprintf("%*s", logitW, "logit")
	}
	out = append(out, st.faint.Render(fitLine(header, width)))
	rows := max(height-1, 1)
	if l.editing {
		rows = max(rows-1, 1)
	}
	visible := len(order)
	if visible > rows {
		visible = max(rows-1, 1) // one line says how many more
	}
	r := l.row()
	start := min(max(r-visible/2, 0), max(len(order)-visible, 0))
	l.top = start
	for _, i := range order[start:min(start+visible, len(order))] {
		it := l.items[i]
		mark := "  "
		if i == l.sel {
			mark = "▸ "
		}
		prob, logit := st.faint.Render(fmt.Sprintf("%4s", "…")), ""
		if it.enc != nil {
			prob = fmt.Sprintf("%4s", formatProb(it.score.Prob))
			logit = fmt.Sprintf("%+*.2f", logitW, it.score.Logit)
		}
		name := padRight(shown[i], nameW)
		if i == l.sel {
			name = st.selected.Render(name)
		}
		line := mark + prob + " " + name
		if logitW > 0 {
			line += st.faint.Render(fitLine(logit, logitW))
		}
		out = append(out, fitLine(line, width))
	}
	if hidden := len(order) - visible; hidden > 0 {
		above, below := start, len(order)-start-visible
		var parts []string
		if above > 0 {
			parts = append(parts, fmt.Sprintf("↑%d", above))
		}
		if below > 0 {
			parts = append(parts, fmt.Sprintf("↓%d", below))
		}
		out = append(out, st.faint.Render(fitLine("  "+strings.Join(parts, " ")+" more: ↑↓ scroll", width)))
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

// unknownLine explains, for the selected label, which of its words the
// model cannot know and what that means; empty when it knows them all.
func (l *labelList) unknownLine(closed bool) string {
	it := l.selectedItem()
	if it == nil || it.enc == nil || len(it.enc.Unknown) == 0 {
		return ""
	}
	why := "the tokenizer reads it as <unk>"
	if closed {
		why = "never seen in training"
	}
	return fmt.Sprintf("? %s: %s — this score means nothing", strings.Join(it.enc.Unknown, ", "), why)
}

// distinctFit shortens names to at most w cells, cutting at the end; where
// two names would then look alike, they are cut in the middle instead
// ("a big red…the left" / "a big red…the right"), so no two labels that
// differ are shown alike.
func distinctFit(names []string, w int) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = cutEnd(n, w)
	}
	for i := range out {
		for j := range out {
			if i != j && out[i] == out[j] && names[i] != names[j] {
				out[i], out[j] = cutMiddle(names[i], w), cutMiddle(names[j], w)
			}
		}
	}
	return out
}

// cutEnd shortens s to w cells with "…" at the end.
func cutEnd(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w < 2 {
		return string(r[:max(w, 0)])
	}
	return string(r[:w-1]) + "…"
}

// cutMiddle shortens s to w cells keeping its start and its end.
func cutMiddle(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w < 5 {
		return cutEnd(s, w)
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// padRight pads s with spaces to w cells.
func padRight(s string, w int) string {
	if n := lipWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// formatProb prints a probability in four characters: ".83", "1.00", "<.01";
// NaN prints as "NaN".
func formatProb(p float32) string {
	switch {
	case p != p:
		return "NaN"
	case p >= 0.995:
		return "1.00"
	case p < 0.005:
		return "<.01"
	}
	return strings.TrimPrefix(fmt.Sprintf("%.2f", p), "0")
}
