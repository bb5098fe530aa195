package tui

import (
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"io"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// localityExport saves the charts of the current level as PNG and the
// report as JSON, off the UI loop.
func (m *Model) localityExport() tea.Cmd {
	r := m.loc.report
	level := m.locLevel()
	if r == nil || !r.Complete() {
		m.setMessage("the locality numbers are still being computed: press s again when they are done", true)
		return nil
	}
	if m.exporting {
		m.setMessage("still saving the previous view…", false)
		return nil
	}
	m.exporting = true
	m.setMessage("saving…", false)
	cm, img := m.disp.cmap, m.pic
	rows, cols := m.grid()
	title := []string{
		fmt.Sprintf("Dense-feature locality of %s - %s", filepath.Base(m.sh.cfg.ImageName), inspect.ASCIIText(m.sh.cfg.ModelName)),
		fmt.Sprintf("%d x %d patch grid, %d patches; %s", rows, cols, rows*cols, inspect.ASCIIText(m.model.Config.Variant.String())),
	}
	meta := map[string]any{"image": m.sh.cfg.ImageName, "model": m.sh.cfg.ModelName, "variant": m.model.Config.Variant.String()}
	base := strings.TrimSuffix(filepath.Base(m.sh.cfg.ImageName), filepath.Ext(m.sh.cfg.ImageName))
	if base == "" || base == "." {
		base = "image"
	}
	base = fmt.Sprintf("%s.locality.L%d", base, level)
	dir := m.sh.cfg.ExportDir
	return tea.Batch(func() tea.Msg {
		path := inspect.FreeName(dir, base, ".png", ".json")
		png, js := path+".png", path+".json"
		pic, err := inspect.LocalityPicture(r, level, cm, title, img)
		if err == nil {
			err = outfile.Write(png, func(w io.Writer) error { return viz.WritePNG(w, pic) })
		}
		if err == nil {
			err = outfile.Write(js, func(w io.Writer) error { return r.WriteJSON(w, meta) })
		}
		if err != nil {
			return exportMsg{err: fmt.Errorf("save: %w", err)}
		}
		return exportMsg{png: png, json: js}
	}, m.spinner.Tick)
}
