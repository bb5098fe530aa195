package tui

import (
	"fmt"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// Everything slow runs in these commands, off the UI loop; each returns a
// message that Update folds into the model's state.

type imageMsg struct {
	img *preprocess.Image
	dur time.Duration
	err error
}

type modelMsg struct {
	model *engine.Model
	dur   time.Duration
	err   error
}

type preparedMsg struct {
	prepared *engine.PreparedImage
	dur      time.Duration
	err      error
}

type visionMsg struct {
	out *engine.VisionOutput
	dur time.Duration
	err error
}

type labelsMsg struct {
	gen    int
	labels []engine.Label
	scores []engine.Score
	dur    time.Duration
	err    error
}

type mapMsg struct {
	key inspect.MapKey
	m   *inspect.Map
	err error
}

type exportMsg struct {
	png, json string
	err       error
}

func loadImageCmd(cfg *Config) tea.Cmd {
	return func() tea.Msg {
		start := cfg.now()
		img, err := cfg.LoadImage()
		return imageMsg{img: img, dur: cfg.now().Sub(start), err: err}
	}
}

func loadModelCmd(cfg *Config) tea.Cmd {
	return func() tea.Msg {
		start := cfg.now()
		m, err := cfg.LoadModel()
		return modelMsg{model: m, dur: cfg.now().Sub(start), err: err}
	}
}

func prepareCmd(cfg *Config, m *engine.Model, img *preprocess.Image) tea.Cmd {
	return func() tea.Msg {
		start := cfg.now()
		p, err := m.Prepare(img, cfg.MaxPatches)
		return preparedMsg{prepared: p, dur: cfg.now().Sub(start), err: err}
	}
}

func visionCmd(cfg *Config, m *engine.Model, p *engine.PreparedImage) tea.Cmd {
	return func() tea.Msg {
		start := cfg.now()
		out, err := m.EncodeImages(cfg.ctx(), []engine.VisionInput{p.Input}, true)
		if err == nil {
			// A NaN or infinity is shown as what it is: where it first appeared.
			if err = m.CheckVision(cfg.ctx(), []engine.VisionInput{p.Input}, out); err != nil && out.Internals != nil {
				out.Internals.Release()
			}
		}
		return visionMsg{out: out, dur: cfg.now().Sub(start), err: err}
	}
}

// labelsCmd encodes the labels (the engine caches prompts, so only new ones
// run through the text tower) and scores them against the image.
func labelsCmd(cfg *Config, m *engine.Model, a *engine.Analysis, texts []string, gen int) tea.Cmd {
	return func() tea.Msg {
		start := cfg.now()
		labels, _, err := m.EncodeLabels(cfg.ctx(), texts, cfg.Prompt)
		if err != nil {
			return labelsMsg{gen: gen, err: err}
		}
		scores, err := m.ScoreLabels(a.ImageEmbedding(), labels)
		return labelsMsg{gen: gen, labels: labels, scores: scores, dur: cfg.now().Sub(start), err: err}
	}
}

func computeMapCmd(maps *inspect.Maps, r inspect.MapRequest) tea.Cmd {
	return func() tea.Msg {
		m, err := maps.Compute(r)
		return mapMsg{key: r.Key(), m: m, err: err}
	}
}

// savedMessage names saved files briefly, so the line fits: the PNG's
// name, the JSON's extension, and the folder when it is not the current
// one.
func savedMessage(png, json string) string {
	s := "saved " + filepath.Base(png) + " + " + filepath.Ext(json)
	if dir := filepath.Dir(png); dir != "." {
		s += " in " + dir
	}
	return s
}

func exportCmd(e *inspect.Export, dir, base string) tea.Cmd {
	return func() tea.Msg {
		path := inspect.FreeName(dir, base, ".png", ".json")
		png, js := path+".png", path+".json"
		if err := e.Write(png, js); err != nil {
			return exportMsg{err: fmt.Errorf("save: %w", err)}
		}
		return exportMsg{png: png, json: js}
	}
}
