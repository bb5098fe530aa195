package tui

import (
	"fmt"
	"image"
	"math"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// json describes the panes as they are now.
func (m *CompareModel) json() *inspect.CompareJSON {
	out := &inspect.CompareJSON{Image: m.sh.cfg.ImageName, Labels: m.labels.Texts()}
	if m.img != nil {
		out.ImageSize = [2]int{m.img.Width, m.img.Height}
	}
	for _, p := range m.panes {
		name := m.slots[p.set.Model].src.Name
		if p.stage != paneReady {
			s := inspect.CompareSettingJSON{Name: p.set.Name, Model: name, MaxPatches: p.set.MaxPatches}
			if p.err != nil {
				s.Error = p.err.Error()
			}
			out.Settings = append(out.Settings, s)
			continue
		}
		var labels []engine.Label
		var scores []engine.Score
		if p.labelGen == m.labels.gen {
			labels, scores = p.labels, p.scores
		}
		out.Settings = append(out.Settings, inspect.SettingJSON(p.set, name, p.analysis, labels, scores, p.prep, p.vision, p.text))
	}
	return out
}

// export saves the whole comparison as one PNG (every pane with its map,
// colour bar and caption, the label table under them) and its numbers as
// JSON.
func (m *CompareModel) export() tea.Cmd {
	ready := m.ready()
	if len(ready) == 0 {
		m.setMessage("nothing to save yet: wait until a pane shows", true)
		return nil
	}
	for _, i := range ready {
		if r, ok := m.request(i); ok && (m.panes[i].maps.cur == nil || m.panes[i].maps.cur.Req.Key() != r.Key()) {
			m.setMessage("a pane's map is still being computed: press s again when every pane shows it", true)
			return nil
		}
	}
	type paneShot struct {
		pic     *image.NRGBA
		cur     *inspect.Map
		patch   viz.Patch
		caption string
	}
	var shots []paneShot
	for _, i := range ready {
		p := m.panes[i]
		shots = append(shots, paneShot{pic: p.pic, cur: m.paneMap(i), patch: m.panePatch(i), caption: m.exportCaption(i)})
	}
	header := []string{
		fmt.Sprintf("siglip2-tui compare: %s (%dx%d) - %s", filepath.Base(m.sh.cfg.ImageName), m.img.Width, m.img.Height, m.viewTitle()),
		strings.TrimSpace(m.levelText() + "  cursor at " + m.point.String() + " of the image"),
	}
	if m.sh.cfg.Demo {
		header = append(header, "demo: the built-in toy SigLIP 2, trained on coloured shapes only")
	}
	table := m.exportTable()
	disp := m.disp
	js := m.json()
	view := strings.ToLower(viewNames[m.view])
	base := fmt.Sprintf("%s.compare.%s", imageBase(m.sh.cfg.ImageName), view)
	if m.kind().UsesLevel() && m.level >= 0 {
		base += fmt.Sprintf(".L%d", m.levelFor(m.kind()))
	}
	if !saving(&m.exporting, m.setMessage) {
		return nil
	}
	return tea.Batch(saveCmd(m.sh.cfg.ExportDir, base, func() (image.Image, error) {
		pics := make([]inspect.PaneShot, len(shots))
		for i, sh := range shots {
			pics[i] = inspect.PaneShot{Picture: sh.pic, Map: sh.cur, Patch: sh.patch, Caption: sh.caption}
		}
		return inspect.ComparePicture(pics, header, table, disp.display, disp.cmap, disp.overlay(nil))
	}, js.Write), m.spinner.Tick)
}

// exportCaption is pane i's caption in an export.
func (m *CompareModel) exportCaption(i int) string {
	p := m.panes[i]
	rows, cols := p.analysis.Grid()
	parts := []string{fmt.Sprintf("#%d %s", i+1, p.set.Name), fmt.Sprintf("%dx%d grid = %d patches", rows, cols, rows*cols)}
	if t := p.analysis.Tokens(); t > rows*cols {
		parts[1] += fmt.Sprintf(" (+%d padding)", t-rows*cols)
	}
	r := p.analysis.Prepared.Resized
	parts = append(parts, fmt.Sprintf("seen at %dx%d", r.Width, r.Height))
	k := m.kind()
	if k.UsesLevel() {
		parts = append(parts, fmt.Sprintf("layer %d of %d", m.paneLevel(i, k), p.analysis.Layers()))
	}
	if k.UsesPatch() {
		c := m.panePatch(i)
		parts = append(parts, fmt.Sprintf("patch (%d,%d)", c.Row, c.Col))
	}
	if k == inspect.MapLabel {
		if l := m.selectedLabel(i); l != nil {
			parts = append(parts, fmt.Sprintf("label %q", l.Text))
		}
	}
	parts = append(parts, fmt.Sprintf("vision %s, internals %s", formatDuration(p.vision), formatBytes(p.internals)))
	return inspect.ASCIIText(strings.Join(parts, " | "))
}

// exportTable is the label table as text lines for the picture.
func (m *CompareModel) exportTable() []string {
	if len(m.labels.items) == 0 {
		return []string{"no labels"}
	}
	head := []string{"label"}
	for i := range m.panes {
		head = append(head, fmt.Sprintf("#%d p (logit)", i+1))
	}
	head = append(head, "spread of logits")
	rows := [][]string{head}
	for k, it := range m.labels.items {
		row := []string{it.text}
		lo, hi, n := math.Inf(1), math.Inf(-1), 0
		for i := range m.panes {
			s := m.labelScores(i)
			if s == nil {
				row = append(row, "-")
				continue
			}
			best := true
			for _, v := range s {
				if v > s[k] {
					best = false
				}
			}
			cell := fmt.Sprintf("%s (%+.2f)", formatProb(m.panes[i].scores[k].Prob), s[k])
			if best {
				cell += " top"
			}
			row = append(row, cell)
			lo, hi = math.Min(lo, s[k]), math.Max(hi, s[k])
			n++
		}
		if n >= 2 {
			row = append(row, fmt.Sprintf("%.2f", hi-lo))
		}
		rows = append(rows, row)
	}
	return append([]string{"Label scores (sigmoid probability, each label on its own; 'top' = the pane's best label)"}, viz.TextTable(rows)...)
}
