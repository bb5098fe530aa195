package tui

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Drawing the Why view: the part on the left (the occlusion map over the
// image, the head grid, the curve chart or the lesson), the side panel on
// the right with the label, the progress, the value under the cursor and
// what it means.

// Lines draws the view's body: w × h cells.
func (p *whyPage) Lines(m *Model, w, h int, compact bool) []string {
	st := &m.sh.styles
	if p.err != nil {
		return errorLines(st, "the probes failed:", p.err, w, h)
	}
	if p.probe == nil {
		lines := fitLines(nil, w, h)
		if h > 0 {
			lines[h/2] = center(p.waiting(m), w)
		}
		return lines
	}
	leftW, sideW := w, 0
	if !compact {
		sideW = min(max(w/3, 30), 48)
		leftW = w - sideW - 1
	}
	var left []string
	switch p.part {
	case whyHeads:
		left = p.headsLines(m, leftW, h)
	case whyCurves:
		left = p.curveLines(m, leftW, h)
	case whyAbout:
		left = p.aboutLines(m, leftW, h)
	default:
		left = p.occlusionLines(m, leftW, h)
	}
	left = fitLines(left, leftW, h)
	if compact {
		return left
	}
	side := fitLines(p.sideLines(m, sideW, h), sideW, h)
	out := make([]string, h)
	for i := range out {
		out[i] = left[i] + " " + side[i]
	}
	return out
}

// title is the first line of a part: its name and the label.
func (p *whyPage) title(m *Model, name string, w int) string {
	st := &m.sh.styles
	return fitLine(st.title.Render(name)+st.faint.Render(fmt.Sprintf(" · %q", p.probe.Label())), w)
}

// occlusionLines draws the occlusion map over the image, the colour bar
// and how to read it.
func (p *whyPage) occlusionLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	name := "Occlusion: each patch dropped"
	if p.occ.Block > 1 {
		name = fmt.Sprintf("Occlusion: each %d×%d block dropped", p.occ.Block, p.occ.Block)
	}
	legend := "blue: the label needs it (dropping it lowers the logit) · red: better without it"
	if m.sh.mode == viz.NoColor {
		legend = "dark: the label needs it (dropping it lowers the logit) · light: better without it"
	}
	legendLines := wrap(legend, w)
	lines := []string{p.title(m, name, w)}
	rows, cols := m.grid()
	p.pane.sh = m.sh
	p.pane.SetImage(m.pic)
	p.pane.SetArea(0, bodyTop+1, w, max(h-2-len(legendLines), 1)) // on screen: under the tabs and the title
	d := m.disp
	d.cmap = viz.Coolwarm
	if m.sh.mode == viz.NoColor {
		d.cmap = viz.Grey
	}
	cursor := m.patch
	lines = append(lines, p.pane.Lines(p.occMap, rows, cols, &cursor, d, false)...)
	lines = append(lines, viz.ColorBarLine(d.cmap, p.occMap.Range, min(w, 48), m.sh.mode))
	for _, l := range legendLines {
		lines = append(lines, fitLine(st.faint.Render(l), w))
	}
	return lines
}

// headsLines draws the block × head grid: a row per block, a column per
// head, the selected cell marked on its row and column.
func (p *whyPage) headsLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	lines := []string{p.title(m, "Heads: each one silenced", w)}
	if p.heads == nil {
		return append(lines, "", m.spinner.View()+" waiting for the occlusion map…")
	}
	ha := p.heads
	const labelW = 9 // "block 12 "
	cellW := min(max((w-labelW-1)/max(ha.Heads, 1), 1), 5)
	gap := cellW >= 3
	var all []float32
	for _, row := range ha.Delta {
		all = append(all, row...)
	}
	rng := viz.SymmetricRange(all)
	cm := viz.Coolwarm
	if m.sh.mode == viz.NoColor {
		cm = viz.Grey
	}
	cell := func(v float32) string {
		n := cellW
		if gap {
			n--
		}
		s := viz.HeatRowLine([]float64{float64(v)}, cm, rng, n, m.sh.mode)
		if math.IsNaN(float64(v)) {
			s = st.faint.Render(strings.Repeat("·", n))
		}
		if gap {
			s += " "
		}
		return s
	}
	// The column header: head numbers where they fit, the cursor's
	// column marked (▼ before its number).
	var head strings.Builder
	head.WriteString(strings.Repeat(" ", labelW))
	for i := range ha.Heads {
		label := strconv.Itoa(i + 1)
		if i == p.cellH {
			// The cursor's column keeps its number where it fits.
			if len(label)+1 <= cellW-btoi(gap) {
				label = "▼" + label
			} else {
				label = "▼"
			}
		} else if len(label) > cellW-btoi(gap) && (i+1)%5 != 0 {
			label = ""
		}
		head.WriteString(padRight(cutEnd(label, cellW), cellW))
	}
	lines = append(lines, fitLine(st.faint.Render("   head  ")+head.String()[labelW:], w))
	room := max(h-len(lines)-3, 1)
	top := 0
	if ha.Layers > room {
		top = min(max(p.cellL-room/2, 0), ha.Layers-room)
	}
	for l := top; l < ha.Layers && l < top+room; l++ {
		mark := " "
		label := fmt.Sprintf("block %d", l+1)
		if l == p.cellL {
			mark = "▸"
		}
		var b strings.Builder
		b.WriteString(mark + padRight(label, labelW-1))
		for i, v := range ha.Delta[l] {
			if l == p.cellL && i == p.cellH && !gap {
				b.WriteString(st.selected.Render("◆"))
				b.WriteString(strings.Repeat(" ", cellW-1))
				continue
			}
			b.WriteString(cell(v))
		}
		lines = append(lines, fitLine(b.String(), w))
	}
	if ha.Layers > room {
		lines = append(lines, fitLine(st.faint.Render(fmt.Sprintf("blocks %d–%d of %d (↑↓ scroll)", top+1, min(top+room, ha.Layers), ha.Layers)), w))
	}
	lines = append(lines, viz.ColorBarLine(cm, rng, min(w, 48), m.sh.mode))
	lines = append(lines, fitLine(st.faint.Render("↑↓←→ pick a head · enter: see where it looks"), w))
	return lines
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// curveLines draws the deletion (or insertion) curve of every map.
func (p *whyPage) curveLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	kind := p.curveKind
	name := "Deletion curves"
	xlabel := "patches dropped → (a faithful map falls fast)"
	if kind == inspect.Insertion {
		name = "Insertion curves"
		xlabel = "patches kept → (a faithful map rises fast)"
	}
	lines := []string{p.title(m, name, w)}
	if p.curves == nil {
		msg := "waiting for the occlusion map and the head grid…"
		if p.err == nil && p.occ.Complete() && p.heads != nil && p.heads.Complete() {
			msg = "ranking the patches by each map…"
		}
		return append(lines, "", m.spinner.View()+" "+msg)
	}
	styles := map[int]lipgloss.Style{viz.ChartAxis: st.faint, viz.ChartLabel: st.faint}
	var legend []string
	maps := p.curves.Maps()
	for k, mc := range maps {
		cv := mc.Deletion
		if kind == inspect.Insertion {
			cv = mc.Insertion
		}
		col, mark := inspect.ProbeMapStyle(cv.Map)
		s := lipgloss.NewStyle().Foreground(lipgloss.Color(hexColor(col)))
		if m.sh.mode == viz.NoColor {
			s = lipgloss.NewStyle()
		}
		styles[viz.ChartSeriesLine+2*k] = s
		area := "…"
		if a := cv.AreaLogit(p.curves.Total); !math.IsNaN(a) {
			area = strings.TrimSpace(inspect.FormatSigned(a))
		}
		legend = append(legend, s.Render(fmt.Sprintf("%c %s %s", mark, cv.Map, area)))
	}
	// The legend on as many lines as it needs.
	line := ""
	for _, l := range legend {
		if line != "" && lipWidth(line)+2+lipWidth(l) > w {
			lines = append(lines, fitLine(line, w))
			line = ""
		}
		if line != "" {
			line += "  "
		}
		line += l
	}
	lines = append(lines, fitLine(line, w))
	ch := h - len(lines) - 2
	if ch < 5 {
		return lines
	}
	tc := inspect.CurveChart(p.curves, kind, p.probe.Label()).Text(w, ch)
	for y := range tc.H {
		lines = append(lines, styleChartRow(tc, y, styles))
	}
	lines = append(lines, fitLine(st.faint.Render(center(xlabel, w)), w))
	lines = append(lines, fitLine(st.faint.Render("y: logit · numbers: areas · ←→ "+map[inspect.CurveKind]string{inspect.Deletion: "insertion", inspect.Insertion: "deletion"}[kind]), w))
	return lines
}

// hexColor is c as "#rrggbb".
func hexColor(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// aboutLines draws the lesson, scrolling.
func (p *whyPage) aboutLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	var body []string
	for i, para := range inspect.WhyLesson(m.sh.cfg.Demo) {
		if i > 0 {
			body = append(body, "")
		}
		body = append(body, wrap(para, w)...)
	}
	lines := []string{fitLine(st.title.Render("What a causal probe tells you"), w)}
	shown, more := scrollWindow(st, body, &p.scroll, h-2)
	lines = append(lines, shown...)
	if more != "" {
		lines = append(lines, more)
	}
	return lines
}

// sideLines is the panel: the label and its logit, the progress, the
// value under the cursor with what it means, and the keys.
func (p *whyPage) sideLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	var lines []string
	add := func(s ...string) {
		for _, l := range s {
			lines = append(lines, fitLine(l, w))
		}
	}
	para := func(style lipgloss.Style, s string) {
		for _, l := range wrap(s, w) {
			add(style.Render(l))
		}
	}
	if m.sh.cfg.Demo {
		add(st.demo.Render("toy model"))
	}
	add(st.title.Render("Why this score?")+"  "+st.key.Render("v"), st.faint.Render(p.partsLine()))
	add(st.faint.Render("label ") + st.value.Render(cutEnd(fmt.Sprintf("%q", p.probe.Label()), w-6)) + "  " + st.key.Render("n p"))
	base := p.probe.BaseLogit()
	add(st.faint.Render("whole image: ") + st.value.Render(strings.TrimSpace(inspect.FormatSigned(base))) +
		st.faint.Render(", p ") + st.value.Render(formatProb(float32(inspect.Sigmoid(base)))))
	if p.label != nil && len(p.label.Unknown) > 0 {
		para(st.warn, fmt.Sprintf("the model cannot know %q: this score, and what it depends on, mean nothing", strings.Join(p.label.Unknown, ", ")))
	}
	if pr := p.progressText(); pr != "" {
		elapsed := m.sh.cfg.now().Sub(p.started).Round(100 * 1e6)
		add(m.spinner.View() + " " + st.warn.Render(pr) + st.faint.Render(" passes, "+elapsed.String()))
	} else {
		add(st.ok.Render("all probes measured"))
	}
	add("")
	switch p.part {
	case whyOcclusion:
		if d, ok := p.cursorDelta(m); ok {
			add(st.faint.Render(fmt.Sprintf("patch (%d,%d) dropped: ", m.patch.Row, m.patch.Col)) + st.value.Render(d))
		}
		if p.occ.Block > 1 {
			add(st.faint.Render(fmt.Sprintf("blocks of %d×%d patches", p.occ.Block, p.occ.Block)) + "  " + st.key.Render("z"))
		} else {
			add(st.faint.Render("single patches") + "  " + st.key.Render("z") + st.faint.Render(" blocks"))
		}
		para(st.faint, "A causal map: each patch removed, the label scored again. Attention shows where the model looks; this shows what the score needs.")
	case whyHeads:
		if p.heads != nil {
			add(st.faint.Render("logit change, head silenced:"))
			add(st.faint.Render(fmt.Sprintf("block %d, head %d: ", p.cellL+1, p.cellH+1)) + st.value.Render(deltaText(p.heads.Delta[p.cellL][p.cellH])))
			if order := sortedHeads(p.heads); len(order) > 0 && p.heads.Delta[order[0][0]][order[0][1]] < 0 {
				c := order[0]
				add(st.faint.Render(fmt.Sprintf("most needed: b%d h%d ", c[0]+1, c[1]+1)) + st.value.Render(deltaText(p.heads.Delta[c[0]][c[1]])))
			}
		}
		add(st.key.Render("enter") + st.faint.Render(" its attention map"))
		para(st.faint, "Each head's output zeroed in turn. A head can look hard at the object and still not matter; compare with its attention map.")
	case whyCurves:
		if p.curves != nil {
			add(st.faint.Render(fmt.Sprintf("%-15s %6s %6s", "map", "delete", "insert")))
			best, bestScore := "", math.Inf(1)
			for _, mc := range p.curves.Maps() {
				d, i := mc.Deletion.AreaLogit(p.curves.Total), mc.Insertion.AreaLogit(p.curves.Total)
				add(fmt.Sprintf("%-15s %6s %6s", cutEnd(mc.Deletion.Map, 15), areaText(d), areaText(i)))
				if !math.IsNaN(d) && !math.IsNaN(i) && d-i < bestScore {
					best, bestScore = mc.Deletion.Map, d-i
				}
			}
			if p.curves.Complete() && best != "" {
				add(st.faint.Render("most faithful: ") + st.value.Render(best))
			}
		}
		para(st.faint, "Low deletion and high insertion areas: the map points at what the score needs.")
	case whyAbout:
		para(st.faint, "↑↓ scroll the lesson; v shows the occlusion map again.")
	}
	return lines
}

// areaText prints an area in six cells, "…" before it is measured.
func areaText(a float64) string {
	if math.IsNaN(a) {
		return "…"
	}
	return strings.TrimSpace(inspect.FormatSigned(a))
}
