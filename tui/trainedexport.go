package tui

import (
	"fmt"
	"image"
	"io"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// trainedExport saves what the Trained view's mode shows, at its level, as
// a PNG and its numbers as JSON, off the UI loop.
func (m *Model) trainedExport() tea.Cmd {
	p := m.trained()
	if m.exporting {
		m.setMessage("still saving the previous view…", false)
		return nil
	}
	if m.analysis == nil || !p.started {
		m.setMessage("nothing to save yet: wait until the image is analysed", true)
		return nil
	}
	level := p.level(m)
	cfg := &m.sh.cfg
	base := strings.TrimSuffix(filepath.Base(cfg.ImageName), filepath.Ext(cfg.ImageName))
	if base == "" || base == "." {
		base = "image"
	}
	title := []string{fmt.Sprintf("%s - %s", filepath.Base(cfg.ImageName), inspect.ASCIIText(cfg.ModelName))}
	meta := map[string]any{"image": cfg.ImageName, "model": cfg.ModelName, "variant": m.model.Config.Variant.String(), "demo": cfg.Demo}
	cmap := m.disp.cmap
	var draw func() (*image.NRGBA, error)
	var write func(io.Writer) error
	switch p.mode {
	case tGlobalLocal:
		r := p.gl
		if r == nil || r.Box != p.box {
			m.setMessage("the crop is still being measured: press s again when its numbers show", true)
			return nil
		}
		pic := m.pic
		draw = func() (*image.NRGBA, error) { return inspect.GlobalLocalPicture(r, pic, level, cmap, title) }
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
		draw = func() (*image.NRGBA, error) { return inspect.ContextPicture(r, pic, level, cmap, title) }
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
		draw = func() (*image.NRGBA, error) {
			return inspect.CorrespondPicture(r, a, b, patch, cmap, []string{fmt.Sprintf("A: %s, B: %s - %s", filepath.Base(cfg.ImageName), filepath.Base(cfg.PairName), inspect.ASCIIText(cfg.ModelName))})
		}
		write = func(w io.Writer) error { return r.WriteJSON(w, patch, meta) }
		pb := strings.TrimSuffix(filepath.Base(cfg.PairName), filepath.Ext(cfg.PairName))
		base += fmt.Sprintf(".correspond.%s.L%d.r%dc%d", pb, level, patch.Row, patch.Col)
	default:
		m.setMessage("leave the lesson (esc) to save a mode: s saves what it shows", false)
		return nil
	}
	m.exporting = true
	m.setMessage("saving…", false)
	dir := cfg.ExportDir
	return tea.Batch(func() tea.Msg {
		path := inspect.FreeName(dir, base, ".png", ".json")
		png, js := path+".png", path+".json"
		pic, err := draw()
		if err == nil {
			err = outfile.Write(png, func(w io.Writer) error { return viz.WritePNG(w, pic) })
		}
		if err == nil {
			err = outfile.Write(js, write)
		}
		if err != nil {
			return exportMsg{err: fmt.Errorf("save: %w", err)}
		}
		return exportMsg{png: png, json: js}
	}, m.spinner.Tick)
}
