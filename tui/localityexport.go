package tui

import (
	"fmt"
	"image"
	"io"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
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
	if !saving(&m.exporting, m.setMessage) {
		return nil
	}
	cm, img := m.disp.cmap, m.pic
	rows, cols := m.grid()
	title := []string{
		fmt.Sprintf("Dense-feature locality of %s - %s", filepath.Base(m.sh.cfg.ImageName), inspect.ASCIIText(m.sh.cfg.ModelName)),
		fmt.Sprintf("%d x %d patch grid, %d patches; %s", rows, cols, rows*cols, inspect.ASCIIText(m.model.Config.Variant.String())),
	}
	meta := map[string]any{"image": m.sh.cfg.ImageName, "model": m.sh.cfg.ModelName, "variant": m.model.Config.Variant.String()}
	base := fmt.Sprintf("%s.locality.L%d", imageBase(m.sh.cfg.ImageName), level)
	return tea.Batch(saveCmd(m.sh.cfg.ExportDir, base,
		func() (image.Image, error) { return inspect.LocalityPicture(r, level, cm, title, img) },
		func(w io.Writer) error { return r.WriteJSON(w, meta) }), m.spinner.Tick)
}
