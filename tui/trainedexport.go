package tui

import (
	"fmt"
	"image"
	"io"
	"path/filepath"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// trainedExport saves what the Trained view's mode shows, at its level, as
// a PNG and its numbers as JSON, off the UI loop (save.go's way).
func (m *Model) trainedExport() tea.Cmd {
	p := m.trained()
	if m.analysis == nil || !p.started {
		m.setMessage("nothing to save yet: wait until the image is analysed", true)
		return nil
	}
	level := p.level(m)
	cfg := &m.sh.cfg
	base := imageBase(cfg.ImageName)
	title := []string{fmt.Sprintf("%s - %s", filepath.Base(cfg.ImageName), inspect.ASCIIText(cfg.ModelName))}
	meta := map[string]any{"image": cfg.ImageName, "model": cfg.ModelName, "variant": m.model.Config.Variant.String(), "demo": cfg.Demo}
	cmap := m.disp.cmap
	var draw func() (image.Image, error)
	var write func(io.Writer) error
	switch p.mode {
	case tGlobalLocal:
		r := p.gl
		if r == nil || r.Box != p.box {
			m.setMessage("the crop is still being measured: press s again when its numbers show", true)
			return nil
		}
		pic := m.pic
		draw = func() (image.Image, error) { return inspect.GlobalLocalPicture(r, pic, level, cmap, title) }
		write = func(w io.Writer) error { return r.WriteJSON(w, meta) }
		base += fmt.Sprintf(".globallocal.L%d.crop%d-%d-%d-%d", level, r.Box.X0, r.Box.Y0, r.Box.X1, r.Box.Y1)
	case tContext:
		r := p.cx
		if r == nil || !slices.Equal(r.Dropped, p.drop) {
			m.setMessage("the masked image is still being measured: press s again when its numbers show", true)
			return nil
		}
		meta["chosen"] = p.dropRule()
		pic := m.pic
		draw = func() (image.Image, error) { return inspect.ContextPicture(r, pic, level, cmap, title) }
		write = func(w io.Writer) error { return r.WriteJSON(w, meta) }
		base += fmt.Sprintf(".context.L%d.drop%d", level, len(r.Dropped))
	case tCorrespond:
		if p.co == nil {
			m.setMessage("nothing to save: the correspondence needs a second image (explore --pair IMAGE_B) and its numbers", true)
			return nil
		}
		r, patch, a, b := p.co[level], m.patch, m.pic, p.pairPic
		meta["image_a"], meta["image_b"] = cfg.ImageName, cfg.PairName
		delete(meta, "image")
		title := []string{fmt.Sprintf("A: %s, B: %s - %s", filepath.Base(cfg.ImageName), filepath.Base(cfg.PairName), inspect.ASCIIText(cfg.ModelName))}
		draw = func() (image.Image, error) { return inspect.CorrespondPicture(r, a, b, patch, cmap, title) }
		write = func(w io.Writer) error { return r.WriteJSON(w, patch, meta) }
		base += fmt.Sprintf(".correspond.%s.L%d.r%dc%d", imageBase(cfg.PairName), level, patch.Row, patch.Col)
	default:
		m.setMessage("leave the lesson (esc) to save a mode: s saves what it shows", false)
		return nil
	}
	if !saving(&m.exporting, m.setMessage) {
		return nil
	}
	return tea.Batch(saveCmd(cfg.ExportDir, base, draw, write), m.spinner.Tick)
}
