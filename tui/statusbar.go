package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// statusLine says what runs: model, variant, sizes.
func (m *Model) statusLine(w int) string {
	st := &m.sh.styles
	var parts []string
	prefix := ""
	if m.sh.cfg.Demo {
		prefix = st.demo.Render(" toy model ") + " "
	} else {
		parts = append(parts, modelLabel(m.sh.cfg.ModelName))
	}
	if m.model != nil {
		parts = append(parts, m.model.Config.Variant.String(), backendLabel(m.model.Backend().Name()))
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

// backendLabel is the backend's short name for the status line ("cpu",
// "cuda"), with its arithmetic when that is not float32 ("cpu bf16", "cuda
// TF32"), so a reader knows the numbers come from a reduced precision.
func backendLabel(name string) string {
	short, detail, _ := strings.Cut(name, " (")
	for _, mode := range []string{"bf16", "TF32"} {
		for _, part := range strings.Split(strings.TrimSuffix(detail, ")"), ", ") {
			if part == mode {
				short += " " + mode
			}
		}
	}
	return short
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
	if p := m.page(); p != nil {
		return fitLine(st.value.Render(p.Info(m)), w)
	}
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
	if m.maps.cur != nil && m.maps.cur.PCA == nil && !m.labels.editing {
		if rest := w - lipWidth(line) - 1; rest >= 8 {
			return line + " " + viz.ColorBarLine(m.disp.cmap, m.maps.cur.Range, rest, m.sh.mode)
		}
	}
	return fitLine(st.value.Render(line), w)
}

// modelLabel shortens a model folder to its last two path elements.
func modelLabel(name string) string {
	if strings.Count(name, string(filepath.Separator)) > 1 {
		return filepath.Join(filepath.Base(filepath.Dir(name)), filepath.Base(name))
	}
	return name
}
