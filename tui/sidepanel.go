package tui

import (
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// teaching is what the current view shows and teaches, in a sentence or
// two.
func (m *Model) teaching() string { return teachingText(m.kind()) }

// teachingText says what a kind of map shows and teaches.
func teachingText(k inspect.MapKind) string {
	switch k {
	case inspect.MapSimilarity:
		return "Cosine similarity of the cursor patch's features to every patch. Early layers match colour and texture; deep layers match meaning."
	case inspect.MapAttention:
		return "Where the cursor patch looks: its attention weights over all patches in one block, for one head or the mean."
	case inspect.MapPooling:
		return "What the image embedding is built from: the pooling head's probe attends over the final patch features."
	case inspect.MapRollout:
		return "Attention rollout: how much each patch flows into the cursor patch through blocks 1…k, residual path included."
	case inspect.MapLabel:
		return "Sigmoid probability of each label on its own (not a softmax). Map: each patch pooled alone vs the label, an approximation."
	case inspect.MapPCA:
		return "The three main directions in which patch features vary, as red, green and blue: patches the model sees alike share a colour."
	}
	return ""
}

// levelText names the chosen layer for the current view.
func (m *Model) levelText() string {
	L := m.layers
	if L == 0 {
		return "…"
	}
	k := m.kind()
	lv := m.levelFor(k)
	if k.BlockLevels() {
		return fmt.Sprintf("%d of %d", lv, L)
	}
	switch lv {
	case 0:
		return fmt.Sprintf("0 of %d (embeddings)", L)
	case L + 1:
		return fmt.Sprintf("%d (post-LN output)", L+1)
	}
	return fmt.Sprintf("%d of %d", lv, L)
}

func (m *Model) headText() string {
	if m.heads == 0 {
		return "…"
	}
	if m.head == viz.MeanHeads {
		return fmt.Sprintf("mean of %d", m.heads)
	}
	return fmt.Sprintf("%d of %d", m.head+1, m.heads)
}

// valueText is the map's value under the cursor.
func (m *Model) valueText() string {
	if m.maps.cur == nil || m.prepared == nil {
		return "…"
	}
	return m.maps.cur.Value(m.patch)
}

// sideLines draws the side panel; listTop is the line of the first label
// (labels view), for mouse clicks.
func (m *Model) sideLines(w, h int) (lines []string, listTop int) {
	st := &m.sh.styles
	add := func(s ...string) { lines = append(lines, s...) }
	field := func(name, value, keys string) {
		line := st.faint.Render(fmt.Sprintf("%-6s", name)) + " " + st.value.Render(value)
		if keys != "" {
			line += "  " + st.key.Render(keys)
		}
		add(fitLine(line, w))
	}
	if m.sh.cfg.Demo {
		for _, s := range wrap(demoNotice, w) {
			add(st.demo.Render(fitLine(s, w)))
		}
	}
	add(fitLine(st.title.Render(m.viewTitle()), w))
	for _, s := range wrap(m.teaching(), w) {
		add(st.faint.Render(s))
	}
	add("")
	if m.progress.busy() || m.mapper == nil {
		add(m.progress.lines(st, m.spinner.View(), w)...)
		add("")
	}
	if id, err := m.progress.failure(); err != nil {
		add(st.err.Render(stageNames[id] + " failed:"))
		for _, s := range wrap(err.Error(), w) {
			add(st.err.Render(s))
		}
		add("")
	}
	k := m.kind()
	if k.UsesLevel() {
		field("layer", m.levelText(), "[ ]")
	}
	if k.UsesHead() {
		field("head", m.headText(), ", . m")
	}
	if m.view == viewAttention {
		field("mode", attnModeNames[m.mode], "t")
	}
	if rows, _ := m.grid(); rows > 0 {
		field("patch", fmt.Sprintf("row %d, col %d", m.patch.Row, m.patch.Col), "")
		field("value", m.valueText(), "")
	}
	if m.view == viewLabels {
		add("")
		listTop = len(lines)
		add(m.labels.Lines(w, max(h-len(lines)-6, 3))...)
		add(fitLine(st.key.Render("a")+" add "+st.key.Render("e")+" edit "+st.key.Render("d")+" delete "+st.key.Render("↑↓")+" pick", w))
		add(st.warn.Render(fitLine("the map is an approximation", w)))
	}
	add("")
	add(m.legend(w)...)
	add(m.displayLines(w)...)
	if m.maps.err != nil {
		for _, s := range wrap(m.maps.err.Error(), w) {
			add(st.err.Render(s))
		}
	} else if m.maps.waiting(m.want()) {
		add(m.spinner.View() + " computing…")
	}
	return lines, listTop
}

// legend is the colour bar (or the PCA key) of the current map.
func (m *Model) legend(w int) []string {
	if m.maps.cur == nil {
		return nil
	}
	if p := m.maps.cur.PCA; p != nil {
		x := p.ExplainedRatio
		return []string{
			fitLine(fmt.Sprintf("red PC1 %.0f%%  green PC2 %.0f%%", 100*x[0], 100*x[1]), w),
			fitLine(fmt.Sprintf("blue PC3 %.0f%% of the variance", 100*x[2]), w),
		}
	}
	return []string{viz.ColorBarLine(m.disp.cmap, m.maps.cur.Range, w, m.sh.mode)}
}

// displayLines say how the map is painted, with the keys that change it.
func (m *Model) displayLines(w int) []string {
	st := &m.sh.styles
	grid, look := "grid off", "blocky"
	if m.disp.grid {
		grid = "grid on"
	}
	if m.disp.smooth {
		look = "smooth"
	}
	cm := m.disp.cmap.String()
	if m.kind() == inspect.MapPCA {
		cm = "RGB"
	}
	return []string{
		fitLine(st.faint.Render(fmt.Sprintf("%s · opacity %.0f%%", cm, 100*m.disp.opacity))+"  "+st.key.Render("c + -"), w),
		fitLine(st.faint.Render(grid+" · "+look)+"  "+st.key.Render("g b"), w),
	}
}
