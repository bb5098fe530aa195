package tui

import (
	"errors"
	"fmt"
	"image"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Run shows the explorer on the terminal out until the user quits. It
// returns the first loading error (the screen has shown it already), so
// the caller can exit with a failure status.
func Run(cfg Config, out *os.File) error {
	if cfg.CellPixels == (zeroPoint) {
		cfg.CellPixels = CellPixels(out)
	}
	if cfg.CellSize == nil {
		cfg.CellSize = func() image.Point { return CellPixels(out) }
	}
	m := New(cfg)
	opts := []tea.ProgramOption{tea.WithContext(cfg.ctx()), tea.WithColorProfile(profileFor(cfg.ColorMode))}
	var painter *Painter
	if cfg.Graphics != viz.ProtocolNone || cfg.AskSixel {
		painter = NewPainter(out, cfg.Graphics)
		m.SetGraphicsSink(painter)
		opts = append(opts, tea.WithOutput(painter))
	} else {
		opts = append(opts, tea.WithOutput(out))
	}
	final, err := tea.NewProgram(m, opts...).Run()
	if painter != nil {
		painter.Close()
	}
	fm, _ := final.(*Model)
	if fm == nil {
		fm = m
	}
	model, loadErr := fm.Result()
	if model != nil {
		if fm.analysis != nil {
			fm.analysis.Release()
		}
		model.Close()
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && cfg.ctx().Err() == nil {
		return fmt.Errorf("terminal: %w", err)
	}
	return loadErr
}

// profileFor tells Bubble Tea's renderer the colour mode the explorer
// draws in, so both agree on what reaches the terminal.
func profileFor(mode viz.ColorMode) colorprofile.Profile {
	switch mode {
	case viz.NoColor:
		return colorprofile.Ascii
	case viz.ANSI256:
		return colorprofile.ANSI256
	}
	return colorprofile.TrueColor
}
