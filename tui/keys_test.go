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
	owner := map[string]string{}
	for name, b := range all {
		if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("%s has no keys or no help", name)
		}
		if modal[name] {
			continue
		}
		for _, s := range b.Keys() {
			if other, ok := owner[s]; ok {
				t.Errorf("key %q is bound to both %s and %s", s, other, name)
			}
			owner[s] = name
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
