package tui

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// lineInput is a one-line text field: typing inserts at the cursor;
// ←/→, home/end, backspace, delete, ctrl+u (clear) and pasting work.
// (bubbles' textinput would pull in a clipboard module this project does
// not carry.)
type lineInput struct {
	prompt string
	value  []rune
	pos    int
	limit  int
}

func (in *lineInput) SetValue(s string) {
	in.value = []rune(s)
	if in.limit > 0 && len(in.value) > in.limit {
		in.value = in.value[:in.limit]
	}
	in.pos = len(in.value)
}

func (in *lineInput) Value() string { return string(in.value) }

func (in *lineInput) insert(s string) {
	var rs []rune
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		if unicode.IsPrint(r) {
			rs = append(rs, r)
		}
	}
	if in.limit > 0 {
		rs = rs[:min(len(rs), max(in.limit-len(in.value), 0))]
	}
	in.value = append(in.value[:in.pos], append(rs, in.value[in.pos:]...)...)
	in.pos += len(rs)
}

// Update edits the value by one key press or paste.
func (in *lineInput) Update(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		in.insert(msg.Content)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "left", "ctrl+b":
			in.pos = max(in.pos-1, 0)
		case "right", "ctrl+f":
			in.pos = min(in.pos+1, len(in.value))
		case "home", "ctrl+a":
			in.pos = 0
		case "end", "ctrl+e":
			in.pos = len(in.value)
		case "backspace", "ctrl+h":
			if in.pos > 0 {
				in.value = append(in.value[:in.pos-1], in.value[in.pos:]...)
				in.pos--
			}
		case "delete", "ctrl+d":
			if in.pos < len(in.value) {
				in.value = append(in.value[:in.pos], in.value[in.pos+1:]...)
			}
		case "ctrl+u":
			in.value, in.pos = nil, 0
		default:
			if msg.Text != "" && msg.Mod&^(tea.ModShift) == 0 {
				in.insert(msg.Text)
			}
		}
	}
}

// View draws the prompt and the value in width cells, the cursor as a
// reversed cell, scrolled so the cursor shows.
func (in *lineInput) View(width int) string {
	avail := max(width-len([]rune(in.prompt))-1, 1)
	start := max(in.pos-avail+1, 0)
	vis := in.value[start:min(len(in.value), start+avail)]
	cur := in.pos - start
	var b strings.Builder
	b.WriteString(in.prompt)
	b.WriteString(string(vis[:min(cur, len(vis))]))
	under := " "
	if cur < len(vis) {
		under = string(vis[cur])
	}
	b.WriteString(lipgloss.NewStyle().Reverse(true).Render(under))
	if cur+1 <= len(vis) {
		b.WriteString(string(vis[min(cur+1, len(vis)):]))
	}
	return b.String()
}
