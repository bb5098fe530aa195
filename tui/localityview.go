package tui

import (
	"charm.land/bubbles/v2/key"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The locality view (5): similarity versus distance at the chosen layer,
// the layer × distance table, the map of each patch's neighbour-minus-far
// contrast over the image, and the lesson. Its numbers come from a
// LocalityJob started the first time the view opens and run step by step
// off the UI loop; each step's result comes back as a localityMsg.

// locMode is what the locality view shows.
type locMode int

const (
	locCurve locMode = iota
	locTable
	locMap
	locLesson
	numLocModes
)

var locModeNames = [numLocModes]string{"curve", "layer table", "patch map", "lesson"}

// localityPage is the locality view (a page): its job, its report and
// what the user chose in it. Its drawing and keys are the explorer's
// locality* methods, which read it as m.loc.
type localityPage struct {
	job     *inspect.LocalityJob
	report  *inspect.LocalityReport
	running bool
	err     error
	mode    locMode
	lesson  lessonPager
}

type localityMsg struct {
	job  *inspect.LocalityJob
	step inspect.LocalityStep
	err  error
}

func localityStepCmd(ctx context.Context, j *inspect.LocalityJob, i int) tea.Cmd {
	return func() tea.Msg {
		st, err := j.Run(ctx, i)
		if err != nil {
			err = fmt.Errorf("locality, %s: %w", j.StepName(i), err)
		}
		return localityMsg{job: j, step: st, err: err}
	}
}

// Sync starts the job once the view is open and the image analysed.
func (p *localityPage) Sync(m *Model) tea.Cmd { return m.localitySync() }

// Update takes a finished step of the job.
func (p *localityPage) Update(m *Model, msg tea.Msg) (bool, tea.Cmd) {
	if msg, ok := msg.(localityMsg); ok {
		return true, m.localityStep(msg)
	}
	return false, nil
}

// Key handles the keys that mean something else in the locality view.
func (p *localityPage) Key(m *Model, k tea.KeyPressMsg) (bool, tea.Cmd) { return m.localityKey(k) }

// Lines draws the view's body.
func (p *localityPage) Lines(m *Model, w, h int, compact bool) []string {
	return m.localityLines(w, h, compact)
}

// Info is the view's one line on small screens.
func (p *localityPage) Info(m *Model) string { return m.localityInfo() }

// KeyHelp is the view's part of the help screen.
func (p *localityPage) KeyHelp(m *Model) helpSection { return m.localityKeyHelp() }

// Busy tells whether the job is running.
func (p *localityPage) Busy() bool { return p.running }

// localitySync starts the job once the view is open and the image
// analysed.
func (m *Model) localitySync() tea.Cmd {
	s := m.loc
	if m.view != viewLocality || m.analysis == nil || s.job != nil || s.err != nil {
		return nil
	}
	s.job, s.report = inspect.NewLocalityJob(m.analysis)
	s.running = true
	return tea.Batch(localityStepCmd(m.sh.cfg.ctx(), s.job, 0), m.spinner.Tick)
}

// localityStep folds a finished step in and starts the next.
func (m *Model) localityStep(msg localityMsg) tea.Cmd {
	s := m.loc
	if msg.job != s.job {
		return nil
	}
	if msg.err != nil {
		s.err, s.running = msg.err, false
		s.job.Release()
		return nil
	}
	s.report.Apply(msg.step)
	if s.report.Complete() {
		s.running = false
		return nil
	}
	return localityStepCmd(m.sh.cfg.ctx(), s.job, msg.step.Index+1)
}

// localityKey handles the keys that mean something else in the locality
// view; handled is false for the rest.
func (m *Model) localityKey(k tea.KeyPressMsg) (handled bool, cmd tea.Cmd) {
	keys := &m.sh.keys
	s := m.loc
	if s.mode == locLesson {
		if handled, closed := s.lesson.key(keys, k); handled {
			if closed {
				s.mode = locCurve
			}
			return true, nil
		}
	}
	switch {
	case keyMatches(k, keys.LocalityMode):
		s.mode = (s.mode + 1) % numLocModes
		return true, nil
	case keyMatches(k, keys.LessonNext):
		s.mode = locLesson
		s.lesson.open()
		return true, nil
	case keyMatches(k, keys.Up), keyMatches(k, keys.Down), keyMatches(k, keys.Left), keyMatches(k, keys.Right):
		return true, nil // no cursor here
	case keyMatches(k, keys.Export):
		return true, m.localityExport()
	}
	return false, nil
}

// localityKeyHelp is the locality view's part of the help screen.
func (m *Model) localityKeyHelp() helpSection {
	k := m.sh.keys
	return helpSection{"Locality view", 1, []key.Binding{k.LocalityMode, k.LessonNext, k.LessonPrev, k.LessonClose}}
}

// contrastMapLines draws the chosen level's neighbour-minus-far contrast
// over the image, with its colour bar: the locality index patch by patch.
func (m *Model) contrastMapLines(w, h int) []string {
	st := &m.sh.styles
	lv := m.loc.report.Levels[m.locLevel()]
	lines := []string{fitLine(st.title.Render("Neighbours − far, patch by patch")+st.faint.Render(" · "+lv.Name), w)}
	rows, cols := m.grid()
	if lv == nil || lv.Contrast == nil || rows == 0 {
		return fitLines(lines, w, h)
	}
	vals := lv.Contrast
	cm := &inspect.Map{Grid: viz.Grid{H: rows, W: cols, Values: vals}, Range: viz.MinMax(vals)}
	m.locPane.sh = m.sh
	m.locPane.SetImage(m.pic)
	m.locPane.SetArea(0, 0, w, max(h-3, 1))
	d := m.disp
	if d.display == viz.DisplayImage || d.display == viz.DisplaySide {
		d.display = viz.DisplayMap
	}
	lines = append(lines, m.locPane.Lines(cm, rows, cols, nil, d, false)...)
	lines = append(lines, viz.ColorBarLine(d.cmap, cm.Range, min(w, 48), m.sh.mode))
	lines = append(lines, fitLine(st.faint.Render("bright: more like its neighbours than the far patches"), w))
	return lines
}

// locLevel is the level the view shows.
func (m *Model) locLevel() int { return m.levelFor(inspect.MapSimilarity) }

// localityLines draws the view's body: w × h cells.
func (m *Model) localityLines(w, h int, compact bool) []string {
	s := m.loc
	st := &m.sh.styles
	if s.err != nil {
		return errorLines(st, "locality failed:", s.err, w, h)
	}
	r := s.report
	if r == nil || r.Levels[m.locLevel()] == nil && s.mode != locLesson || s.mode == locLesson && !r.Complete() {
		msg := m.spinner.View() + " " + m.localityProgress()
		if m.analysis == nil {
			msg = m.spinner.View() + " waiting for the vision tower…"
		}
		lines := fitLines(nil, w, h)
		if h > 0 {
			lines[h/2] = center(msg, w)
		}
		return lines
	}
	if s.mode == locLesson {
		return m.lessonLines(w, h, compact)
	}
	var left []string
	leftW, sideW := w, 0
	if !compact {
		sideW = min(max(w/3, 30), 48)
		leftW = w - sideW - 1
	}
	switch s.mode {
	case locTable:
		left = m.heatTableLines(leftW, h)
	case locMap:
		left = m.contrastMapLines(leftW, h)
	default:
		left = m.curveLines(m.locLevel(), leftW, h, !compact)
	}
	if compact {
		return fitLines(left, w, h)
	}
	side := fitLines(m.localitySide(sideW, h), sideW, h)
	left = fitLines(left, leftW, h)
	out := make([]string, h)
	for i := range out {
		out[i] = left[i] + " " + side[i]
	}
	return out
}

// localityProgress says how far the job is.
func (m *Model) localityProgress() string {
	s := m.loc
	if s.report == nil || s.job == nil {
		return "starting…"
	}
	if s.report.Complete() {
		return "done"
	}
	return fmt.Sprintf("computing %s (%d of %d)…", s.job.StepName(s.report.Done), s.report.Done+1, s.report.Steps)
}

// locSeriesStyles are the chart's styles: axis, labels, then per series
// its line and its band (positions, mirror, image).
func (m *Model) locSeriesStyles() map[int]lipgloss.Style {
	st := &m.sh.styles
	colour := func(c string) lipgloss.Style { return lipgloss.NewStyle().Foreground(lipgloss.Color(c)) }
	styles := map[int]lipgloss.Style{
		viz.ChartAxis:  st.faint,
		viz.ChartLabel: st.faint,
	}
	series := []string{"#bd93f9", "#50fa7b"} // positions, image
	for k, c := range series {
		line, band := colour(c), colour(c).Faint(true)
		if m.sh.mode == viz.NoColor {
			line, band = lipgloss.NewStyle(), st.faint
		}
		if k == 1 {
			line = line.Bold(true)
		}
		styles[viz.ChartSeriesLine+2*k] = line
		styles[viz.ChartSeriesBand+2*k] = band
	}
	return styles
}

// curveLines draws the chart of one level with a title and a legend.
func (m *Model) curveLines(level, w, h int, titled bool) []string {
	st := &m.sh.styles
	r := m.loc.report
	var lines []string
	if titled {
		lv := r.Levels[level]
		lines = append(lines, fitLine(st.title.Render("Similarity vs distance")+st.faint.Render(" · "+lv.Name), w))
	}
	styles := m.locSeriesStyles()
	legend := styles[viz.ChartSeriesLine+2].Render("● image mean") + " " + styles[viz.ChartSeriesBand+2].Render("░ ±std") + "  " +
		styles[viz.ChartSeriesLine].Render("× position embeddings")
	lines = append(lines, fitLine(legend, w))
	ch := h - len(lines) - 1
	if ch < 5 {
		return fitLines(lines, w, h)
	}
	tc := inspect.LocalityChart(r, level).Text(w, ch)
	for y := range tc.H {
		lines = append(lines, styleChartRow(tc, y, styles))
	}
	lines = append(lines, fitLine(st.faint.Render(center("distance (patch units)", w)), w))
	return lines
}

// styleChartRow renders row y of a text chart with a style per class.
func styleChartRow(tc viz.TextChart, y int, styles map[int]lipgloss.Style) string {
	var b strings.Builder
	x := 0
	for x < tc.W {
		cl := tc.Class[y*tc.W+x]
		end := x
		for end < tc.W && tc.Class[y*tc.W+end] == cl {
			end++
		}
		run := string(tc.Runes[y*tc.W+x : y*tc.W+end])
		if s, ok := styles[cl]; ok && cl != viz.ChartEmpty {
			b.WriteString(s.Render(run))
		} else {
			b.WriteString(run)
		}
		x = end
	}
	return b.String()
}

// heatTableLines draws the layer × distance table: one row per level (and
// the position embeddings), one column per distance bin, coloured by the
// mean similarity.
func (m *Model) heatTableLines(w, h int) []string {
	st := &m.sh.styles
	r := m.loc.report
	bins := r.Bins() - 1 // distance 1…
	const labelW = 5
	cellW := 2
	if labelW+bins*2 > w {
		cellW = 1
	}
	shown := min(bins, max((w-labelW)/cellW, 0))
	rng := inspect.HeatRange(r)
	cmap := m.disp.cmap
	if m.sh.mode == viz.NoColor {
		cmap = viz.Grey
	}
	row := func(label string, c viz.DistanceCurve, sel bool) string {
		vals := make([]float64, shown)
		for b := range vals {
			vals[b] = math.NaN()
			if b+1 < c.Bins() {
				vals[b] = c.Mean[b+1]
			}
		}
		mark := " "
		if sel {
			mark = "▸"
		}
		return fitLine(st.value.Render(mark)+fmt.Sprintf("%3s ", label)+viz.HeatRowLine(vals, cmap, rng, cellW, m.sh.mode), w)
	}
	lines := []string{fitLine(st.title.Render("Mean similarity")+st.faint.Render(" · rows: layers, columns: distance"), w)}
	levels := len(r.Levels)
	room := h - 4
	top := 0
	if levels+1 > room {
		top = min(max(m.locLevel()-room/2, 0), levels+1-room)
	}
	for l := top; l < levels && len(lines) < 1+room; l++ {
		if lv := r.Levels[l]; lv != nil {
			name := "L" + strconv.Itoa(l)
			if l == levels-1 {
				name = "out"
			}
			lines = append(lines, row(name, lv.Curve, l == m.locLevel()))
		}
	}
	if r.HasPositions && len(lines) < 1+room {
		lines = append(lines, row("pos", r.PositionCurve, false))
	}
	// Distance labels under the columns, every 5 bins.
	axis := []rune(strings.Repeat(" ", labelW+shown*cellW))
	for b := 1; b <= shown; b++ {
		if b == 1 || b%5 == 0 {
			s := strconv.Itoa(b)
			x := labelW + (b-1)*cellW
			for i, ch := range s {
				if x+i < len(axis) {
					axis[x+i] = ch
				}
			}
		}
	}
	lines = append(lines, fitLine(st.faint.Render(string(axis)), w), fitLine(st.faint.Render("     distance (patch units) →"), w))
	lines = append(lines, viz.ColorBarLine(cmap, rng, min(w, 40), m.sh.mode))
	return lines
}

// localitySide is the panel beside the chart: the index of every level and
// the selected level's details.
func (m *Model) localitySide(w, h int) []string {
	st := &m.sh.styles
	r := m.loc.report
	var lines []string
	add := func(s ...string) { lines = append(lines, s...) }
	if m.sh.cfg.Demo {
		add(st.demo.Render(fitLine("toy model", w)))
	}
	add(fitLine(st.title.Render("Locality")+" "+st.faint.Render(locModeNames[m.loc.mode])+"  "+st.key.Render("v n"), w))
	add(fitLine(st.faint.Render("of ")+filepath.Base(m.sh.cfg.ImageName), w))
	add(fitLine(st.faint.Render("index = near − far"), w))
	add(fitLine(st.faint.Render(fmt.Sprintf("near: neighbours, far ≥%d apart", viz.FarDistance)), w))
	add(fitLine(st.faint.Render("c−p: same content − same place"), w))
	add(fitLine(st.faint.Render(" lvl  near   far  index   c−p"), w))
	levels := len(r.Levels)
	room := max(h-len(lines)-7, 3)
	top := 0
	if levels+1 > room {
		top = min(max(m.locLevel()-room/2, 0), levels+1-room)
	}
	for l := top; l < levels && l < top+room; l++ {
		lv := r.Levels[l]
		mark := " "
		if l == m.locLevel() {
			mark = "▸"
		}
		name := strconv.Itoa(l)
		if l == levels-1 {
			name = "out"
		}
		if lv == nil {
			add(fitLine(st.faint.Render(fmt.Sprintf("%s%3s  …", mark, name)), w))
			continue
		}
		cp := "     "
		if lv.HasMirror {
			cp = inspect.FormatSigned(lv.Match.Content - lv.Match.Position)
		}
		line := fmt.Sprintf("%s%3s  %s %s  %s %s", mark, name, inspect.FormatPlain(lv.Stats.Near), inspect.FormatPlain(lv.Stats.Far), inspect.FormatSigned(lv.Stats.Index), cp)
		if l == m.locLevel() {
			line = st.selected.Render(line)
		}
		add(fitLine(line, w))
	}
	if r.HasPositions && len(lines) < h-6 {
		add(fitLine(st.faint.Render(fmt.Sprintf(" %3s  %s %s  %s", "pos", inspect.FormatPlain(r.PositionStats.Near), inspect.FormatPlain(r.PositionStats.Far), inspect.FormatSigned(r.PositionStats.Index))), w))
	}
	add("")
	if lv := r.Levels[m.locLevel()]; lv != nil {
		add(fitLine(st.faint.Render("layer ")+st.value.Render(m.levelText())+"  "+st.key.Render("[ ]"), w))
		add(fitLine(st.faint.Render("self−neighbour contrast ")+st.value.Render(strings.TrimSpace(inspect.FormatPlain(lv.Stats.Contrast))), w))
		if lv.HasMirror {
			add(fitLine(st.faint.Render("mirror: same content ")+st.value.Render(strings.TrimSpace(inspect.FormatPlain(lv.Match.Content))), w))
			add(fitLine(st.faint.Render("        same place   ")+st.value.Render(strings.TrimSpace(inspect.FormatPlain(lv.Match.Position))), w))
		} else if r.MirrorErr != nil {
			add(fitLine(st.err.Render("mirror: "+r.MirrorErr.Error()), w))
		}
	}
	if !r.Complete() {
		add(fitLine(m.spinner.View()+" "+m.localityProgress(), w))
	}
	return lines
}

// lessonLines draws the current lesson page: the chart of its level on the
// left, the text on the right (text only when compact).
func (m *Model) lessonLines(w, h int, compact bool) []string {
	st := &m.sh.styles
	pages := inspect.LessonPages(m.loc.report, m.sh.cfg.Demo)
	p := pages[m.loc.lesson.clamp(len(pages))]
	textW, chartW := w, 0
	if !compact && w >= 70 {
		chartW = w * 9 / 20
		textW = w - chartW - 2
	}
	text := m.loc.lesson.lines(st, p.Title, p.Text, nil, len(pages), textW, h)
	if chartW == 0 {
		return text
	}
	level := p.Level
	if level < 0 {
		level = m.locLevel()
	}
	chart := fitLines(m.curveLines(level, chartW, h, true), chartW, h)
	out := make([]string, h)
	for i := range out {
		out[i] = chart[i] + "  " + text[i]
	}
	return out
}

// localityInfo is the compact one-line summary.
func (m *Model) localityInfo() string {
	r := m.loc.report
	if r == nil {
		return "locality: " + m.localityProgress()
	}
	parts := []string{locModeNames[m.loc.mode], "L" + strconv.Itoa(m.locLevel())}
	if m.loc.mode == locLesson {
		parts = append(parts, fmt.Sprintf("page %d", m.loc.lesson.page+1))
	}
	if lv := r.Levels[m.locLevel()]; lv != nil {
		parts = append(parts, "index "+inspect.FormatSigned(lv.Stats.Index), "near "+strings.TrimSpace(inspect.FormatPlain(lv.Stats.Near)), "far "+strings.TrimSpace(inspect.FormatPlain(lv.Stats.Far)))
	}
	if !r.Complete() {
		parts = append(parts, m.spinner.View())
	}
	return strings.Join(parts, " ")
}
