package tui

import (
	"fmt"
	"image"
	"io"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// whyExport saves the part on screen as PNG and its numbers as JSON (the
// probe command's shapes), off the UI loop.
func (m *Model) whyExport() tea.Cmd {
	p := m.why
	if p.probe == nil {
		m.setMessage("nothing to save yet: "+p.waiting(m), true)
		return nil
	}
	var (
		ready   bool
		what    string
		picture func() (image.Image, error)
		report  any
	)
	meta := inspect.ProbeMeta{Model: m.sh.cfg.ModelName, Image: m.sh.cfg.ImageName}
	label, model, img, disp := p.probe.Label(), m.sh.cfg.ModelName, m.pic, m.disp.display
	switch p.part {
	case whyHeads:
		h := p.heads
		ready, what = h != nil && h.Complete(), "heads"
		if ready {
			report = p.probe.HeadsReport(h, meta)
			picture = func() (image.Image, error) { return inspect.HeadsTable(h, label).Draw(28, 18), nil }
		}
	case whyCurves:
		cs := p.curves
		ready, what = cs != nil && cs.Complete(), "curves"
		if ready {
			report = p.probe.CurvesReport(cs, meta)
			picture = func() (image.Image, error) { return inspect.CurvesPicture(cs, label) }
		}
	default:
		o := p.occ
		ready, what = o.Complete(), "occlusion"
		if ready {
			report = p.probe.OcclusionReport(o, meta)
			picture = func() (image.Image, error) { return inspect.OcclusionPicture(img, o, disp, label, model) }
		}
	}
	if !ready {
		m.setMessage(fmt.Sprintf("the %s probes are still running: press s again when they are done", what), true)
		return nil
	}
	if !saving(&m.exporting, m.setMessage) {
		return nil
	}
	return tea.Batch(saveCmd(m.sh.cfg.ExportDir, imageBase(m.sh.cfg.ImageName)+".why."+what, picture,
		func(w io.Writer) error { return inspect.WriteJSON(w, report) }), m.spinner.Tick)
}
