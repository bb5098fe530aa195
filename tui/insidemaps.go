package tui

import (
	"fmt"
	"math"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The Inside view's two maps: feature norms at a level, and the position
// embeddings' similarity to the cursor's, each over the image with its
// side panel.

// mapLines draws the map over the image with its title and colour bar.
func (p *insidePage) mapLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	title := st.title.Render("Feature norms") + st.faint.Render(" · "+m.levelText())
	note := "bright: long feature vectors"
	if p.mode == insidePositions {
		title = st.title.Render("Position embeddings") + st.faint.Render(fmt.Sprintf(" · cosine to (%d,%d)", m.patch.Row, m.patch.Col))
		note = "bright: positions the table makes alike"
	}
	lines := []string{fitLine(title, w)}
	rows, cols := m.grid()
	c := p.cur
	if c == nil || rows == 0 {
		return fitLines(lines, w, h)
	}
	p.pane.sh = m.sh
	p.pane.SetImage(m.pic)
	p.pane.SetArea(0, bodyTop+1, w, max(h-3, 1)) // on screen: under the tabs and the title
	cursor := m.patch
	lines = append(lines, p.pane.Lines(c, rows, cols, &cursor, m.disp, false)...)
	lines = append(lines, viz.ColorBarLine(m.disp.cmap, c.Range, min(w, 48), m.sh.mode))
	lines = append(lines, fitLine(st.faint.Render(note), w))
	return lines
}

// mapSide is the panel beside the map: for norms the per-level table and
// the outliers, for positions the table's description and the norms.
func (p *insidePage) mapSide(m *Model, w, h int) []string {
	if w == 0 {
		return nil
	}
	lines := p.header(m, w)
	if p.mode == insidePositions {
		return append(lines, p.positionSide(m, w, h-len(lines))...)
	}
	return append(lines, p.normSide(m, w, h-len(lines))...)
}

// normSide is the per-level table (median, largest ÷ median, outliers,
// their share of attention) and the current level's outliers.
func (p *insidePage) normSide(m *Model, w, h int) []string {
	st := &m.sh.styles
	var lines []string
	add := func(s string) { lines = append(lines, fitLine(s, w)) }
	add(st.faint.Render("feature norm of each patch"))
	add(st.faint.Render(fmt.Sprintf("k = %g × median  ", p.k)) + st.key.Render("< >"))
	level := m.levelFor(inspect.MapNorm)
	prof, ok := p.profiles[p.k]
	switch {
	case p.profileErr != nil:
		for _, l := range wrap(p.profileErr.Error(), w) {
			add(st.err.Render(l))
		}
	case !ok:
		add(m.spinner.View() + " norms of every layer…")
	default:
		add(st.faint.Render(" lvl  median  max×  out  attn"))
		top, shown := levelWindow(len(prof), level, max(h-len(lines)-5, 3))
		for l := top; l < top+shown; l++ {
			lv := prof[l]
			name := fmt.Sprint(l)
			if l == len(prof)-1 {
				name = "out"
			}
			attn := "    –"
			if !math.IsNaN(lv.AttentionShare) {
				attn = fmt.Sprintf("%4.0f%%", 100*lv.AttentionShare)
			}
			mark := " "
			if l == level {
				mark = "▸"
			}
			row := fmt.Sprintf("%s%3s %7s %5.2f %4d %s", mark, name, inspect.FormatNorm(lv.Stats.Median), lv.Stats.Ratio(), len(lv.Stats.Outliers), attn)
			switch {
			case l == level:
				row = st.selected.Render(row)
			case len(lv.Stats.Outliers) > 0:
				row = st.warn.Render(row)
			}
			add(row)
		}
		if shown < len(prof) {
			add(levelMore(st, shown, len(prof), w))
		}
	}
	if c := p.cur; c != nil && c.Norm != nil {
		n := c.Norm
		i := m.patch.Row*c.Grid.W + m.patch.Col
		add("")
		add(st.faint.Render(fmt.Sprintf("patch (%d,%d) ", m.patch.Row, m.patch.Col)) + st.value.Render(inspect.FormatNorm(n.Norms[i])) +
			st.faint.Render(fmt.Sprintf(" = %.2f×", float64(n.Norms[i])/float64(n.Median))))
		lines = append(lines, outlierLines(st, n, w, max(h-len(lines), 1))...)
	}
	return lines
}

// outlierLines lists a map's outliers, or says there are none and names
// the largest.
func outlierLines(st *styles, n *inspect.NormStats, w, h int) []string {
	if len(n.Outliers) == 0 {
		return []string{fitLine(st.ok.Render(fmt.Sprintf("no outliers above %g×", n.K)), w),
			fitLine(st.faint.Render(fmt.Sprintf("largest (%d,%d) %.2f×", n.MaxPatch.Row, n.MaxPatch.Col, n.Ratio())), w)}
	}
	out := []string{fitLine(st.warn.Render(fmt.Sprintf("%d outliers above %g×:", len(n.Outliers), n.K)), w)}
	var items []string
	for _, o := range n.Outliers {
		items = append(items, fmt.Sprintf("(%d,%d) %.1f×", o.Patch.Row, o.Patch.Col, o.Ratio))
	}
	for _, l := range wrap(strings.Join(items, "  "), w) {
		if len(out) == h-1 && len(out) < len(items) {
			out = append(out, fitLine(st.faint.Render("… s saves them all"), w))
			break
		}
		out = append(out, fitLine(l, w))
	}
	return out
}

// positionSide describes the table and shows the positions' norms as a
// small heat grid.
func (p *insidePage) positionSide(m *Model, w, h int) []string {
	st := &m.sh.styles
	var lines []string
	add := func(s string) { lines = append(lines, fitLine(s, w)) }
	for _, l := range wrap(inspect.PositionTable(m.analysis), w) {
		add(st.faint.Render(l))
	}
	c := p.cur
	if c == nil || c.Norm == nil {
		return lines
	}
	n := c.Norm
	i := m.patch.Row*c.Grid.W + m.patch.Col
	add(st.faint.Render(fmt.Sprintf("(%d,%d) norm ", m.patch.Row, m.patch.Col)) + st.value.Render(inspect.FormatNorm(n.Norms[i])) +
		st.faint.Render(fmt.Sprintf(" = %.2f×", float64(n.Norms[i])/float64(n.Median))))
	add(st.faint.Render("cosine to the cursor ") + st.value.Render(c.Value(m.patch)))
	add("")
	add(st.faint.Render(fmt.Sprintf("position norms %s…%s", inspect.FormatNorm(viz.MinMax(n.Norms).Min), inspect.FormatNorm(n.Max))))
	rows, cols := c.Grid.H, c.Grid.W
	room := h - len(lines) - 3
	if cols <= w && rows <= room {
		cellW := 1
		if 2*cols <= w {
			cellW = 2
		}
		cm := m.disp.cmap
		if m.sh.mode == viz.NoColor {
			cm = viz.Grey
		}
		rng := viz.MinMax(n.Norms)
		for r := range rows {
			vals := make([]float64, cols)
			for col := range cols {
				vals[col] = float64(n.Norms[r*cols+col])
			}
			add(viz.HeatRowLine(vals, cm, rng, cellW, m.sh.mode))
		}
	} else {
		add(st.faint.Render("(grid too large here: s saves them)"))
	}
	lines = append(lines, outlierLines(st, n, w, max(h-len(lines), 1))...)
	return lines
}

// export saves what the mode shows: the map as PNG and JSON (norms,
// positions), the text tower's numbers as JSON.
func (p *insidePage) export(m *Model) tea.Cmd {
	switch p.mode {
	case insideText:
		return p.exportText(m)
	case insideLesson:
		m.setMessage("the lesson has nothing to save: v goes back to the norms", true)
		return nil
	}
	c := p.cur
	if c == nil || m.img == nil {
		m.setMessage("nothing to save yet: wait until the map shows", true)
		return nil
	}
	if m.exporting {
		m.setMessage("still saving the previous view…", false)
		return nil
	}
	m.exporting = true
	m.setMessage("saving…", false)
	e := &inspect.Export{Image: m.pic, Map: c, Colormap: m.disp.cmap, Model: m.sh.cfg.ModelName, Display: m.disp.display,
		Overlay:   viz.OverlayOptions{Opacity: m.disp.opacity, Smooth: m.disp.smooth, GridLines: m.disp.grid},
		LevelName: m.analysis.FeatureLevelName(c.Req.Level),
		Meta:      map[string]any{"image": m.sh.cfg.ImageName}}
	if c.Req.Kind == inspect.MapPositions {
		e.Meta["position_table"] = inspect.PositionTable(m.analysis)
	}
	return tea.Batch(exportCmd(e, m.sh.cfg.ExportDir, inspect.ExportBaseName(m.sh.cfg.ImageName, c.Req)), m.spinner.Tick)
}
