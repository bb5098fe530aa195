package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding of the explorer. The help screen is drawn
// from it, so a binding added here is documented on screen.
type KeyMap struct {
	// Views
	NextView, PrevView key.Binding
	// ViewNumber is the digits 1…9: view n of the screen's views.
	ViewNumber key.Binding
	// Cursor and layer
	Up, Down, Left, Right key.Binding
	PatchUp, PatchDown    key.Binding // move the patch cursor where ↑/↓ select labels
	LayerDown, LayerUp    key.Binding
	FirstLayer, LastLayer key.Binding
	// Attention
	AttentionMode, PrevHead, NextHead key.Binding
	MeanHeads                         key.Binding
	// Labels
	AddLabel, EditLabel, DeleteLabel, LabelOrder key.Binding
	// Locality
	LocalityMode, LessonNext, LessonPrev, LessonClose key.Binding
	// Why
	WhyPart, WhyLabelNext, WhyLabelPrev, WhyBlock, WhyOpen key.Binding
	// Inside
	InsideMode, InsideKDown, InsideKUp key.Binding
	// Trained: its modes; the crop's size or the share of dropped
	// patches; one patch dropped or kept; another random set
	TrainedMode, TrainedLarger, TrainedSmaller, TrainedToggle, TrainedReseed key.Binding
	// Display
	Display, OpacityUp, OpacityDown, Colormap key.Binding
	Grid, Smooth                              key.Binding
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
		NextView:   b([]string{"tab"}, "tab", "next view"),
		PrevView:   b([]string{"shift+tab"}, "shift+tab", "previous view"),
		ViewNumber: b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1 … 9", "a view by its number"),

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
		LabelOrder:  b([]string{"r"}, "r", "order: best first / as typed"),

		LocalityMode: b([]string{"v"}, "v", "curve → table → patch map → lesson"),
		LessonNext:   b([]string{"n"}, "n/→", "lesson: start / next page"),
		LessonPrev:   b([]string{"p"}, "p/←", "lesson: previous page"),
		LessonClose:  b([]string{"esc"}, "esc", "lesson: back to the curve"),

		WhyPart:      b([]string{"v"}, "v", "occlusion → heads → curves → about"),
		WhyLabelNext: b([]string{"n"}, "n", "next label (by score)"),
		WhyLabelPrev: b([]string{"p"}, "p", "previous label"),
		WhyBlock:     b([]string{"z"}, "z", "occlusion blocks: 1×1 → 2×2 → 4×4"),
		WhyOpen:      b([]string{"enter"}, "enter", "heads: open that head's attention map"),

		InsideMode:     b([]string{"v"}, "v", "norms → positions → text tower → lesson"),
		InsideKDown:    b([]string{"<"}, "<", "outlier threshold k down"),
		InsideKUp:      b([]string{">"}, ">", "outlier threshold k up"),
		TrainedMode:    b([]string{"v"}, "v", "crop → mask → pair → lesson"),
		TrainedLarger:  b([]string{">"}, ">", "crop / dropped share bigger"),
		TrainedSmaller: b([]string{"<"}, "<", "crop / dropped share smaller"),
		TrainedToggle:  b([]string{"x"}, "x", "drop or keep cursor patch"),
		TrainedReseed:  b([]string{"z"}, "z", "new random dropped patches"),

		Display:     b([]string{"o"}, "o", "map · overlay · side by side · image"),
		OpacityUp:   b([]string{"+", "="}, "+", "overlay: more map"),
		OpacityDown: b([]string{"-", "_"}, "-", "overlay: more image"),
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
