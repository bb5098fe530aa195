package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// The Inside view (8): what the model does that the other views hide.
// Its modes, cycled with v: each patch's feature norm per layer with the
// high-norm outliers flagged; the position embeddings (the cursor's
// similarity to every position, and their norms); the text tower (how the
// selected label is framed, where its pooled position looks, word
// deletion, lints); and a lesson. The maps are cheap reads of the
// analysis, computed when asked; the per-layer norm table and the text
// tower run as commands off the UI loop.

// insideMode is what the Inside view shows.
type insideMode int

const (
	insideNorms insideMode = iota
	insidePositions
	insideText
	insideLesson
	numInsideModes
)

var insideModeNames = [numInsideModes]string{"norms", "positions", "text tower", "lesson"}

// insidePage is the Inside view's state (a page).
type insidePage struct {
	mode insideMode
	k    float64 // the outlier threshold

	pane imagePane
	// cur is the norm or position map on screen; posNorms the position
	// embeddings' norms the lesson quotes.
	cur      *inspect.Map
	posNorms *inspect.NormStats

	// profiles are the per-level norm tables by threshold; profiling is
	// the threshold being computed.
	profiles   map[float64][]inspect.NormLevel
	profiling  float64
	profileErr error

	// texts are the text tower's results by label text; textBusy the
	// label being computed.
	texts    map[string]*textResult
	textBusy string
	scroll   int // first token row shown
	// tlayer and thead are the text tower's layer (1…; 0: the last) and
	// head (0-based, -1: the mean), apart from the vision tower's.
	tlayer, thead int

	lesson     lessonPager
	analysisOf *engine.Analysis
}

// textResult is one label through the text tower, and its word deletion.
type textResult struct {
	view  *inspect.TextView
	words *inspect.WordDeletion
	err   error
}

type insideProfileMsg struct {
	a       *engine.Analysis
	k       float64
	profile []inspect.NormLevel
	err     error
}

type insideTextMsg struct {
	a     *engine.Analysis
	label string
	res   *textResult
}

func newInsidePage() *insidePage {
	return &insidePage{k: inspect.DefaultOutlierK, thead: -1}
}

// Sync computes the map the mode shows, and starts the norm table or the
// text tower when they are missing.
func (p *insidePage) Sync(m *Model) tea.Cmd {
	if m.view != viewInside || m.analysis == nil {
		return nil
	}
	if p.analysisOf != m.analysis {
		p.analysisOf, p.profiles, p.texts, p.cur, p.posNorms = m.analysis, map[float64][]inspect.NormLevel{}, map[string]*textResult{}, nil, nil
		p.profiling, p.textBusy = 0, ""
	}
	switch p.mode {
	case insideNorms, insidePositions:
		p.syncMap(m)
	case insideText:
		return p.syncText(m)
	}
	if p.mode == insideLesson && (p.posNorms == nil || p.posNorms.K != p.k) {
		if pm, err := m.mapper.Compute(inspect.MapRequest{Kind: inspect.MapPositions, OutlierK: p.k}); err == nil {
			p.posNorms = pm.Norm
		}
	}
	if p.mode == insideNorms || p.mode == insideLesson {
		return p.syncProfile(m)
	}
	return nil
}

// request is the map the mode shows.
func (p *insidePage) request(m *Model) inspect.MapRequest {
	if p.mode == insidePositions {
		return inspect.MapRequest{Kind: inspect.MapPositions, Patch: m.patch, OutlierK: p.k}
	}
	return inspect.MapRequest{Kind: inspect.MapNorm, Level: m.levelFor(inspect.MapNorm), OutlierK: p.k}
}

// syncMap computes the wanted map when it changed (a read of the
// analysis: a norm or a cosine per patch).
func (p *insidePage) syncMap(m *Model) {
	r := p.request(m)
	if p.cur != nil && p.cur.Req.Key() == r.Key() {
		return
	}
	c, err := m.mapper.Compute(r)
	if err != nil {
		m.setMessage(err.Error(), true)
		p.cur = nil
		return
	}
	p.cur = c
}

// syncProfile starts the per-level norm table for the current threshold.
func (p *insidePage) syncProfile(m *Model) tea.Cmd {
	if _, ok := p.profiles[p.k]; ok || p.profiling != 0 || p.profileErr != nil {
		return nil
	}
	p.profiling = p.k
	a, k := m.analysis, p.k
	return tea.Batch(func() tea.Msg {
		prof, err := inspect.NormProfile(a, k)
		return insideProfileMsg{a: a, k: k, profile: prof, err: err}
	}, m.spinner.Tick)
}

// syncText starts the text tower on the selected label.
func (p *insidePage) syncText(m *Model) tea.Cmd {
	it := m.labels.selectedItem()
	if it == nil || p.textBusy != "" || m.model.CanEncodeText() != nil {
		return nil
	}
	if _, ok := p.texts[it.text]; ok {
		return nil
	}
	p.textBusy = it.text
	a, label, cfg := m.analysis, it.text, &m.sh.cfg
	opts := inspect.TextOptions{Prompt: cfg.Prompt, ExpectTemplate: !cfg.Demo}
	return tea.Batch(func() tea.Msg {
		res := &textResult{}
		if res.view, res.err = inspect.AnalyzeText(cfg.ctx(), a.Model, label, opts); res.err == nil {
			res.words, res.err = inspect.DeleteWords(cfg.ctx(), a.Model, a.ImageEmbedding(), label, cfg.Prompt)
		}
		return insideTextMsg{a: a, label: label, res: res}
	}, m.spinner.Tick)
}

// Update takes the results of the page's commands.
func (p *insidePage) Update(m *Model, msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		if m.view == viewInside && (p.mode == insideNorms || p.mode == insidePositions) {
			m.clickPatch(&p.pane, tea.Mouse(msg))
		}
		return true, nil
	case insideProfileMsg:
		if msg.a == p.analysisOf {
			p.profiling = 0
			if msg.err != nil {
				p.profileErr = msg.err
			} else {
				p.profiles[msg.k] = msg.profile
			}
		}
		return true, nil
	case insideTextMsg:
		if msg.a == p.analysisOf {
			p.textBusy = ""
			if len(p.texts) > 64 {
				clear(p.texts)
			}
			p.texts[msg.label] = msg.res
		}
		return true, nil
	case insideSavedMsg:
		m.exporting = false
		if msg.err != nil {
			m.setMessage("save: "+msg.err.Error(), true)
		} else {
			m.setMessage("saved "+msg.path, false)
		}
		return true, nil
	}
	return false, nil
}

// Busy tells whether a command of the page runs.
func (p *insidePage) Busy() bool { return p.profiling != 0 || p.textBusy != "" }

// Key handles the keys that mean something of their own in the view.
func (p *insidePage) Key(m *Model, k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := &m.sh.keys
	switch {
	case keyMatches(k, keys.InsideMode):
		p.mode = (p.mode + 1) % numInsideModes
		p.lesson.open()
		return true, nil
	case keyMatches(k, keys.InsideKDown, keys.InsideKUp) && (p.mode == insideNorms || p.mode == insidePositions):
		d := 1
		if keyMatches(k, keys.InsideKDown) {
			d = -1
		}
		p.stepK(d)
		return true, nil
	case keyMatches(k, keys.Export):
		return true, p.export(m)
	}
	switch p.mode {
	case insideLesson:
		return p.lessonKey(m, k)
	case insideText:
		return p.textKey(m, k)
	}
	if keyMatches(k, keys.LessonNext) {
		p.mode = insideLesson
		p.lesson.open()
		return true, nil
	}
	return false, nil
}

// stepK moves the outlier threshold through inspect.OutlierKSteps.
func (p *insidePage) stepK(d int) {
	steps := inspect.OutlierKSteps
	i := slices.IndexFunc(steps, func(s float64) bool { return s >= p.k })
	if i < 0 {
		i = len(steps) - 1
	}
	p.k = steps[min(max(i+d, 0), len(steps)-1)]
}

// lessonKey pages and scrolls the lesson.
func (p *insidePage) lessonKey(m *Model, k tea.KeyPressMsg) (bool, tea.Cmd) {
	handled, closed := p.lesson.key(&m.sh.keys, k)
	if closed {
		p.mode = insideNorms
	}
	return handled, nil
}

// textKey picks and edits labels, steps the text tower's layers and
// heads, and scrolls the token table.
func (p *insidePage) textKey(m *Model, k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := &m.sh.keys
	if handled, changed := m.labels.handleKey(k); handled {
		p.scroll = 0
		if changed {
			return true, m.encodeLabels()
		}
		return true, nil
	}
	switch {
	case keyMatches(k, keys.PatchDown):
		p.scroll++
	case keyMatches(k, keys.PatchUp):
		p.scroll = max(p.scroll-1, 0)
	case keyMatches(k, keys.LayerDown, keys.LayerUp, keys.FirstLayer, keys.LastLayer,
		keys.PrevHead, keys.NextHead, keys.MeanHeads, keys.Left, keys.Right):
		p.textSelect(m, k)
	default:
		return false, nil
	}
	return true, nil
}

// textSelect steps the text tower's layer and head (its own, not the
// vision tower's).
func (p *insidePage) textSelect(m *Model, k tea.KeyPressMsg) {
	keys := &m.sh.keys
	v := p.textView(m)
	if v == nil {
		return
	}
	l := p.textLayer(v)
	switch {
	case keyMatches(k, keys.LayerDown):
		p.tlayer = max(l-1, 1)
	case keyMatches(k, keys.LayerUp):
		p.tlayer = min(l+1, v.Layers)
	case keyMatches(k, keys.FirstLayer):
		p.tlayer = 1
	case keyMatches(k, keys.LastLayer):
		p.tlayer = v.Layers
	case keyMatches(k, keys.NextHead, keys.Right):
		p.thead = (p.thead+2)%(v.Heads+1) - 1
	case keyMatches(k, keys.PrevHead, keys.Left):
		p.thead = (p.thead+v.Heads+1)%(v.Heads+1) - 1
	case keyMatches(k, keys.MeanHeads):
		p.thead = -1
	}
}

// textLayer is the text tower layer shown: the chosen one, the last until
// one is chosen.
func (p *insidePage) textLayer(v *inspect.TextView) int {
	if p.tlayer < 1 || p.tlayer > v.Layers {
		return v.Layers
	}
	return p.tlayer
}

// textView is the selected label's text tower view, nil until computed.
func (p *insidePage) textView(m *Model) *inspect.TextView {
	if r := p.textResult(m); r != nil {
		return r.view
	}
	return nil
}

// textResult is the selected label's result, nil until computed.
func (p *insidePage) textResult(m *Model) *textResult {
	it := m.labels.selectedItem()
	if it == nil {
		return nil
	}
	return p.texts[it.text]
}

// KeyHelp is the view's part of the help screen.
func (p *insidePage) KeyHelp(m *Model) helpSection {
	k := &m.sh.keys
	return helpSection{"Inside view", 1, []key.Binding{k.InsideMode, k.InsideKDown, k.InsideKUp,
		key.NewBinding(key.WithKeys(k.PatchDown.Keys()...), key.WithHelp("J/K", "text tower: scroll the tokens")),
		key.NewBinding(key.WithKeys(k.LessonNext.Keys()...), key.WithHelp("n", "the Inside lesson"))}}
}

// Info is the view's one line on small screens.
func (p *insidePage) Info(m *Model) string {
	parts := []string{insideModeNames[p.mode]}
	switch p.mode {
	case insideNorms, insidePositions:
		if c := p.cur; c != nil && c.Norm != nil {
			if p.mode == insideNorms {
				parts = append(parts, "L"+fmt.Sprint(c.Req.Level))
			}
			parts = append(parts, fmt.Sprintf("median %s max %.2f× %d>%g×", inspect.FormatNorm(c.Norm.Median), c.Norm.Ratio(), len(c.Norm.Outliers), c.Norm.K))
		}
	case insideText:
		if r := p.textResult(m); r != nil && r.view != nil {
			parts = append(parts, fmt.Sprintf("%q L%d %s", r.view.Label, p.textLayer(r.view), textHeadName(min(p.thead, r.view.Heads-1))))
		}
	case insideLesson:
		parts = append(parts, fmt.Sprintf("page %d", p.lesson.page+1))
	}
	return strings.Join(parts, " · ")
}

// textHeadName names the text tower's selected head.
func textHeadName(h int) string {
	if h < 0 {
		return "mean"
	}
	return fmt.Sprintf("h%d", h+1)
}

// Lines draws the view's body.
func (p *insidePage) Lines(m *Model, w, h int, compact bool) []string {
	st := &m.sh.styles
	if m.analysis == nil {
		lines := fitLines(nil, w, h)
		if h > 0 {
			lines[h/2] = center(m.spinner.View()+" waiting for the vision tower…", w)
		}
		return lines
	}
	var left, side []string
	leftW, sideW := w, 0
	if !compact && p.mode != insideLesson {
		sideW = min(max(w/3, 30), 48)
		leftW = w - sideW - 1
	}
	switch p.mode {
	case insideLesson:
		return p.lessonLines(m, w, h)
	case insideText:
		left, side = p.textLines(m, leftW, h), p.textSide(m, sideW, h)
	default:
		left, side = p.mapLines(m, leftW, h), p.mapSide(m, sideW, h)
	}
	if sideW == 0 {
		return fitLines(left, w, h)
	}
	left, side = fitLines(left, leftW, h), fitLines(side, sideW, h)
	out := make([]string, h)
	for i := range out {
		out[i] = left[i] + st.faint.Render("│") + side[i]
	}
	return out
}

// header is the side panel's first lines: the view, its mode and key.
func (p *insidePage) header(m *Model, w int) []string {
	st := &m.sh.styles
	var out []string
	if m.sh.cfg.Demo {
		out = append(out, st.demo.Render(fitLine("toy model", w)))
	}
	return append(out, fitLine(st.title.Render("Inside")+" "+st.faint.Render(insideModeNames[p.mode])+"  "+st.key.Render("v"), w))
}
