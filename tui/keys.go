package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding of the explorer. The help screen is drawn
// from it, so a binding added here is documented on screen.
type KeyMap struct {
	// Views
	NextView, PrevView            key.Binding
	ViewSimilarity, ViewAttention key.Binding
	ViewLabels, ViewPCA           key.Binding
	ViewLocality                  key.Binding
	// Cursor and layer
	Up, Down, Left, Right key.Binding
	PatchUp, PatchDown    key.Binding // move the patch cursor where ↑/↓ select labels
	LayerDown, LayerUp    key.Binding
	FirstLayer, LastLayer key.Binding
	// Attention
	AttentionMode, PrevHead, NextHead key.Binding
	MeanHeads                         key.Binding
	// Labels
	AddLabel, EditLabel, DeleteLabel key.Binding
	// Locality
	LocalityMode, LessonNext, LessonPrev, LessonClose key.Binding
	// Display
	OpacityUp, OpacityDown, Colormap key.Binding
	Grid, Smooth                     key.Binding
	// Program
	Export, Help, Quit, Close key.Binding
	// Label editing
	Accept, Cancel key.Binding
}

// DefaultKeyMap is the explorer's key map.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		NextView:       b([]string{"tab"}, "tab", "next view"),
		PrevView:       b([]string{"shift+tab"}, "shift+tab", "previous view"),
		ViewSimilarity: b([]string{"1"}, "1", "patch similarity"),
		ViewAttention:  b([]string{"2"}, "2", "attention"),
		ViewLabels:     b([]string{"3"}, "3", "labels"),
		ViewPCA:        b([]string{"4"}, "4", "PCA"),
		ViewLocality:   b([]string{"5"}, "5", "locality"),

		Up:         b([]string{"up", "k"}, "↑/k", "patch up / previous label"),
		Down:       b([]string{"down", "j"}, "↓/j", "patch down / next label"),
		Left:       b([]string{"left", "h"}, "←/h", "patch left"),
		Right:      b([]string{"right", "l"}, "→/l", "patch right"),
		PatchUp:    b([]string{"shift+up", "K"}, "K/shift+↑", "patch up in the labels view"),
		PatchDown:  b([]string{"shift+down", "J"}, "J/shift+↓", "patch down in labels view"),
		LayerDown:  b([]string{"["}, "[", "layer down (or wheel down)"),
		LayerUp:    b([]string{"]"}, "]", "layer up (or wheel up)"),
		FirstLayer: b([]string{"{"}, "{", "first layer"),
		LastLayer:  b([]string{"}"}, "}", "last layer"),

		AttentionMode: b([]string{"t"}, "t", "query → pooling → rollout"),
		PrevHead:      b([]string{","}, ",", "previous head"),
		NextHead:      b([]string{"."}, ".", "next head"),
		MeanHeads:     b([]string{"m"}, "m", "mean over heads / back"),

		AddLabel:    b([]string{"a", "insert"}, "a", "add a label"),
		EditLabel:   b([]string{"e", "enter"}, "e/enter", "edit the selected label"),
		DeleteLabel: b([]string{"d", "delete"}, "d/del", "delete the selected label"),

		LocalityMode: b([]string{"v"}, "v", "curve → layer table → lesson"),
		LessonNext:   b([]string{"n"}, "n/→", "lesson: start / next page"),
		LessonPrev:   b([]string{"p"}, "p/←", "lesson: previous page"),
		LessonClose:  b([]string{"esc"}, "esc", "lesson: back to the curve"),

		OpacityUp:   b([]string{"+", "="}, "+", "more heatmap"),
		OpacityDown: b([]string{"-", "_"}, "-", "more image"),
		Colormap:    b([]string{"c"}, "c", "next colormap"),
		Grid:        b([]string{"g"}, "g", "patch grid on/off"),
		Smooth:      b([]string{"b"}, "b", "blocky/smooth heatmap"),

		Export: b([]string{"s"}, "s", "save view as PNG + JSON"),
		Help:   b([]string{"?"}, "?", "this help"),
		Quit:   b([]string{"q", "ctrl+c"}, "q", "quit"),
		Close:  b([]string{"esc", "?"}, "esc/?", "close help"),

		Accept: b([]string{"enter"}, "enter", "keep the typed label"),
		Cancel: b([]string{"esc"}, "esc", "cancel typing"),
	}
}

// helpSection is one titled group of bindings on the help screen; column
// says which of the two columns it goes in on a wide screen.
type helpSection struct {
	title    string
	column   int
	bindings []key.Binding
}
