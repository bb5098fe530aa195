package tui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// The Why view (6): what the selected label's score depends on. Its
// probes (inspect.Probe) run off the UI loop, one batch of passes per
// command, so the occlusion map fills in on screen and every key keeps
// working; a different label (or block size) cancels the running pass and
// starts again. The part on screen is measured first: the occlusion map,
// the block × head grid of head ablations, then the deletion and
// insertion curves of every map (which rank by the finished occlusion map
// too). The "about" part teaches what a causal map is.

// whyPart is what the Why view shows.
type whyPart int

const (
	whyOcclusion whyPart = iota
	whyHeads
	whyCurves
	whyAbout
	numWhyParts
)

var whyPartNames = [numWhyParts]string{"occlusion", "heads", "curves", "about"}

// whyBatch is how many changed copies of the image one command runs: a
// step of the progress on screen and the most a cancel waits for.
const whyBatch = 8

// whyCurveSteps is the points of each curve.
const whyCurveSteps = 16

// whyPage is the Why view: the probes of one label and what the user
// chose.
type whyPage struct {
	part whyPart
	// block is the occlusion block side the user chose (0: automatic,
	// whyAutoBlock).
	block int

	// The run: one label against the analysed image.
	label   *engine.Label
	probe   *inspect.Probe
	occ     *inspect.Occlusion
	occMap  *inspect.Map // occ as the pane draws it (a new one per step)
	heads   *inspect.HeadAblation
	curves  *inspect.Curves
	gen     int // run generation: results of older runs are dropped
	cancel  context.CancelFunc
	running bool
	started time.Time
	err     error

	// Cursors: the head grid's cell, the curve kind shown, the lesson's
	// scroll.
	cellL, cellH int
	curveKind    inspect.CurveKind
	scroll       int

	pane imagePane
}

// whyMsg is the result of one step of a run.
type whyMsg struct {
	gen    int
	occ    *inspect.Occlusion
	heads  *inspect.HeadAblation
	curves *inspect.Curves
	err    error
}

// whyAutoBlock is the block side for a grid of n patches: single patches
// up to 256 (the base models at 224 and 256), 2×2 up to 1024, then 4×4,
// so a map takes at most a few hundred passes.
func whyAutoBlock(n int) int {
	switch {
	case n <= 256:
		return 1
	case n <= 1024:
		return 2
	}
	return 4
}

// blockSide is the block side in use for the analysed image.
func (p *whyPage) blockSide(m *Model) int {
	if p.block > 0 {
		return p.block
	}
	rows, cols := m.grid()
	return whyAutoBlock(rows * cols)
}

// Sync starts or continues the run while the view is open: a new label
// restarts it, a finished step starts the next.
func (p *whyPage) Sync(m *Model) tea.Cmd {
	if m.view != viewWhy || m.analysis == nil {
		return nil
	}
	lab := m.labels.Selected()
	if lab == nil {
		p.stop()
		p.label, p.probe = nil, nil
		return nil
	}
	switch {
	case p.label == nil || lab.Prompt != p.label.Prompt:
		p.restart(m, lab)
	case lab != p.label:
		p.label = lab // the list was encoded again: the same text
	}
	if p.running || p.err != nil || p.probe == nil {
		return nil
	}
	return p.nextStep(m)
}

// stop cancels the pass in flight, if any.
func (p *whyPage) stop() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.running = false
	p.gen++
}

// restart begins the probes of lab: everything measured before is for
// another label.
func (p *whyPage) restart(m *Model, lab *engine.Label) {
	p.stop()
	p.label, p.err = lab, nil
	p.occ, p.occMap, p.heads, p.curves = nil, nil, nil, nil
	probe, err := inspect.NewProbe(m.analysis, lab.Text, lab.Embed)
	if err != nil {
		p.err = err
		return
	}
	p.probe = probe
	p.occ = probe.NewOcclusion(p.blockSide(m))
	p.setOccMap()
	p.started = m.sh.cfg.now()
}

// restartOcclusion measures the occlusion map (and the curves, which rank
// by it) again at the chosen block size; the head grid stays.
func (p *whyPage) restartOcclusion(m *Model) {
	if p.probe == nil {
		return
	}
	p.stop()
	p.err = nil
	p.occ, p.curves = p.probe.NewOcclusion(p.blockSide(m)), nil
	p.setOccMap()
}

// setOccMap turns the occlusion map into the map the pane draws: the
// diverging colours over a range symmetric about zero.
func (p *whyPage) setOccMap() {
	if p.occ == nil {
		p.occMap = nil
		return
	}
	l := inspect.OcclusionLayer(p.occ)
	p.occMap = &inspect.Map{Grid: l.Grid, Range: l.Range}
}

// complete tells whether every probe is measured.
func (p *whyPage) complete() bool {
	return p.occ != nil && p.occ.Complete() && p.heads != nil && p.heads.Complete() && p.curves != nil && p.curves.Complete()
}

// nextStep starts the next batch of passes: the part on screen first,
// then the others in order (the curves wait for the occlusion map).
func (p *whyPage) nextStep(m *Model) tea.Cmd {
	if p.complete() {
		return nil
	}
	if p.heads == nil {
		p.heads = p.probe.NewHeadAblation()
	}
	ctx, cancel := context.WithCancel(m.sh.cfg.ctx())
	p.cancel, p.running = cancel, true
	gen, probe := p.gen, p.probe
	var run func() whyMsg
	switch {
	case p.part == whyHeads && !p.heads.Complete(), p.occ.Complete() && !p.heads.Complete():
		h := p.heads.Clone()
		run = func() whyMsg { return whyMsg{gen: gen, heads: h, err: probe.HeadStep(ctx, h, whyBatch, whyBatch)} }
	case !p.occ.Complete():
		o := p.occ.Clone()
		run = func() whyMsg { return whyMsg{gen: gen, occ: o, err: probe.OcclusionStep(ctx, o, whyBatch, whyBatch)} }
	case p.curves == nil:
		occ, lab, maps := p.occ, p.label, m.mapper
		run = func() whyMsg {
			ranked, err := inspect.ProbeMaps(maps, lab, occ)
			if err != nil {
				return whyMsg{gen: gen, err: err}
			}
			cs, err := probe.NewCurves(ranked, whyCurveSteps)
			if err == nil {
				err = probe.CurveStep(ctx, cs, whyBatch, whyBatch)
			}
			return whyMsg{gen: gen, curves: cs, err: err}
		}
	default:
		cs := p.curves.Clone()
		run = func() whyMsg { return whyMsg{gen: gen, curves: cs, err: probe.CurveStep(ctx, cs, whyBatch, whyBatch)} }
	}
	return tea.Batch(func() tea.Msg { return run() }, m.spinner.Tick)
}

// Update takes a finished step; the next Sync starts the one after.
func (p *whyPage) Update(m *Model, msg tea.Msg) (bool, tea.Cmd) {
	if ms, ok := msg.(tea.MouseClickMsg); ok {
		if m.view == viewWhy && p.part == whyOcclusion {
			m.clickPatch(&p.pane, tea.Mouse(ms))
		}
		return true, nil
	}
	w, ok := msg.(whyMsg)
	if !ok {
		return false, nil
	}
	if w.gen != p.gen {
		return true, nil // a cancelled or replaced run
	}
	p.running, p.cancel = false, nil
	if w.err != nil {
		if !errors.Is(w.err, context.Canceled) {
			p.err = w.err
		}
		return true, nil
	}
	switch {
	case w.occ != nil:
		p.occ = w.occ
		p.setOccMap()
	case w.heads != nil:
		p.heads = w.heads
	case w.curves != nil:
		p.curves = w.curves
	}
	return true, nil
}

// Busy tells whether passes are running.
func (p *whyPage) Busy() bool { return p.running }

// Key handles the Why view's keys; handled is false for the keys every
// screen shares.
func (p *whyPage) Key(m *Model, k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := &m.sh.keys
	switch {
	case keyMatches(k, keys.WhyPart):
		p.part = (p.part + 1) % numWhyParts
		p.scroll = 0
	case keyMatches(k, keys.WhyLabelNext):
		m.labels.Move(1)
	case keyMatches(k, keys.WhyLabelPrev):
		m.labels.Move(-1)
	case keyMatches(k, keys.WhyBlock):
		next := map[int]int{1: 2, 2: 4, 4: 1}[p.blockSide(m)]
		p.block = next
		p.restartOcclusion(m)
		m.setMessage(fmt.Sprintf("occlusion now drops %d×%d blocks of patches", next, next), false)
	case keyMatches(k, keys.Export):
		return true, m.whyExport()
	case keyMatches(k, keys.LayerDown, keys.LayerUp, keys.FirstLayer, keys.LastLayer):
		m.setMessage("the probes change the whole model: no layer to choose here (enter on a head opens its block)", false)
	case keyMatches(k, keys.Colormap):
		m.setMessage("the Why view paints changes blue (the label loses) to red (it gains), pale at zero", false)
	case p.part == whyOcclusion:
		return p.cursorKey(m, k)
	case p.part == whyHeads:
		return p.headsKey(m, k)
	case p.part == whyCurves && keyMatches(k, keys.Left, keys.Right):
		p.curveKind = 1 - p.curveKind
	case p.part == whyAbout && keyMatches(k, keys.Down):
		p.scroll++
	case p.part == whyAbout && keyMatches(k, keys.Up):
		p.scroll = max(p.scroll-1, 0)
	default:
		return false, nil
	}
	return true, nil
}

// cursorKey moves the patch cursor over the occlusion map.
func (p *whyPage) cursorKey(m *Model, k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := &m.sh.keys
	switch {
	case keyMatches(k, keys.Up):
		m.movePatch(-1, 0)
	case keyMatches(k, keys.Down):
		m.movePatch(1, 0)
	case keyMatches(k, keys.Left):
		m.movePatch(0, -1)
	case keyMatches(k, keys.Right):
		m.movePatch(0, 1)
	default:
		return false, nil
	}
	return true, nil
}

// headsKey moves the cell of the head grid; enter opens that head's
// attention map.
func (p *whyPage) headsKey(m *Model, k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := &m.sh.keys
	switch {
	case keyMatches(k, keys.Up):
		p.cellL = max(p.cellL-1, 0)
	case keyMatches(k, keys.Down):
		p.cellL = min(p.cellL+1, max(m.layers-1, 0))
	case keyMatches(k, keys.Left):
		p.cellH = max(p.cellH-1, 0)
	case keyMatches(k, keys.Right):
		p.cellH = min(p.cellH+1, max(m.heads-1, 0))
	case keyMatches(k, keys.WhyOpen):
		m.view, m.mode = viewAttention, attnQuery
		m.level, m.head, m.lastHead = p.cellL+1, p.cellH, p.cellH
		m.setMessage(fmt.Sprintf("block %d, head %d: where each patch looks (move the cursor; 6 returns to Why)", p.cellL+1, p.cellH+1), false)
	default:
		return false, nil
	}
	return true, nil
}

// KeyHelp is the Why view's part of the help screen.
func (p *whyPage) KeyHelp(m *Model) helpSection {
	k := m.sh.keys
	return helpSection{"Why view", 1, []key.Binding{k.WhyPart, k.WhyLabelNext, k.WhyLabelPrev, k.WhyBlock, k.WhyOpen}}
}

// Info is the view's one line on small screens.
func (p *whyPage) Info(m *Model) string {
	if p.probe == nil {
		return "why: " + p.waiting(m)
	}
	parts := []string{whyPartNames[p.part], fmt.Sprintf("%q %s", p.probe.Label(), inspect.FormatSigned(p.probe.BaseLogit()))}
	switch p.part {
	case whyOcclusion:
		if d, ok := p.cursorDelta(m); ok {
			parts = append(parts, fmt.Sprintf("(%d,%d) %s", m.patch.Row, m.patch.Col, d))
		}
	case whyHeads:
		if p.heads != nil {
			parts = append(parts, fmt.Sprintf("b%d h%d %s", p.cellL+1, p.cellH+1, deltaText(p.heads.Delta[p.cellL][p.cellH])))
		}
	}
	if pr := p.progressText(); pr != "" {
		parts = append(parts, m.spinner.View()+" "+pr)
	}
	return strings.Join(parts, " ")
}

// waiting says why nothing is measured yet.
func (p *whyPage) waiting(m *Model) string {
	switch {
	case m.analysis == nil:
		return "waiting for the vision tower…"
	case len(m.labels.items) == 0:
		return "no label: add one in the labels view (3, then a)"
	case m.labels.Selected() == nil:
		return "encoding the labels…"
	}
	return "starting…"
}

// cursorDelta is the occlusion delta at the cursor patch, formatted.
func (p *whyPage) cursorDelta(m *Model) (string, bool) {
	rows, cols := m.grid()
	if p.occ == nil || rows == 0 || m.patch.Row >= rows || m.patch.Col >= cols {
		return "", false
	}
	return deltaText(p.occ.Delta[m.patch.Row*cols+m.patch.Col]), true
}

// deltaText prints a logit change, or "…" before it is measured.
func deltaText(d float32) string {
	if math.IsNaN(float64(d)) {
		return "…"
	}
	return strings.TrimSpace(inspect.FormatSigned(float64(d)))
}

// progressText says what is being measured, "" when all is done.
func (p *whyPage) progressText() string {
	switch {
	case p.occ != nil && !p.occ.Complete():
		return fmt.Sprintf("occlusion %d/%d", p.occ.Done, len(p.occ.Blocks))
	case p.heads == nil || !p.heads.Complete():
		if p.heads == nil {
			return "heads…"
		}
		return fmt.Sprintf("heads %d/%d", p.heads.Done, p.heads.Layers*p.heads.Heads)
	case p.curves == nil:
		return "curves…"
	case !p.curves.Complete():
		total := 0
		for _, c := range p.curves.Curves {
			total += len(c.Patches)
		}
		return fmt.Sprintf("curves %d/%d", total-p.curves.Remaining(), total)
	}
	return ""
}

// partsLine is the part names with the one shown marked, for titles.
func (p *whyPage) partsLine() string {
	var out []string
	for i, n := range whyPartNames {
		if whyPart(i) == p.part {
			n = "[" + n + "]"
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}

// sortedHeads lists the heads by delta, most negative first.
func sortedHeads(h *inspect.HeadAblation) [][2]int {
	var out [][2]int
	for l := range h.Delta {
		for i := range h.Delta[l] {
			if !math.IsNaN(float64(h.Delta[l][i])) {
				out = append(out, [2]int{l, i})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b [2]int) int {
		da, db := h.Delta[a[0]][a[1]], h.Delta[b[0]][b[1]]
		switch {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return 0
	})
	return out
}
