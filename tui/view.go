package tui

import (
	"fmt"
	"image"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Terminal sizes: below minW×minH the explorer only says the terminal is
// too small; below wideW×wideH it drops the side panel.
const (
	minW, minH   = 30, 8
	wideW, wideH = 70, 16
)

// demoNotice is shown wherever a random-weight model runs.
const demoNotice = "random weights — for trying the interface"

// screenLayout is where each part of the screen goes.
type screenLayout struct {
	w, h     int
	tooSmall bool
	compact  bool
	image    image.Rectangle
	side     image.Rectangle
}

func (m *Model) computeLayout() screenLayout {
	w, h := m.sh.width, m.sh.height
	l := screenLayout{w: w, h: h}
	if w < minW || h < minH {
		l.tooSmall = true
		return l
	}
	body := h - 3 // header, then two status lines
	if w < wideW || h < wideH {
		l.compact = true
		l.image = image.Rect(0, 1, w, 1+body)
		return l
	}
	sideW := min(max(w/3, 30), 48)
	l.image = image.Rect(0, 1, w-sideW-1, 1+body)
	l.side = image.Rect(w-sideW, 1, w, 1+body)
	return l
}

// layout places the components after a resize.
func (m *Model) layout() {
	l := m.computeLayout()
	r := l.image
	m.pane.SetArea(r.Min.X, r.Min.Y, r.Dx(), r.Dy())
}

// tabSpans are the columns [from, to) of each view's tab in the header.
func tabSpans(l screenLayout) [numViews][2]int {
	var out [numViews][2]int
	x := 0
	for i := range numViews {
		n := len(tabLabel(viewID(i), l.compact))
		out[i] = [2]int{x, x + n}
		x += n + 1
	}
	return out
}

func tabLabel(v viewID, compact bool) string {
	name := viewNames[v]
	if compact {
		name = name[:3]
	}
	return fmt.Sprintf(" %d %s ", v+1, name)
}

// View draws the screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "siglip2-tui explore " + filepath.Base(m.sh.cfg.ImageName)
	return v
}

// render returns the screen as exactly height lines of width cells.
func (m *Model) render() string {
	if m.quitting {
		return ""
	}
	l := m.computeLayout()
	if l.w <= 0 || l.h <= 0 {
		return ""
	}
	if l.tooSmall {
		return strings.Join(m.tooSmallLines(l), "\n")
	}
	if m.help {
		return strings.Join(m.helpLines(l), "\n")
	}
	lines := make([]string, 0, l.h)
	lines = append(lines, m.header(l))
	rows, cols := m.grid()
	var cursor *viz.Patch
	if rows > 0 {
		p := m.patch
		cursor = &p
	}
	img := m.pane.Lines(m.cur, rows, cols, cursor, m.disp, m.gfx.active(m))
	if m.img == nil {
		img = m.placeholder(l.image.Dx(), l.image.Dy())
	}
	if l.compact {
		lines = append(lines, img...)
		lines = append(lines, m.compactInfo(l.w), m.footer(l.w))
		return strings.Join(lines, "\n")
	}
	side, _ := m.sideLines(l.side.Dx(), l.side.Dy())
	side = fitLines(side, l.side.Dx(), l.side.Dy())
	for i := range img {
		lines = append(lines, img[i]+" "+side[i])
	}
	lines = append(lines, m.statusLine(l.w), m.footer(l.w))
	return strings.Join(lines, "\n")
}

// placeholder fills the image area before the image is decoded.
func (m *Model) placeholder(w, h int) []string {
	lines := fitLines(nil, w, h)
	if h > 0 {
		msg := m.spinner.View() + " " + m.progress.running()
		if _, err := m.progress.failure(); err != nil && m.img == nil {
			msg = m.sh.styles.err.Render("no image")
		}
		lines[h/2] = center(msg, w)
	}
	return lines
}

func (m *Model) header(l screenLayout) string {
	st := &m.sh.styles
	var b strings.Builder
	for i := range numViews {
		label := tabLabel(viewID(i), l.compact)
		if viewID(i) == m.view {
			b.WriteString(st.activeTab.Render(label))
		} else {
			b.WriteString(st.tab.Render(label))
		}
		b.WriteString(" ")
	}
	right := st.faint.Render("? help  q quit")
	if l.compact {
		right = st.faint.Render("? help")
	}
	if m.sh.cfg.Demo {
		badge := " random weights "
		if l.compact {
			badge = " demo "
		}
		right = st.demo.Render(badge) + " " + right
	}
	left := b.String()
	gap := l.w - lipWidth(left) - lipWidth(right)
	if gap < 1 {
		return fitLine(left, l.w)
	}
	return left + strings.Repeat(" ", gap) + right
}

// viewTitle is the current view's name, with the attention mode.
func (m *Model) viewTitle() string {
	if m.view == viewAttention {
		return "Attention · " + attnModeNames[m.mode]
	}
	if m.view == viewSimilarity {
		return "Patch similarity"
	}
	return viewNames[m.view]
}

// teaching is what the current view shows and teaches, in a sentence or
// two.
func (m *Model) teaching() string {
	switch m.kind() {
	case MapSimilarity:
		return "Cosine similarity of the cursor patch's features to every patch. Early layers match colour and texture; deep layers match meaning."
	case MapAttention:
		return "Where the cursor patch looks: its attention weights over all patches in one block, for one head or the mean."
	case MapPooling:
		return "What the image embedding is built from: the pooling head's probe attends over the final patch features."
	case MapRollout:
		return "Attention rollout: how much each patch flows into the cursor patch through blocks 1…k, residual path included."
	case MapLabel:
		return "Sigmoid probability of each label on its own (not a softmax). Map: each patch pooled alone vs the label, an approximation."
	case MapPCA:
		return "The three main directions in which patch features vary, as red, green and blue: patches the model sees alike share a colour."
	}
	return ""
}

// levelText names the chosen layer for the current view.
func (m *Model) levelText() string {
	L := m.layers()
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
	if m.heads() == 0 {
		return "…"
	}
	if m.head == viz.MeanHeads {
		return fmt.Sprintf("mean of %d", m.heads())
	}
	return fmt.Sprintf("%d of %d", m.head+1, m.heads())
}

// valueText is the map's value under the cursor.
func (m *Model) valueText() string {
	if m.cur == nil || m.prepared == nil {
		return "…"
	}
	return m.cur.Value(m.patch)
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
	if m.progress.busy() || m.maps == nil {
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
	if m.curErr != nil {
		for _, s := range wrap(m.curErr.Error(), w) {
			add(st.err.Render(s))
		}
	} else if len(m.inFlight) > 0 && (m.cur == nil || m.cur.Req.key() != m.want()) {
		add(m.spinner.View() + " computing…")
	}
	return lines, listTop
}

// legend is the colour bar (or the PCA key) of the current map.
func (m *Model) legend(w int) []string {
	if m.cur == nil {
		return nil
	}
	if p := m.cur.PCA; p != nil {
		x := p.ExplainedRatio
		return []string{
			fitLine(fmt.Sprintf("red PC1 %.0f%%  green PC2 %.0f%%", 100*x[0], 100*x[1]), w),
			fitLine(fmt.Sprintf("blue PC3 %.0f%% of the variance", 100*x[2]), w),
		}
	}
	return []string{viz.ColorBarLine(m.disp.cmap, m.cur.Range, w, m.sh.mode)}
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
	if m.kind() == MapPCA {
		cm = "RGB"
	}
	return []string{
		fitLine(st.faint.Render(fmt.Sprintf("%s · opacity %.0f%%", cm, 100*m.disp.opacity))+"  "+st.key.Render("c + -"), w),
		fitLine(st.faint.Render(grid+" · "+look)+"  "+st.key.Render("g b"), w),
	}
}

// statusLine says what runs: model, variant, sizes.
func (m *Model) statusLine(w int) string {
	st := &m.sh.styles
	var parts []string
	prefix := ""
	if m.sh.cfg.Demo {
		prefix = st.demo.Render(" demo model ") + " "
	} else {
		parts = append(parts, modelLabel(m.sh.cfg.ModelName))
	}
	if m.model != nil {
		backend, _, _ := strings.Cut(m.model.Backend().Name(), " (")
		parts = append(parts, m.model.Config.Variant.String(), backend)
	}
	if m.img != nil {
		size := fmt.Sprintf("%d×%d", m.img.Width, m.img.Height)
		if m.prepared != nil {
			r := m.prepared.Resized
			rows, cols := m.grid()
			size += fmt.Sprintf(" → %d×%d → %d×%d = %d patches", r.Width, r.Height, rows, cols, rows*cols)
		}
		parts = append(parts, size)
	}
	return fitLine(prefix+st.status.Render(strings.Join(parts, " · ")), w)
}

// footer shows the last message, or the timings of each stage.
func (m *Model) footer(w int) string {
	st := &m.sh.styles
	if m.message != "" {
		if m.msgIsErr {
			return fitLine(st.err.Render(m.message), w)
		}
		return fitLine(st.ok.Render(m.message), w)
	}
	if r := m.progress.running(); r != "" {
		return fitLine(m.spinner.View()+" "+r+"…  "+st.status.Render(m.progress.timings()), w)
	}
	if _, err := m.progress.failure(); err != nil {
		return fitLine(st.err.Render(err.Error()), w)
	}
	return fitLine(st.status.Render(m.progress.timings()), w)
}

// compactInfo is the one line that replaces the side panel on small
// terminals.
func (m *Model) compactInfo(w int) string {
	st := &m.sh.styles
	var parts []string
	k := m.kind()
	if m.view == viewAttention {
		parts = append(parts, []string{"query", "pool", "rollout"}[m.mode])
	}
	if k.UsesLevel() {
		parts = append(parts, "L"+strings.Fields(m.levelText())[0])
	}
	if k.UsesHead() {
		h := "hmean"
		if m.head != viz.MeanHeads {
			h = fmt.Sprintf("h%d", m.head+1)
		}
		parts = append(parts, h)
	}
	if m.view == viewLabels {
		if l := m.labels.Selected(); l != nil {
			parts = append(parts, fmt.Sprintf("%q p=%s", l.Text, formatProb(m.labels.items[m.labels.sel].score.Prob)))
		} else if len(m.labels.items) == 0 {
			parts = append(parts, "a: add label")
		}
	}
	if rows, _ := m.grid(); rows > 0 {
		parts = append(parts, fmt.Sprintf("(%d,%d)=%s", m.patch.Row, m.patch.Col, m.valueText()))
	}
	if r := m.progress.running(); r != "" {
		parts = append(parts, m.spinner.View()+" "+r)
	}
	line := strings.Join(parts, " ")
	if m.labels.editing {
		line = m.labels.input.View(w)
	}
	if m.cur != nil && m.cur.PCA == nil && !m.labels.editing {
		if rest := w - lipWidth(line) - 1; rest >= 8 {
			return line + " " + viz.ColorBarLine(m.disp.cmap, m.cur.Range, rest, m.sh.mode)
		}
	}
	return fitLine(st.value.Render(line), w)
}

func (m *Model) tooSmallLines(l screenLayout) []string {
	msg := []string{"terminal too small", fmt.Sprintf("%d×%d, need %d×%d", l.w, l.h, minW, minH), "enlarge it, or q to quit"}
	lines := make([]string, l.h)
	top := max((l.h-len(msg))/2, 0)
	for i := range lines {
		if j := i - top; j >= 0 && j < len(msg) {
			lines[i] = center(msg[j], l.w)
		} else {
			lines[i] = strings.Repeat(" ", l.w)
		}
	}
	return lines
}

// helpLines draws every key, in two columns when there is room.
func (m *Model) helpLines(l screenLayout) []string {
	st := &m.sh.styles
	var cols [2][]string
	var body []string
	for _, s := range m.sh.keys.sections() {
		b := []string{st.title.Render(s.title)}
		for _, k := range s.bindings {
			h := k.Help()
			b = append(b, st.key.Render(fmt.Sprintf("%-10s", h.Key))+" "+h.Desc)
		}
		if len(cols[s.column]) > 0 {
			cols[s.column] = append(cols[s.column], "")
		}
		cols[s.column] = append(cols[s.column], b...)
		body = append(body, b...)
		body = append(body, "")
	}
	if l.w >= 80 {
		colW := l.w/2 - 1
		body = body[:0]
		for i := range max(len(cols[0]), len(cols[1])) {
			var a, c string
			if i < len(cols[0]) {
				a = cols[0][i]
			}
			if i < len(cols[1]) {
				c = cols[1][i]
			}
			body = append(body, fitLine(a, colW)+"  "+c)
		}
	}
	title := st.title.Render("siglip2-tui explore — keys") + st.faint.Render("   esc or ? closes · ↑↓ scroll · q quits")
	avail := l.h - 1
	top := min(m.helpTop, max(len(body)-avail, 0))
	m.helpTop = top
	out := []string{fitLine(title, l.w)}
	for i := top; i < len(body) && len(out) < l.h; i++ {
		out = append(out, fitLine(body[i], l.w))
	}
	return fitLines(out, l.w, l.h)
}

// modelLabel shortens a model folder to its last two path elements.
func modelLabel(name string) string {
	if strings.Count(name, string(filepath.Separator)) > 1 {
		return filepath.Join(filepath.Base(filepath.Dir(name)), filepath.Base(name))
	}
	return name
}
