package tui

import (
	"errors"
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
)

// RunCompare shows the compare screen on the terminal out until the user
// quits, then frees what it captured and closes the models. It returns the
// first loading error (the screen has shown it already).
func RunCompare(cfg CompareConfig, out *os.File) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	m := NewCompare(cfg)
	final, err := tea.NewProgram(m, tea.WithContext(cfg.ctx()), tea.WithColorProfile(profileFor(cfg.ColorMode)), tea.WithOutput(out)).Run()
	fm, _ := final.(*CompareModel)
	if fm == nil {
		fm = m
	}
	fm.release()
	models, loadErr := fm.Result()
	for _, model := range models {
		model.Close()
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && cfg.ctx().Err() == nil {
		return fmt.Errorf("terminal: %w", err)
	}
	return loadErr
}
