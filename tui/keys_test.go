package tui

import (
	"reflect"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// bindings lists every field of the key map by name.
func bindings(k KeyMap) map[string]key.Binding {
	out := map[string]key.Binding{}
	v := reflect.ValueOf(k)
	for i := range v.NumField() {
		out[v.Type().Field(i).Name] = v.Field(i).Interface().(key.Binding)
	}
	return out
}

func TestKeyMapIsCompleteAndUnambiguous(t *testing.T) {
	k := DefaultKeyMap()
	all := bindings(k)
	// Keys that only act in a mode of their own: typing a label (Accept,
	// Cancel), the help screen (Close) and the lesson (LessonClose).
	modal := map[string]bool{"Accept": true, "Cancel": true, "Close": true, "LessonClose": true}
	// Keys of one page act only while it is open: two pages may give a
	// key different meanings; a page key that hides a key every view
	// shares must be listed here with the reason.
	scope := func(name string) string {
		switch {
		case strings.HasPrefix(name, "Locality"), strings.HasPrefix(name, "Lesson"):
			return "locality"
		case strings.HasPrefix(name, "Why"):
			return "why"
		case strings.HasPrefix(name, "Inside"):
			return "inside"
		case strings.HasPrefix(name, "Trained"):
			return "trained"
		}
		return ""
	}
	shadows := map[[2]string]bool{
		{"EditLabel", "WhyOpen"}: true, // enter on the head grid opens the head; labels are edited in view 3
	}
	owner := map[string][]string{}
	for name, b := range all {
		if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("%s has no keys or no help", name)
		}
		if modal[name] {
			continue
		}
		for _, s := range b.Keys() {
			for _, other := range owner[s] {
				a, b := other, name
				if a > b {
					a, b = b, a
				}
				sa, sb := scope(a), scope(b)
				if sa != "" && sb != "" && sa != sb || shadows[[2]string{a, b}] {
					continue
				}
				t.Errorf("key %q is bound to both %s and %s", s, a, b)
			}
			owner[s] = append(owner[s], name)
		}
	}
	// Every binding that acts outside a mode is on the explorer's help
	// screen, which each part of the screen assembles.
	onHelp := map[string]bool{}
	m := New(testConfig(t))
	for _, s := range m.helpSections() {
		for _, b := range s.bindings {
			onHelp[b.Help().Desc] = true
		}
	}
	typing := false
	for _, s := range m.helpSections() {
		for _, b := range s.bindings {
			typing = typing || strings.Join(b.Keys(), " ") == "enter esc"
		}
	}
	if !typing {
		t.Error("the help lacks the typing keys (enter keeps, esc cancels)")
	}
	for name, b := range all {
		if name == "Close" || name == "Accept" || name == "Cancel" || strings.HasPrefix(name, "View") {
			continue // Close is in the help screen's title; 1–5 share one line, and so do enter/esc while typing
		}
		if !onHelp[b.Help().Desc] {
			t.Errorf("%s (%q) is missing from the help screen", name, b.Help().Desc)
		}
	}
}

func TestKeyMapMatchesTerminalKeys(t *testing.T) {
	k := DefaultKeyMap()
	cases := []struct {
		msg tea.KeyPressMsg
		b   key.Binding
	}{
		{tea.KeyPressMsg{Code: tea.KeyTab}, k.NextView},
		{tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}, k.PrevView},
		{tea.KeyPressMsg{Code: tea.KeyUp}, k.Up},
		{tea.KeyPressMsg{Code: 'k', Text: "k"}, k.Up},
		{tea.KeyPressMsg{Code: tea.KeyUp, Mod: tea.ModShift}, k.PatchUp},
		{tea.KeyPressMsg{Code: 'k', ShiftedCode: 'K', Text: "K", Mod: tea.ModShift}, k.PatchUp},
		{tea.KeyPressMsg{Code: '[', Text: "["}, k.LayerDown},
		{tea.KeyPressMsg{Code: '?', Text: "?"}, k.Help},
		{tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}, k.Quit},
		{tea.KeyPressMsg{Code: tea.KeyEnter}, k.EditLabel},
		{tea.KeyPressMsg{Code: tea.KeyEscape}, k.Cancel},
		{tea.KeyPressMsg{Code: tea.KeyDelete}, k.DeleteLabel},
		{tea.KeyPressMsg{Code: '+', Text: "+"}, k.OpacityUp},
	}
	for _, c := range cases {
		if !key.Matches(c.msg, c.b) {
			t.Errorf("%q does not match %v", c.msg.String(), c.b.Keys())
		}
	}
}
