package tui

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The Inside view's text tower mode: the selected label's tokens as the
// text tower reads them, the pooled (last) position's attention over them
// in one layer (a column per head), word deletion and lints.

// tokenRow is one row of the token table: a position (or the <pad> run
// folded into one row) and its attention from the pooled position.
type tokenRow struct {
	pos, piece, id string
	heads          []float64 // attention per head
	pooled         bool      // the position the text head reads
}

// tokenRows folds the view's positions into rows: every token up to
// <eos>, the padding after it as one row (its attention summed), and the
// pooled last position.
func tokenRows(v *inspect.TextView, layer int) []tokenRow {
	n := v.Length
	head := func(h, k int) float64 { return float64(v.HeadAttention(layer, h)[k]) }
	row := func(k int) tokenRow {
		r := tokenRow{pos: strconv.Itoa(k), piece: showPiece(v.Pieces[k]), id: strconv.Itoa(v.IDs[k]), pooled: k == n-1}
		for h := range v.Heads {
			r.heads = append(r.heads, head(h, k))
		}
		return r
	}
	var out []tokenRow
	for k := 0; k <= v.EOS && k < n-1; k++ {
		out = append(out, row(k))
	}
	if from, to := v.EOS+1, n-1; to > from {
		r := tokenRow{pos: fmt.Sprintf("%d–%d", from, to-1), piece: fmt.Sprintf("%s ×%d", v.Pieces[from], to-from), id: strconv.Itoa(v.IDs[from]),
			heads: make([]float64, v.Heads)}
		for h := range v.Heads {
			for k := from; k < to; k++ {
				r.heads[h] += head(h, k)
			}
		}
		out = append(out, r)
	}
	return append(out, row(n-1))
}

// showPiece makes a token printable: control characters are quoted.
func showPiece(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// textLines draws the token table of the selected label.
func (p *insidePage) textLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	title := st.title.Render("Text tower")
	it := m.labels.selectedItem()
	if it != nil {
		title += st.faint.Render(" · " + strconv.Quote(it.text))
	}
	lines := []string{fitLine(title, w)}
	msg := func(s string, style func(...string) string) []string {
		for _, l := range wrap(s, w) {
			lines = append(lines, fitLine(style(l), w))
		}
		return fitLines(lines, w, h)
	}
	if err := m.model.CanEncodeText(); err != nil {
		return msg(err.Error(), st.err.Render)
	}
	if it == nil {
		return msg("no label: press a to add one", st.faint.Render)
	}
	r := p.texts[it.text]
	switch {
	case r == nil:
		return msg(m.spinner.View()+" running the text tower…", st.faint.Render)
	case r.err != nil:
		return msg(r.err.Error(), st.err.Render)
	}
	v := r.view
	layer := p.textLayer(v)
	head := min(p.thead, v.Heads-1)
	lines = append(lines, fitLine(st.faint.Render("pooled attention, ")+st.value.Render(fmt.Sprintf("layer %d/%d", layer, v.Layers))+" "+st.key.Render("[ ]")+
		" "+st.value.Render("head "+strings.TrimPrefix(textHeadName(head), "h"))+" "+st.key.Render(", . m"), w))
	rows := tokenRows(v, layer)
	const posW, pieceW, idW = 5, 12, 6
	fixed := posW + pieceW + idW + 3 + 17 // and the value, the pooled mark
	cellW := min(max((w-fixed)/max(v.Heads, 1), 1), 4)
	heads := v.Heads * cellW
	mark := []rune(strings.Repeat(" ", heads))
	if head >= 0 {
		mark[head*cellW] = '▼'
	}
	which := "head"
	if head < 0 {
		which = "mean"
	}
	lines = append(lines, fitLine(st.faint.Render(fmt.Sprintf("%*s %-*s %*s ", posW, "pos", pieceW, "token", idW, "id")+string(mark)+"  "+which), w))
	var hi float64
	for _, row := range rows {
		for _, x := range row.heads {
			hi = max(hi, x)
		}
	}
	rng := viz.Range{Min: 0, Max: float32(hi)}
	cm := m.disp.cmap
	if m.sh.mode == viz.NoColor {
		cm = viz.Grey
	}
	room := max(h-len(lines)-2, 1)
	p.scroll = min(p.scroll, max(len(rows)-room, 0))
	shown := rows[p.scroll:min(p.scroll+room, len(rows))]
	for _, row := range shown {
		val := 0.0
		if head >= 0 {
			val = row.heads[head]
		} else {
			for _, x := range row.heads {
				val += x / float64(len(row.heads))
			}
		}
		piece := fitLine(row.piece, pieceW)
		line := fmt.Sprintf("%*s %s %*s ", posW, row.pos, piece, idW, row.id) + viz.HeatRowLine(row.heads, cm, rng, cellW, m.sh.mode) + fmt.Sprintf(" %5.1f%%", 100*val)
		if row.pooled {
			line += st.faint.Render(" < pooled")
		}
		lines = append(lines, fitLine(line, w))
	}
	if hidden := len(rows) - len(shown); hidden > 0 {
		lines = append(lines, fitLine(st.warn.Render(fmt.Sprintf("%d of %d rows shown  ", len(shown), len(rows)))+st.key.Render("J K")+st.faint.Render(" scroll"), w))
	}
	lines = append(lines, viz.ColorBarLine(cm, rng, min(w, 40), m.sh.mode))
	if len(rows)+3 <= h-len(lines) && v.Layers > 1 {
		lines = append(lines, "")
		lines = append(lines, p.layerTable(m, v, rows, w)...)
	}
	return lines
}

// layerTable is the pooled position's attention in every layer, the mean
// over heads: rows are the token rows, columns the layers.
func (p *insidePage) layerTable(m *Model, v *inspect.TextView, rows []tokenRow, w int) []string {
	st := &m.sh.styles
	const labelW = 19
	cellW := min(max((w-labelW-1)/v.Layers, 1), 4)
	vals := make([][]float64, len(rows))
	var hi float64
	for l := 1; l <= v.Layers; l++ {
		for i, r := range tokenRows(v, l) {
			var mean float64
			for _, x := range r.heads {
				mean += x / float64(len(r.heads))
			}
			vals[i] = append(vals[i], mean)
			hi = max(hi, mean)
		}
	}
	cm := m.disp.cmap
	if m.sh.mode == viz.NoColor {
		cm = viz.Grey
	}
	rng := viz.Range{Min: 0, Max: float32(hi)}
	out := []string{fitLine(st.faint.Render(fmt.Sprintf("layers 1…%d → (mean of heads)", v.Layers)), w)}
	for i, r := range rows {
		out = append(out, fitLine(fmt.Sprintf("%*s %s ", 5, r.pos, fitLine(r.piece, labelW-7))+viz.HeatRowLine(vals[i], cm, rng, cellW, m.sh.mode), w))
	}
	return out
}

// textSide is the panel beside the token table: the labels, how the
// selected one was framed, its logit, word deletion and the lints. The
// label list gets what room the rest leaves; what does not fit is cut
// with a note.
func (p *insidePage) textSide(m *Model, w, h int) []string {
	if w == 0 {
		return nil
	}
	st := &m.sh.styles
	var rest []string
	add := func(s string) { rest = append(rest, fitLine(s, w)) }
	if r := p.textResult(m); r != nil && r.err == nil {
		v, d := r.view, r.words
		for _, l := range wrap(strconv.Quote(v.Prompt), w) {
			add(st.value.Render(l))
		}
		tmpl := cmp.Or(v.Options.Template, tokenizer.DefaultTemplate)
		casing := "lower-cased"
		if v.Options.KeepCase {
			casing = "case kept"
		}
		add(st.faint.Render(fmt.Sprintf("template %s · %s", strconv.Quote(tmpl), casing)))
		add(st.faint.Render(fmt.Sprintf("%d tok + <eos> + %d <pad> = %d", v.EOS, v.Pads(), v.Length)))
		add(st.faint.Render("logit ") + st.value.Render(fmt.Sprintf("%+.2f", d.Logit)))
		add(st.faint.Render("without a word: Δ logit"))
		wordW := min(max(w-9, 4), 20)
		for _, x := range d.Words {
			delta := fmt.Sprintf("%+6.2f", x.Delta)
			switch {
			case x.Delta <= -0.5:
				delta = st.ok.Render(delta)
			case x.Delta >= 0.5:
				delta = st.warn.Render(delta)
			}
			add(" " + fitLine(showPiece(x.Word), wordW) + " " + delta)
		}
		for _, l := range v.Lints {
			for _, s := range wrap("! "+l.Text, w) {
				add(st.warn.Render(s))
			}
		}
		if len(v.Lints) == 0 {
			add(st.ok.Render("no lints: framed as expected"))
		}
	}
	lines := p.header(m, w)
	lines = append(lines, fitLine(st.faint.Render("label ")+st.key.Render("↑↓ a e d"), w))
	if m.labels.editing {
		lines = append(lines, fitLine(m.labels.input.View(w), w))
	}
	// The labels around the selected one, in the room the rest leaves.
	order := m.labels.order()
	room := min(max(h-len(lines)-len(rest), 1), len(order))
	top := min(max(m.labels.row()-room/2, 0), len(order)-room)
	for _, i := range order[top : top+room] {
		line := "  " + m.labels.items[i].text
		if i == m.labels.sel {
			line = st.selected.Render(fitLine("▸ "+m.labels.items[i].text, w))
		}
		lines = append(lines, fitLine(line, w))
	}
	lines = append(lines, rest...)
	if len(lines) > h && h > 0 {
		lines = append(lines[:h-1], fitLine(st.warn.Render(fmt.Sprintf("… %d more lines: s saves them", len(lines)-h+1)), w))
	}
	return lines
}

// insideSavedMsg reports a text tower save.
type insideSavedMsg struct {
	path string
	err  error
}

// textExport is what s writes in the text tower mode.
type textExport struct {
	Image     string              `json:"image"`
	Model     string              `json:"model"`
	Numbering string              `json:"numbering"`
	Label     string              `json:"label"`
	Prompt    string              `json:"prompt"`
	IDs       []int               `json:"input_ids"`
	Tokens    []string            `json:"tokens"`
	EOS       int                 `json:"eos_position"`
	Length    int                 `json:"length"`
	Attention [][][]viz.JSONFloat `json:"pooled_attention"`
	About     string              `json:"pooled_attention_is"`
	Words     inspect.WordsJSON   `json:"word_deletion"`
	Lints     []inspect.Lint      `json:"lints"`
}

// exportText writes the selected label's text tower numbers as JSON.
func (p *insidePage) exportText(m *Model) tea.Cmd {
	r := p.textResult(m)
	if r == nil || r.err != nil || m.exporting {
		m.setMessage("nothing to save yet: wait until the text tower shows", true)
		return nil
	}
	v := r.view
	out := textExport{Image: m.sh.cfg.ImageName, Model: m.sh.cfg.ModelName, Numbering: inspect.Numbering, Label: v.Label, Prompt: v.Prompt,
		IDs: v.IDs, Tokens: v.Pieces, EOS: v.EOS, Length: v.Length, Words: r.words.JSON(), Lints: append([]inspect.Lint{}, v.Lints...),
		About: "[layer][head][token]: the attention of the last position, which the text head pools, over every position; layer and head i are block and head i+1"}
	for l := 1; l <= v.Layers; l++ {
		var heads [][]viz.JSONFloat
		for h := range v.Heads {
			row := v.HeadAttention(l, h)
			js := make([]viz.JSONFloat, len(row))
			for i, x := range row {
				js[i] = viz.JSONFloat(x)
			}
			heads = append(heads, js)
		}
		out.Attention = append(out.Attention, heads)
	}
	m.exporting = true
	m.setMessage("saving…", false)
	base := strings.TrimSuffix(filepath.Base(m.sh.cfg.ImageName), filepath.Ext(m.sh.cfg.ImageName))
	dir := m.sh.cfg.ExportDir
	return func() tea.Msg {
		path := inspect.FreeName(dir, cmp.Or(base, "image")+".text", ".json") + ".json"
		err := outfile.Write(path, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		})
		return insideSavedMsg{path: path, err: err}
	}
}
