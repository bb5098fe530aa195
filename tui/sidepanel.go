package tui

import (
	"fmt"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// teaching is what the current view shows and teaches: short enough for a
// narrow panel (two lines of 30 cells), or the longer text when the panel
// is wide.
func (m *Model) teaching(wide bool) string { return teachingText(m.kind(), wide) }

// teachingText says what a kind of map shows and teaches.
func teachingText(k inspect.MapKind, wide bool) string {
	short := map[inspect.MapKind]string{
		inspect.MapSimilarity: "Cosine similarity of the cursor patch to every patch.",
		inspect.MapAttention:  "Where the cursor patch looks in one block.",
		inspect.MapPooling:    "Where the pooling head looks: the embedding's sources.",
		inspect.MapRollout:    "Attention rollout into the cursor patch, blocks 1…k.",
		inspect.MapLabel:      "Each label's own probability (sigmoid, not softmax).",
		inspect.MapPCA:        "Main directions of the features as red, green, blue.",
	}
	long := map[inspect.MapKind]string{
		inspect.MapSimilarity: "Cosine similarity of the cursor patch's features to every patch. Early layers match colour and texture; deep layers match meaning.",
		inspect.MapAttention:  "Where the cursor patch looks: its attention weights over all patches in one block, for one head or the mean.",
		inspect.MapPooling:    "What the image embedding is built from: the pooling head's probe attends over the final patch features.",
		inspect.MapRollout:    "Attention rollout: how much each patch flows into the cursor patch through blocks 1…k, residual path included.",
		inspect.MapLabel:      "Sigmoid probability of each label on its own (not a softmax). Map: each patch pooled alone vs the label, an approximation.",
		inspect.MapPCA:        "The three main directions in which patch features vary, as red, green and blue: patches the model sees alike share a colour.",
	}
	if wide {
		return long[k]
	}
	return short[k]
}

// levelName names a level the same way everywhere: "embeddings" (0),
// "block k of L" (1…L), "final LayerNorm" (L+1), the output the pooling
// head and the label maps read.
func levelName(level, layers int, blocks bool) string {
	switch {
	case !blocks && level == 0:
		return "embeddings"
	case !blocks && level == layers+1:
		return "final LayerNorm"
	}
	return fmt.Sprintf("block %d of %d", level, layers)
}

// levelText names the chosen layer for the current view.
func (m *Model) levelText() string {
	if m.layers == 0 {
		return "…"
	}
	k := m.kind()
	return levelName(m.levelFor(k), m.layers, k.BlockLevels())
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

// sideLines draws the side panel in w × h cells; listTop is the line of
// the label list's header (labels view), for mouse clicks. The label list
// gets what room the rest leaves and scrolls; the rest is short enough for
// an 80×24 terminal.
func (m *Model) sideLines(w, h int) (lines []string, listTop int) {
	st := &m.sh.styles
	wide := w >= 40
	var head, tail []string
	addHead := func(s ...string) { head = append(head, s...) }
	field := func(name, value, keys string) {
		line := st.faint.Render(fmt.Sprintf("%-6s", name)) + st.value.Render(value)
		if keys != "" && lipWidth(line)+2+len(keys) <= w {
			line += "  " + st.key.Render(keys)
		}
		addHead(fitLine(line, w))
	}
	if m.sh.cfg.Demo {
		for _, s := range wrap(demoNotice, w) {
			addHead(st.demo.Render(fitLine(s, w)))
		}
	}
	addHead(fitLine(st.title.Render(m.viewTitle()), w))
	for _, s := range wrap(m.teaching(wide), w) {
		addHead(st.faint.Render(s))
	}
	addHead("")
	if m.progress.busy() || m.mapper == nil {
		addHead(m.progress.lines(st, m.spinner.View(), w)...)
		addHead("")
	}
	if id, err := m.progress.failure(); err != nil {
		addHead(st.err.Render(stageNames[id] + " failed:"))
		for _, s := range wrap(err.Error(), w) {
			addHead(st.err.Render(s))
		}
		addHead("")
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
		field("patch", fmt.Sprintf("(%d,%d) = %s", m.patch.Row, m.patch.Col, m.valueText()), "")
	}

	tail = append(tail, "")
	tail = append(tail, m.legend(w)...)
	tail = append(tail, m.displayLine(w))
	if m.maps.err != nil {
		for _, s := range wrap(m.maps.err.Error(), w) {
			tail = append(tail, st.err.Render(s))
		}
	} else if m.maps.waiting(m.want()) {
		tail = append(tail, m.spinner.View()+" computing…")
	}

	lines = head
	if m.view == viewLabels {
		var after []string
		after = append(after, fitLine(st.key.Render("a")+" add "+st.key.Render("e")+" edit "+st.key.Render("d")+" delete "+st.key.Render("r")+" order", w))
		if note := m.labels.unknownLine(m.model != nil && m.model.ClosedVocabulary()); note != "" {
			for _, s := range wrap(note, w) {
				after = append(after, st.warn.Render(fitLine(s, w)))
			}
		} else {
			after = append(after, st.faint.Render(fitLine("the map is an approximation", w)))
		}
		lines = append(lines, "")
		listTop = len(lines)
		room := max(h-len(lines)-len(after)-len(tail), 3)
		lines = append(lines, m.labels.Lines(w, room)...)
		lines = append(lines, after...)
	}
	lines = append(lines, tail...)
	return lines, listTop
}

// legend is the colour bar (or the PCA key) of the current map.
func (m *Model) legend(w int) []string {
	if m.maps.cur == nil {
		return nil
	}
	if p := m.maps.cur.PCA; p != nil {
		x := p.ExplainedRatio
		return []string{fitLine(fmt.Sprintf("RGB = PC1 %.0f%% · PC2 %.0f%% · PC3 %.0f%%", 100*x[0], 100*x[1], 100*x[2]), w)}
	}
	if m.disp.display == viz.DisplayImage {
		return []string{m.sh.styles.faint.Render(fitLine("the image alone: o shows the map", w))}
	}
	return []string{viz.ColorBarLine(m.disp.cmap, m.maps.cur.Range, w, m.sh.mode)}
}

// displayLine says how the map is painted, with the keys that change it.
func (m *Model) displayLine(w int) string {
	return displayLine(&m.sh.styles, m.disp, m.kind() == inspect.MapPCA, w)
}

// displayLine says how the map is painted ("overlay 60% · viridis"), with
// the keys that change it, in w cells.
func displayLine(st *styles, d displayOpts, pca bool, w int) string {
	parts := []string{d.display.String()}
	if d.display == viz.DisplayOverlay {
		parts[0] = fmt.Sprintf("overlay %.0f%%", 100*d.opacity)
	}
	if pca {
		parts = append(parts, "RGB")
	} else {
		parts = append(parts, d.cmap.String())
	}
	if d.grid {
		parts = append(parts, "grid")
	}
	if d.smooth {
		parts = append(parts, "smooth")
	}
	keys := "o c g b"
	if d.display == viz.DisplayOverlay {
		keys = "o + - c g b"
	}
	line := st.faint.Render(strings.Join(parts, " · "))
	if lipWidth(line)+2+len(keys) <= w {
		line += "  " + st.key.Render(keys)
	}
	return fitLine(line, w)
}

// levelWindow fits a table of one row per level (levels rows, cur the
// chosen one) into room lines: the first row shown and how many, scrolled
// so cur shows; when not all fit, one line is kept for levelMore.
func levelWindow(levels, cur, room int) (top, shown int) {
	if levels <= room {
		return 0, levels
	}
	shown = max(room-1, 1)
	return min(max(cur-shown/2, 0), levels-shown), shown
}

// levelMore is the line under a level table that does not fit: how many
// rows it shows and how to reach the rest.
func levelMore(st *styles, shown, levels, w int) string {
	return fitLine(st.faint.Render(fmt.Sprintf("%d of %d levels · [ ] for more", shown, levels)), w)
}
