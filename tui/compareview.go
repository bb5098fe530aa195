package tui

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// View draws the compare screen.
func (m *CompareModel) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "siglip2-tui compare " + filepath.Base(m.sh.cfg.ImageName)
	return v
}

// aspects are the panes' picture shapes (width/height; 0 until known).
func (m *CompareModel) aspects() []float64 {
	out := make([]float64, len(m.panes))
	for i, p := range m.panes {
		if p.pic != nil {
			out[i] = float64(p.pic.Rect.Dx()) / float64(p.pic.Rect.Dy())
		} else if m.img != nil {
			out[i] = float64(m.img.Width) / float64(m.img.Height)
		}
	}
	return out
}

// infoWanted is how many lines the info block would like.
// The same number for every view and label list, so the panes keep one
// layout for a terminal size: switching views never moves them (the label
// table scrolls in what it gets).
func (m *CompareModel) infoWanted() int { return compareInfoLines }

// compareInfoLines is how many lines the info block under the panes asks
// for: the view line, its teaching, the lesson, the scale, and a label
// table of a header and four rows.
const compareInfoLines = 9

func (m *CompareModel) computeLayout() compareLayout {
	return layoutPanes(m.sh.width, m.sh.height, m.aspects(), m.focus, m.infoWanted())
}

// layout gives every visible pane's picture its area.
func (m *CompareModel) layout() {
	l := m.computeLayout()
	for _, p := range m.panes {
		p.view.SetArea(0, 0, 0, 0)
	}
	for j, i := range l.visible {
		r := panePicture(l.panes[j])
		m.panes[i].view.SetArea(r.Min.X, r.Min.Y, r.Dx(), r.Dy())
	}
}

func (m *CompareModel) tabBar(l compareLayout) tabBar {
	return tabBar{sh: m.sh, views: compareViews, active: m.view, w: l.w, compact: l.compact}
}

// render returns the screen as exactly height lines of width cells.
func (m *CompareModel) render() string {
	if m.quitting {
		return ""
	}
	w, h := m.sh.width, m.sh.height
	if w <= 0 || h <= 0 {
		return ""
	}
	l := m.computeLayout()
	if l.tooSmall {
		msg := []string{"terminal too small", fmt.Sprintf("%d×%d, need about %d×%d", w, h, max(minW, 2*minPaneCols+1), minH+2), "enlarge it, or q to quit"}
		lines := make([]string, h)
		top := max((h-len(msg))/2, 0)
		for i := range lines {
			lines[i] = strings.Repeat(" ", w)
			if j := i - top; j >= 0 && j < len(msg) {
				lines[i] = center(msg[j], w)
			}
		}
		return strings.Join(lines, "\n")
	}
	if m.help.open {
		return strings.Join(m.help.Lines(m.sh, m.helpSections(), "siglip2-tui compare — keys", w, h), "\n")
	}
	lines := make([]string, 0, h)
	lines = append(lines, m.tabBar(l).line())
	// Panes, row by row of the grid.
	for gr := range l.rows {
		var blocks [][]string
		var first, ph int
		for j := range l.visible {
			if j/l.cols != gr {
				continue
			}
			r := l.panes[j]
			if len(blocks) == 0 {
				first = r.Min.X
			}
			ph = r.Dy()
			blocks = append(blocks, m.paneLines(l.visible[j], r.Dx(), r.Dy()))
		}
		_ = first
		for y := range ph {
			parts := make([]string, len(blocks))
			for b := range blocks {
				parts[b] = blocks[b][y]
			}
			lines = append(lines, fitLine(strings.Join(parts, " "), w))
		}
	}
	info := m.infoLines(l, w, l.info.Dy())
	lines = append(lines, fitLines(info, w, l.info.Dy())...)
	lines = append(lines, m.footer(l, w))
	return strings.Join(fitLines(lines, w, h), "\n")
}

// paneTitle is pane i's name with its grid: "1 demo NaFlex · 64 · 6×10 = 60 of 64".
func (m *CompareModel) paneTitle(i int) string {
	p := m.panes[i]
	t := fmt.Sprintf("%d %s", i+1, p.set.Name)
	if p.stage == paneReady {
		rows, cols := p.analysis.Grid()
		t += fmt.Sprintf("  %d×%d", rows, cols)
		if tok := p.analysis.Tokens(); tok > rows*cols {
			t += fmt.Sprintf(" +%d pad", tok-rows*cols)
		}
		if p.noText != nil {
			t += " · vision only"
		}
	}
	return t
}

// visionOnlyNote is what a pane whose model cannot encode labels says in
// the labels view.
const visionOnlyNote = "no tokenizer: vision only"

// paneLines draws pane i in w × h cells: title, picture, footer.
func (m *CompareModel) paneLines(i, w, h int) []string {
	st := &m.sh.styles
	p := m.panes[i]
	title := m.paneTitle(i)
	if i == m.focus {
		title = st.selected.Render(fitLine("▸"+title, w))
	} else {
		title = st.title.Render(fitLine(" "+title, w))
	}
	out := []string{fitLine(title, w)}
	body := h - 2
	switch p.stage {
	case paneReady:
		c := m.panePatch(i)
		pic := p.view.Lines(m.paneMap(i), p.cover.GridH, p.cover.GridW, &c, m.disp, false)
		out = append(out, pic[:min(p.view.rows, len(pic))]...)
		out = append(out, fitLine(st.status.Render(m.paneFooter(i, w)), w))
		return fitLines(out, w, h)
	default:
		msg := m.paneStatus(i)
		lines := fitLines(nil, w, body)
		ws := wrap(msg, w)
		top := max((body-len(ws))/2, 0)
		for k, s := range ws {
			if top+k < body {
				style := st.faint
				if p.stage == paneFailed {
					style = st.err
				}
				lines[top+k] = center(style.Render(s), w)
			}
		}
		out = append(out, lines...)
	}
	out = append(out, fitLine(st.status.Render(m.paneFooter(i, w)), w))
	return fitLines(out, w, h)
}

// paneStatus says what a pane that is not ready waits for.
func (m *CompareModel) paneStatus(i int) string {
	p := m.panes[i]
	s := m.slots[p.set.Model]
	switch {
	case p.stage == paneFailed:
		return "failed: " + p.err.Error()
	case m.img == nil:
		return m.spinner.View() + " decoding image"
	case s.loading:
		return m.spinner.View() + " loading weights (one at a time)"
	case p.stage == paneRunning:
		return m.spinner.View() + " vision tower (panes run one at a time)"
	}
	return "waiting"
}

// paneFooter is pane i's value under the cursor, its layer when depths
// differ, its timings and memory.
func (m *CompareModel) paneFooter(i, w int) string {
	p := m.panes[i]
	if p.stage != paneReady {
		return ""
	}
	var parts []string
	c := m.panePatch(i)
	value := "…"
	if cur := m.paneMap(i); cur != nil {
		value = cur.Value(c)
	}
	if p.noText != nil && m.kind() == inspect.MapLabel {
		parts = append(parts, visionOnlyNote+" (labels cannot be scored; views 1, 2, 4 work)")
	}
	parts = append(parts, fmt.Sprintf("patch (%d,%d) = %s", c.Row, c.Col, value))
	k := m.kind()
	if k.UsesLevel() && m.depthsDiffer() {
		parts = append(parts, fmt.Sprintf("layer %d of %d", m.paneLevel(i, k), p.analysis.Layers()))
	}
	parts = append(parts, "vision "+formatDuration(p.vision), "captured "+formatBytes(p.internals))
	// Drop from the end what does not fit: each part keeps its name.
	for len(parts) > 1 && lipWidth(strings.Join(parts, " · ")) > w {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, " · ")
}

// formatBytes writes a size as 812 KB, 12.3 MB or 1.20 GB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 10<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+512)>>10)
}

// levelText names the layer in the focused pane's units, and says when
// other panes follow by fraction of depth.
func (m *CompareModel) levelText() string {
	if m.level < 0 {
		return "layer …"
	}
	k := m.kind()
	if !k.UsesLevel() {
		return ""
	}
	s := levelName(m.levelFor(k), m.layers, k.BlockLevels())
	if m.depthsDiffer() {
		s += " · other depths: same fraction"
	}
	return s
}

// infoLines draws the block under the panes.
func (m *CompareModel) infoLines(l compareLayout, w, h int) []string {
	st := &m.sh.styles
	var parts []string
	parts = append(parts, st.title.Render(m.viewTitle()))
	if t := m.levelText(); t != "" {
		parts = append(parts, st.value.Render(t)+" "+st.key.Render("[ ]"))
	}
	k := m.kind()
	if k.UsesHead() {
		h := "mean"
		if m.head != viz.MeanHeads {
			h = fmt.Sprintf("%d", m.head+1)
		}
		parts = append(parts, "head "+st.value.Render(h)+" "+st.key.Render(", . m"))
	}
	parts = append(parts, "cursor "+st.value.Render(m.point.String()))
	if len(l.visible) < len(m.panes) {
		parts = append(parts, st.warn.Render(fmt.Sprintf("%d of %d panes shown", len(l.visible), len(m.panes)))+" "+st.key.Render("f"))
	}
	first := strings.Join(parts, st.faint.Render(" · "))
	if l.compact {
		return []string{fitLine(first, w)}
	}
	lines := []string{fitLine(first, w)}
	lines = append(lines, fitLine(st.faint.Render(teachingText(k, w >= 100)), w))
	for _, s := range wrap(compareLesson, w) {
		if len(lines) < h-1 {
			lines = append(lines, st.faint.Render(fitLine(s, w)))
		}
	}
	if len(lines) < h-1 {
		lines = append(lines, m.scaleLine(w))
	}
	// The label table in the labels view, and in the others when there is
	// room for it; else one line with each pane's best label.
	if m.view == viewLabels || len(m.labels.items) > 0 && h-len(lines) >= len(m.labels.items)+2 {
		lines = append(lines, m.labelTable(w, h-len(lines))...)
	} else if len(m.labels.items) > 0 {
		lines = append(lines, fitLine(m.topLabelsLine(), w))
	}
	return lines
}

// compareLesson is what to look for when the resolution changes.
const compareLesson = "Look at one spot in every pane: more patches give an object more tokens; NaFlex keeps the image's shape, fixed resolution squashes it."

// scaleLine is the colour bar of what the panes show, and whose scale it
// is, with the key that switches between one shared scale and one per pane.
func (m *CompareModel) scaleLine(w int) string {
	st := &m.sh.styles
	x := st.key.Render("x")
	if m.kind() == inspect.MapPCA {
		if m.perPane {
			return fitLine(st.faint.Render("PCA: each pane its own basis (colours not comparable)  ")+x, w)
		}
		return fitLine(st.faint.Render("PCA: one basis for every pane (one colour, one feature)  ")+x, w)
	}
	c := m.focusedMap()
	if c == nil {
		return ""
	}
	if m.perPane {
		return fitLine(viz.ColorBarLine(m.disp.cmap, c.Range, min(40, w/2), m.sh.mode)+
			st.faint.Render(fmt.Sprintf("  pane %d's scale (each pane its own)  ", m.focus+1))+x, w)
	}
	return fitLine(viz.ColorBarLine(m.disp.cmap, c.Range, min(40, w/2), m.sh.mode)+st.faint.Render("  one scale for every pane  ")+x, w)
}

// focusedMap is the focused pane's current map, as drawn.
func (m *CompareModel) focusedMap() *inspect.Map {
	if m.focus < len(m.panes) && m.panes[m.focus].stage == paneReady {
		return m.paneMap(m.focus)
	}
	return nil
}

// footer is the last message, or what is running, or the keys.
func (m *CompareModel) footer(l compareLayout, w int) string {
	st := &m.sh.styles
	if m.message != "" {
		if m.msgIsErr {
			return fitLine(st.err.Render(m.message), w)
		}
		return fitLine(st.ok.Render(m.message), w)
	}
	ready := len(m.ready())
	var s string
	if ready < len(m.panes) {
		s = m.spinner.View() + fmt.Sprintf(" %d of %d panes ready · ", ready, len(m.panes))
	}
	s += "f focus · arrows move · [ ] layer · tab view · s save · ? help"
	return fitLine(st.status.Render(s), w)
}

// helpSections are compare's keys, assembled from what each part of the
// screen handles.
func (m *CompareModel) helpSections() []helpSection {
	k := m.sh.keys
	sel := m.selection.KeyHelp()
	click := key.NewBinding(key.WithKeys("click"), key.WithHelp("click", "focus a pane, cursor there"))
	cursor := append([]key.Binding{k.Up, k.Down, k.Left, k.Right, k.PatchUp, k.PatchDown}, sel.layer...)
	labels := m.labels.KeyHelp()
	labels.column = 1
	return []helpSection{
		{"Program", 0, []key.Binding{k.Help, k.Export, k.Quit}},
		sel.views,
		{"Panes (arrows step in the focused grid)", 0, []key.Binding{m.keys.FocusNext, m.keys.FocusPrev, click, m.keys.Scale}},
		sel.display,
		{"Cursor and layer (mouse too)", 1, cursor},
		sel.attention,
		labels,
	}
}

// labelScores are pane i's scores of the current label list, or nil.
func (m *CompareModel) labelScores(i int) []float64 {
	p := m.panes[i]
	if p.stage != paneReady || p.labelGen != m.labels.gen || p.labelErr != nil || len(p.scores) != len(m.labels.items) {
		return nil
	}
	out := make([]float64, len(p.scores))
	for k, s := range p.scores {
		out[k] = float64(s.Logit)
	}
	return out
}

// topLabelsLine names each pane's best label.
func (m *CompareModel) topLabelsLine() string {
	st := &m.sh.styles
	var parts []string
	tops := map[int]bool{}
	for i := range m.panes {
		logits := m.labelScores(i)
		if logits == nil {
			continue
		}
		best := 0
		for k, v := range logits {
			if v > logits[best] {
				best = k
			}
		}
		tops[best] = true
		parts = append(parts, fmt.Sprintf("%d: %s %s", i+1, m.labels.items[best].text, formatProb(m.panes[i].scores[best].Prob)))
	}
	var visionOnly []string
	for i, p := range m.panes {
		if p.stage == paneReady && p.noText != nil {
			visionOnly = append(visionOnly, fmt.Sprint(i+1))
		}
	}
	if len(visionOnly) > 0 {
		parts = append(parts, strings.Join(visionOnly, ", ")+": "+visionOnlyNote)
	}
	if len(parts) == 0 {
		return st.faint.Render("labels: encoding…")
	}
	line := "top label · " + strings.Join(parts, " · ")
	if len(tops) > 1 {
		return st.warn.Render(line + " (they differ)")
	}
	return st.faint.Render(line)
}

// labelTable is every label's score in every pane, one row per label: the
// probability (and the logit when there is room) per pane, the highest of
// a row bold, the lowest faint, and the spread of the logits, marked when
// it is 1 or more.
func (m *CompareModel) labelTable(w, h int) []string {
	st := &m.sh.styles
	n := len(m.panes)
	items := m.labels.items
	if len(items) == 0 {
		return []string{fitLine(st.faint.Render("no labels: ")+st.key.Render("a")+st.faint.Render(" adds one"), w)}
	}
	scores := make([][]float64, n)
	for i := range n {
		scores[i] = m.labelScores(i)
	}
	cellW, withLogit := 11, true
	labelW := w - 2 - n*(cellW+1) - 8
	if labelW < 10 {
		cellW, withLogit = 5, false
		labelW = w - 2 - n*(cellW+1) - 8
	}
	showDelta := labelW >= 6
	if !showDelta {
		labelW = w - 2 - n*(cellW+1)
	}
	longest := len("label")
	for _, it := range items {
		longest = max(longest, lipWidth(it.text))
	}
	labelW = max(min(labelW, longest+2), 4)
	head := "  " + fitLine("label", labelW)
	for i := range n {
		head += " " + fmt.Sprintf("%*s", cellW, fmt.Sprintf("#%d", i+1))
	}
	if showDelta {
		head += "  Δlogit"
	}
	lines := []string{fitLine(st.faint.Render(head), w)}
	room := max(h-2, 1)
	top := min(max(m.labels.sel-room/2, 0), max(len(items)-room, 0))
	for k := top; k < len(items) && len(lines) <= room; k++ {
		mark := "  "
		if k == m.labels.sel {
			mark = "▸ "
		}
		line := mark + fitLine(items[k].text, labelW)
		lo, hi, count := math.Inf(1), math.Inf(-1), 0
		for i := range n {
			if scores[i] != nil {
				lo, hi = math.Min(lo, scores[i][k]), math.Max(hi, scores[i][k])
				count++
			}
		}
		for i := range n {
			cell := "…"
			style := st.value
			if p := m.panes[i]; p.stage == paneReady && p.noText != nil {
				cell, style = "no text", st.faint
			}
			if s := scores[i]; s != nil {
				prob := m.panes[i].scores[k].Prob
				cell = formatProb(prob)
				if withLogit {
					cell = fmt.Sprintf("%s %+6.2f", formatProb(prob), s[k])
				}
				switch {
				case count < 2 || hi == lo:
				case s[k] == hi:
					style = st.ok.Bold(true)
				case s[k] == lo:
					style = st.faint
				}
			}
			line += " " + style.Render(fmt.Sprintf("%*s", cellW, cell))
		}
		if showDelta && count >= 2 {
			d := fmt.Sprintf("  %6.2f", hi-lo)
			if hi-lo >= 1 {
				line += st.warn.Render(d)
			} else {
				line += st.faint.Render(d)
			}
		}
		if k == m.labels.sel {
			lines = append(lines, fitLine(line, w))
		} else {
			lines = append(lines, fitLine(line, w))
		}
	}
	if m.labels.editing {
		lines = append(lines, fitLine(m.labels.input.View(w), w))
	} else if len(lines) < h {
		lines = append(lines, fitLine(m.topLabelsLine()+"  "+st.key.Render("a e d ↑↓"), w))
	}
	return lines
}
