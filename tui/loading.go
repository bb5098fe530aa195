package tui

import (
	"fmt"
	"strings"
	"time"
)

// stageID names one step of getting from files to captured internals.
type stageID int

const (
	stageDecode stageID = iota
	stageWeights
	stagePreprocess
	stageVision
	stageText
	numStages
)

var stageNames = [numStages]string{"decoding image", "loading weights", "preprocessing", "vision tower", "text tower (labels)"}

// stageShort are the names the status line uses for timings.
var stageShort = [numStages]string{"decode", "weights", "prep", "vision", "text"}

type stageState int

const (
	stageWaiting stageState = iota
	stageRunning
	stageDone
	stageFailed
	stageSkipped
)

type stage struct {
	state stageState
	dur   time.Duration
	err   error
}

// progress is the loading progress: one state per stage.
type progress struct {
	stages [numStages]stage
}

func (p *progress) start(id stageID) { p.stages[id] = stage{state: stageRunning} }

func (p *progress) finish(id stageID, d time.Duration, err error) {
	if err != nil {
		p.stages[id] = stage{state: stageFailed, err: err}
		return
	}
	p.stages[id] = stage{state: stageDone, dur: d}
}

// busy tells whether any stage is running.
func (p *progress) busy() bool {
	for _, s := range p.stages {
		if s.state == stageRunning {
			return true
		}
	}
	return false
}

// failure returns the first failed stage's error.
func (p *progress) failure() (stageID, error) {
	for i, s := range p.stages {
		if s.state == stageFailed {
			return stageID(i), s.err
		}
	}
	return 0, nil
}

// running names the first running stage ("" when none).
func (p *progress) running() string {
	for i, s := range p.stages {
		if s.state == stageRunning {
			return stageNames[i]
		}
	}
	return ""
}

// lines draws the stage list, one line per stage, spin being the spinner's
// current frame.
func (p *progress) lines(st *styles, spin string, width int) []string {
	var out []string
	for i, s := range p.stages {
		var mark, tail string
		switch s.state {
		case stageWaiting:
			mark, tail = st.faint.Render("·"), ""
		case stageRunning:
			mark, tail = spin, st.faint.Render("…")
		case stageDone:
			mark, tail = st.ok.Render("✓"), formatDuration(s.dur)
		case stageFailed:
			mark, tail = st.err.Render("✗"), st.err.Render("failed")
		case stageSkipped:
			mark, tail = st.faint.Render("-"), st.faint.Render("skipped")
		}
		out = append(out, fitLine(fmt.Sprintf("%s %-20s %s", mark, stageNames[i], tail), width))
	}
	return out
}

// timings is the status line's "decode 3ms · weights 1.2s · …" for the
// stages that ran.
func (p *progress) timings() string {
	var parts []string
	for i, s := range p.stages {
		if s.state == stageDone {
			parts = append(parts, stageShort[i]+" "+formatDuration(s.dur))
		}
	}
	return strings.Join(parts, " · ")
}

// formatDuration prints a stage time to two or three significant digits.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
