package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// selection is what every screen lets the user choose, with the same keys:
// the view, the attention mode, the layer, the head and how the map is
// painted. The explorer and compare embed one; each screen says how many
// views it offers and how deep and wide its model is (compare counts the
// layer in the focused pane's depth).
type selection struct {
	keys  *KeyMap
	views int // views 1…views are offered

	view  viewID
	mode  attnMode
	level int // a feature level 0…layers+1 or a block 1…layers; -1 until layers is known
	// layers and heads are the model's blocks and attention heads (0
	// until known).
	layers, heads int
	head          int // viz.MeanHeads or a head, 0-based
	lastHead      int // the head m returns to from the mean
	disp          displayOpts
	// note is what the last key did not do, and why (the screen shows it
	// and clears it).
	note string
}

// newSelection starts on the similarity view, the mean over heads, at the
// last block once the model is known.
func newSelection(keys *KeyMap, views int, cmap viz.Colormap, mode viz.ColorMode) selection {
	s := selection{keys: keys, views: views, level: -1, head: viz.MeanHeads, disp: displayOpts{cmap: cmap, opacity: 0.6}}
	if mode == viz.NoColor {
		// Without colour, cells show luminance: paint the map in grey at
		// full strength so the characters read as the values.
		s.disp.cmap, s.disp.opacity = viz.Grey, 1
	}
	return s
}

// setModel tells the selection the model's depth and width; the first
// time, the layer starts at the last block.
func (s *selection) setModel(layers, heads int) {
	if s.level < 0 {
		s.level = layers
	}
	s.layers, s.heads = layers, heads
}

// kind is the map kind the current view and mode show.
func (s *selection) kind() inspect.MapKind {
	switch s.view {
	case viewAttention:
		return [numAttnModes]inspect.MapKind{inspect.MapAttention, inspect.MapPooling, inspect.MapRollout}[s.mode]
	case viewLabels:
		return inspect.MapLabel
	case viewPCA:
		return inspect.MapPCA
	}
	return inspect.MapSimilarity
}

// levelFor clamps the chosen level into what kind accepts: blocks 1…L for
// attention and rollout, feature levels 0…L+1 for the rest.
func (s *selection) levelFor(k inspect.MapKind) int {
	if k.BlockLevels() {
		return min(max(s.level, 1), s.layers)
	}
	return min(max(s.level, 0), s.layers+1)
}

// stepLevel moves the layer by d within what the current view accepts.
func (s *selection) stepLevel(d int) {
	if s.layers == 0 {
		return
	}
	k := s.kind()
	lo, hi := 0, s.layers+1
	if k.BlockLevels() {
		lo, hi = 1, s.layers
	}
	s.level = min(max(s.levelFor(k)+d, lo), hi)
}

// stepHead moves through mean, head 1, 2, …, H.
func (s *selection) stepHead(d int) {
	h := s.heads
	if h == 0 {
		return
	}
	pos := s.head + 1 // mean = 0, head i = i+1
	pos = ((pos+d)%(h+1) + h + 1) % (h + 1)
	s.head = pos - 1
	if s.head != viz.MeanHeads {
		s.lastHead = s.head
	}
}

// toggleMean switches between the mean over heads and the last head.
func (s *selection) toggleMean() {
	if s.head == viz.MeanHeads {
		s.head = min(s.lastHead, max(s.heads-1, 0))
	} else {
		s.head = viz.MeanHeads
	}
}

// stepOpacity moves the heatmap's opacity by d steps.
func (s *selection) stepOpacity(d int) {
	i := 0
	for j, o := range opacitySteps {
		if o <= s.disp.opacity+1e-9 {
			i = j
		}
	}
	s.disp.opacity = opacitySteps[min(max(i+d, 0), len(opacitySteps)-1)]
}

// Update handles the keys every screen shares: views, layer, head,
// attention mode and display. It reports whether k was one of them.
func (s *selection) Update(k tea.KeyPressMsg) bool {
	keys := s.keys
	n := viewID(s.views)
	switch {
	case keyMatches(k, keys.NextView):
		s.view = (s.view + 1) % n
	case keyMatches(k, keys.PrevView):
		s.view = (s.view + n - 1) % n
	case keyMatches(k, keys.ViewNumber):
		if n := int(k.String()[0] - '1'); n < s.views {
			s.view = viewID(n)
		}
	case keyMatches(k, keys.LayerDown):
		s.stepLevel(-1)
	case keyMatches(k, keys.LayerUp):
		s.stepLevel(1)
	case keyMatches(k, keys.FirstLayer):
		s.stepLevel(-1 << 20)
	case keyMatches(k, keys.LastLayer):
		s.stepLevel(1 << 20)
	case keyMatches(k, keys.AttentionMode):
		s.view = viewAttention
		s.mode = (s.mode + 1) % numAttnModes
	case keyMatches(k, keys.NextHead, keys.PrevHead, keys.MeanHeads) && !s.kind().UsesHead():
		s.note = "heads apply to the attention view's query-patch and pooling modes (rollout mixes every head)"
		if s.view != viewAttention {
			s.note = "heads apply to the attention view (2)"
		}
	case keyMatches(k, keys.NextHead):
		s.stepHead(1)
	case keyMatches(k, keys.PrevHead):
		s.stepHead(-1)
	case keyMatches(k, keys.MeanHeads):
		s.toggleMean()
	case keyMatches(k, keys.Display):
		s.disp.display = s.disp.display.Next()
	case keyMatches(k, keys.OpacityUp, keys.OpacityDown) && s.disp.display != viz.DisplayOverlay:
		s.note = "opacity applies to the overlay: press o until it shows"
	case keyMatches(k, keys.OpacityUp):
		s.stepOpacity(1)
	case keyMatches(k, keys.OpacityDown):
		s.stepOpacity(-1)
	case keyMatches(k, keys.Colormap) && s.kind() == inspect.MapPCA:
		s.note = "PCA's colours are its three components; c changes the colour map of the other views"
	case keyMatches(k, keys.Colormap):
		s.disp.cmap = s.disp.cmap.Next()
	case keyMatches(k, keys.Grid):
		s.disp.grid = !s.disp.grid
	case keyMatches(k, keys.Smooth):
		s.disp.smooth = !s.disp.smooth
	default:
		return false
	}
	return true
}

// wheel steps the layer with the mouse wheel: up goes deeper.
func (s *selection) wheel(b tea.MouseButton) {
	switch b {
	case tea.MouseWheelUp:
		s.stepLevel(1)
	case tea.MouseWheelDown:
		s.stepLevel(-1)
	}
}

// selectionHelp is the selection's part of the help screen: its sections
// and the layer keys, which a screen lists beside its cursor keys.
type selectionHelp struct {
	views, display, attention helpSection
	layer                     []key.Binding
}

// KeyHelp is the selection's part of the help screen.
func (s *selection) KeyHelp() selectionHelp {
	k := s.keys
	views := []key.Binding{k.NextView, k.PrevView}
	for from := 0; from < s.views; from += 4 { // four names fit a line
		to := min(from+4, s.views)
		help := fmt.Sprintf("%d … %d", from+1, to)
		if to == from+1 {
			help = fmt.Sprint(to)
		}
		views = append(views, key.NewBinding(key.WithKeys(k.ViewNumber.Keys()[from:to]...), key.WithHelp(help, viewList(from, to))))
	}
	return selectionHelp{
		views:     helpSection{"Views", 0, views},
		display:   helpSection{"Display", 0, []key.Binding{k.Display, k.OpacityUp, k.OpacityDown, k.Colormap, k.Grid, k.Smooth}},
		attention: helpSection{"Attention view", 1, []key.Binding{k.AttentionMode, k.PrevHead, k.NextHead, k.MeanHeads}},
		layer:     []key.Binding{k.LayerDown, k.LayerUp, k.FirstLayer, k.LastLayer},
	}
}

// viewList names views from+1…to for the help screen.
func viewList(from, to int) string {
	out := ""
	for i := from; i < min(to, int(numViews)); i++ {
		if i > from {
			out += " "
		}
		out += viewShort[i]
	}
	return out
}

// viewTitle is the current view's name, with the attention mode.
func (s *selection) viewTitle() string {
	switch s.view {
	case viewAttention:
		return "Attention · " + attnModeNames[s.mode]
	case viewSimilarity:
		return "Patch similarity"
	}
	return viewNames[s.view]
}

// keyScreen is what the shared key routing asks of a screen.
type keyScreen interface {
	quit() tea.Cmd
	export() tea.Cmd
	encodeLabels() tea.Cmd
	setMessage(s string, isErr bool)
}

// modalKey gives k to what holds the keyboard before the screen does:
// ctrl+c, the label being typed and the help screen. handled is false when
// the screen should look at k.
func modalKey(k tea.KeyPressMsg, s keyScreen, labels *labelList, help *helpView, keys *KeyMap) (handled bool, cmd tea.Cmd) {
	switch {
	case k.String() == "ctrl+c":
		return true, s.quit()
	case labels.editing:
		changed, cmd := labels.Update(k)
		if changed {
			return true, tea.Batch(cmd, s.encodeLabels())
		}
		return true, cmd
	case help.open:
		if help.Update(k, keys) {
			return true, s.quit()
		}
		return true, nil
	}
	return false, nil
}

// commonKey handles the keys every screen shares after its view's own:
// the label list in the labels view, quit, help, save, and the selection.
// handled is false for the screen's own keys (the cursor, focus).
func commonKey(k tea.KeyPressMsg, s keyScreen, sel *selection, labels *labelList, help *helpView) (handled bool, cmd tea.Cmd) {
	keys := sel.keys
	if sel.view == viewLabels {
		if handled, changed := labels.handleKey(k); changed {
			return true, s.encodeLabels()
		} else if handled {
			return true, nil
		}
	}
	switch {
	case keyMatches(k, keys.Quit):
		return true, s.quit()
	case keyMatches(k, keys.Help):
		help.show()
	case keyMatches(k, keys.Export):
		return true, s.export()
	case sel.Update(k):
		if sel.note != "" {
			s.setMessage(sel.note, false)
			sel.note = ""
		}
	default:
		return false, nil
	}
	return true, nil
}
