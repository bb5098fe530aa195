package tui

import (
	"fmt"
	"image"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The Trained view (7): what SigLIP 2's training objectives ask of the
// patch features, on the user's image. Its modes: global–local (a crop,
// chosen with the mouse or keys, run as an image of its own against the
// whole image), masked context (patches dropped), correspondence (the
// cursor's patch against every patch of a second image) and the lesson.
// Each measurement is a command off the UI loop; a result comes back as a
// trainedMsg and is kept until what it was computed for changes.

// trainedMode is what the Trained view shows.
type trainedMode int

const (
	tGlobalLocal trainedMode = iota
	tContext
	tCorrespond
	tLesson
	numTrainedModes
)

var trainedModeNames = [numTrainedModes]string{"global–local", "masked context", "correspondence", "lesson"}

// trainedPage is the Trained view's state.
type trainedPage struct {
	start   TrainedStart
	started bool
	mode    trainedMode

	// Global–local: the crop, the report of the last crop measured.
	box       inspect.CropBox
	gl        *inspect.GlobalLocalReport
	glRunning bool
	glErr     error
	drag      *image.Point // the crop's anchor pixel while the mouse drags
	cropPic   *image.NRGBA // the crop cut from the picture
	cropBox   inspect.CropBox

	// Masked context: how the dropped patches are chosen, the set, the
	// report of the last set measured.
	fraction  float64
	seed      uint64
	manual    bool // the set was edited patch by patch (x) or named
	drop      []int
	cx        *inspect.ContextReport
	cxRunning bool
	cxErr     error

	// Correspondence: the second image and every level's report.
	pair        *engine.Analysis
	pairPic     *image.NRGBA
	pairLoading bool
	pairErr     error
	co          []*inspect.CorrespondReport
	coRunning   bool
	coErr       error

	// labelsKey is the encoded labels the reports were last scored with.
	labelsKey string
	rescoring bool

	lesson lessonPager

	// The pictures on screen, for the mouse: the whole image's in the
	// global–local mode (body cells), its picture and its cells.
	fullPic  cellPic
	cropCell cellPic
	ctxCell  cellPic
	aCell    cellPic
	bCell    cellPic
	fullAt   image.Rectangle // where the whole image is drawn, in screen cells
	aAt      image.Rectangle // image A in the correspondence mode
	ctxAt    image.Rectangle // the image in the masked-context mode
}

// trainedMsg is the result of one of the view's commands.
type trainedMsg struct {
	gl      *inspect.GlobalLocalReport
	glBox   inspect.CropBox
	cx      *inspect.ContextReport
	cxDrop  []int
	pair    *engine.Analysis
	pairImg *preprocess.Image
	co      []*inspect.CorrespondReport
	pairFor *engine.Analysis // the pair the correspondence was computed with
	// rescored labels: for the report they were scored for
	glLabels, cxLabels []inspect.LabelShift
	rescoreGL          *inspect.GlobalLocalReport
	rescoreCX          *inspect.ContextReport
	labelsKey          string
	kind               string // "gl", "cx", "pair", "co", "rescore"
	err                error
}

func newTrainedPage(start TrainedStart) *trainedPage {
	p := &trainedPage{start: start, fraction: inspect.DefaultDropFraction, seed: max(start.Seed, 1)}
	switch start.Mode {
	case "context":
		p.mode = tContext
	case "correspond":
		p.mode = tCorrespond
	case "lesson":
		p.mode = tLesson
	}
	if start.DropFraction != nil {
		p.fraction = *start.DropFraction
	}
	return p
}

// trained is the explorer's Trained page.
func (m *Model) trained() *trainedPage {
	p, _ := m.pages[viewTrained].(*trainedPage)
	return p
}

// Busy tells whether a measurement runs.
func (p *trainedPage) Busy() bool {
	return p.glRunning || p.cxRunning || p.pairLoading || p.coRunning || p.rescoring
}

// encodedLabels are the labels encoded so far, and a key that changes
// when they do.
func (m *Model) encodedLabels() ([]engine.Label, string) {
	var out []engine.Label
	var keys []string
	for _, it := range m.labels.items {
		if it.enc != nil {
			out = append(out, *it.enc)
			keys = append(keys, it.enc.Prompt)
		}
	}
	return out, strings.Join(keys, "\x00")
}

// setup applies the start once the image is analysed: the crop, the
// dropped patches and the patch, each checked against this image.
func (p *trainedPage) setup(m *Model) {
	p.started = true
	a := m.analysis
	w, h := a.Source.Width, a.Source.Height
	p.box = inspect.DefaultCrop(w, h)
	if c := p.start.Crop; c != nil {
		if err := c.Check(w, h); err != nil {
			m.setMessage("--crop: "+err.Error(), true)
		} else {
			p.box = *c
		}
	}
	p.reseed(m)
	if s := p.start.DropPatches; s != "" {
		rows, cols := a.Grid()
		drop, err := inspect.ParsePatches(s, rows, cols)
		if err == nil && len(drop) >= a.Valid() {
			err = fmt.Errorf("all %d patches named: keep at least one", a.Valid())
		}
		if err != nil {
			m.setMessage("--patches: "+err.Error(), true)
		} else {
			p.drop, p.manual = drop, true
		}
	}
	if q := p.start.Patch; q != nil {
		if rows, cols := a.Grid(); q.Row < rows && q.Col < cols && q.Row >= 0 && q.Col >= 0 {
			m.patch = *q
		} else {
			m.setMessage(fmt.Sprintf("--patch %d,%d is outside the %d×%d patch grid", q.Row, q.Col, rows, cols), true)
		}
	}
}

// reseed draws the random set of dropped patches for the fraction and
// seed.
func (p *trainedPage) reseed(m *Model) {
	drop, err := inspect.RandomDrop(m.analysis.Valid(), p.fraction, p.seed)
	if err != nil {
		m.setMessage(err.Error(), true)
		return
	}
	p.drop, p.manual = drop, false
}

// Sync starts what the open mode needs and is not measured yet.
func (p *trainedPage) Sync(m *Model) tea.Cmd {
	if m.analysis == nil || m.model == nil {
		return nil
	}
	if !p.started {
		p.setup(m)
	}
	if m.view != viewTrained {
		return nil
	}
	ctx := m.sh.cfg.ctx()
	labels, key := m.encodedLabels()
	var cmds []tea.Cmd
	lesson := p.mode == tLesson
	if (p.mode == tGlobalLocal || lesson) && p.drag == nil && !p.glRunning && p.glErr == nil && (p.gl == nil || p.gl.Box != p.box) {
		p.glRunning = true
		a, box := m.analysis, p.box
		cmds = append(cmds, func() tea.Msg {
			r, err := inspect.GlobalLocal(ctx, a, box, labels)
			return trainedMsg{kind: "gl", gl: r, glBox: box, labelsKey: key, err: err}
		})
	}
	if (p.mode == tContext || lesson) && !p.cxRunning && p.cxErr == nil && (p.cx == nil || !slices.Equal(p.cx.Dropped, p.drop)) {
		p.cxRunning = true
		a, drop := m.analysis, slices.Clone(p.drop)
		cmds = append(cmds, func() tea.Msg {
			r, err := inspect.MaskedContext(ctx, a, drop, labels)
			return trainedMsg{kind: "cx", cx: r, cxDrop: drop, labelsKey: key, err: err}
		})
	}
	if (p.mode == tCorrespond || lesson) && m.sh.cfg.LoadPair != nil {
		switch {
		case p.pair == nil && !p.pairLoading && p.pairErr == nil:
			p.pairLoading = true
			load, model, budget := m.sh.cfg.LoadPair, m.model, m.sh.cfg.MaxPatches
			cmds = append(cmds, func() tea.Msg {
				img, err := load()
				if err != nil {
					return trainedMsg{kind: "pair", err: fmt.Errorf("second image: %w", err)}
				}
				pa, err := model.Analyze(ctx, img, budget)
				if err != nil {
					return trainedMsg{kind: "pair", err: fmt.Errorf("second image: %w", err)}
				}
				return trainedMsg{kind: "pair", pair: pa, pairImg: img}
			})
		case p.pair != nil && p.co == nil && !p.coRunning && p.coErr == nil:
			p.coRunning = true
			a, b := m.analysis, p.pair
			cmds = append(cmds, func() tea.Msg {
				var out []*inspect.CorrespondReport
				for l := range a.FeatureLevels() {
					r, err := inspect.Correspond(a, b, l)
					if err != nil {
						return trainedMsg{kind: "co", err: err}
					}
					out = append(out, r)
				}
				return trainedMsg{kind: "co", co: out, pairFor: b}
			})
		}
	}
	// New labels: score them on the crop and the masked image.
	if key != p.labelsKey && !p.rescoring && !p.glRunning && !p.cxRunning && (p.gl != nil || p.cx != nil) {
		p.rescoring = true
		gl, cx, model, whole := p.gl, p.cx, m.model, m.analysis.ImageEmbedding()
		cmds = append(cmds, func() tea.Msg {
			msg := trainedMsg{kind: "rescore", rescoreGL: gl, rescoreCX: cx, labelsKey: key}
			if gl != nil {
				msg.glLabels, msg.err = inspect.ShiftScores(model, whole, gl.Embed, labels)
			}
			if cx != nil && msg.err == nil {
				msg.cxLabels, msg.err = inspect.ShiftScores(model, whole, cx.Embed, labels)
			}
			return msg
		})
	}
	if len(cmds) == 0 {
		return nil
	}
	return tea.Batch(append(cmds, m.spinner.Tick)...)
}

// Update takes the view's results, and the mouse.
func (p *trainedPage) Update(m *Model, msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case trainedMsg:
		p.take(m, msg)
		return true, nil
	case tea.MouseClickMsg:
		return true, p.mouse(m, tea.Mouse(msg), "click")
	case tea.MouseMotionMsg:
		return m.view == viewTrained, p.mouse(m, tea.Mouse(msg), "motion")
	case tea.MouseReleaseMsg:
		return m.view == viewTrained, p.mouse(m, tea.Mouse(msg), "release")
	}
	return false, nil
}

// take folds a result in.
func (p *trainedPage) take(m *Model, msg trainedMsg) {
	switch msg.kind {
	case "gl":
		p.glRunning = false
		if msg.err != nil {
			p.glErr = fmt.Errorf("global–local, crop %s: %w", msg.glBox, msg.err)
			return
		}
		p.gl, p.labelsKey = msg.gl, msg.labelsKey
	case "cx":
		p.cxRunning = false
		if msg.err != nil {
			p.cxErr = fmt.Errorf("masked context: %w", msg.err)
			return
		}
		p.cx, p.labelsKey = msg.cx, msg.labelsKey
	case "pair":
		p.pairLoading = false
		if msg.err != nil {
			p.pairErr = msg.err
			return
		}
		p.pair, p.pairPic = msg.pair, inspect.NRGBA(msg.pairImg)
	case "co":
		p.coRunning = false
		if msg.err != nil {
			p.coErr = fmt.Errorf("correspondence: %w", msg.err)
			return
		}
		if msg.pairFor == p.pair {
			p.co = msg.co
		}
	case "rescore":
		p.rescoring = false
		if msg.err != nil {
			m.setMessage("labels on the crop: "+msg.err.Error(), true)
			p.labelsKey = msg.labelsKey // do not retry in a loop
			return
		}
		if p.gl == msg.rescoreGL && p.gl != nil {
			p.gl.Labels = msg.glLabels
		}
		if p.cx == msg.rescoreCX && p.cx != nil {
			p.cx.Labels = msg.cxLabels
		}
		p.labelsKey = msg.labelsKey
	}
}

// cropStep is how far the arrows move the crop and < > grow it: one
// patch of the whole image's grid, in pixels.
func (p *trainedPage) cropStep(m *Model) (int, int) {
	rows, cols := m.grid()
	w, h := m.analysis.Source.Width, m.analysis.Source.Height
	return max((w+cols-1)/cols, 1), max((h+rows-1)/rows, 1)
}

// moveCrop shifts the crop by (dx, dy) steps, inside the image.
func (p *trainedPage) moveCrop(m *Model, dx, dy int) {
	sx, sy := p.cropStep(m)
	w, h := m.analysis.Source.Width, m.analysis.Source.Height
	bw, bh := p.box.Dx(), p.box.Dy()
	x0 := min(max(p.box.X0+dx*sx, 0), w-bw)
	y0 := min(max(p.box.Y0+dy*sy, 0), h-bh)
	p.setBox(inspect.CropBox{X0: x0, Y0: y0, X1: x0 + bw, Y1: y0 + bh})
}

// growCrop widens (d > 0) or narrows the crop by one step on every side,
// inside the image; a side too short for that loses one step, down to
// one step.
func (p *trainedPage) growCrop(m *Model, d int) {
	sx, sy := p.cropStep(m)
	w, h := m.analysis.Source.Width, m.analysis.Source.Height
	axis := func(lo, hi, step, size int) (int, int) {
		if d > 0 {
			return max(lo-step, 0), min(hi+step, size)
		}
		least := min(step, size)
		switch {
		case hi-lo-2*step >= least:
			return lo + step, hi - step
		case hi-lo-step >= least:
			return lo, hi - step
		}
		return lo, hi
	}
	b := p.box
	var nb inspect.CropBox
	nb.X0, nb.X1 = axis(b.X0, b.X1, sx, w)
	nb.Y0, nb.Y1 = axis(b.Y0, b.Y1, sy, h)
	if nb == b {
		m.setMessage("the crop is as small as one patch (or as large as the image)", false)
		return
	}
	p.setBox(nb)
}

// setBox changes the crop; its measurement follows (Sync).
func (p *trainedPage) setBox(b inspect.CropBox) {
	if b != p.box {
		p.box, p.glErr = b, nil
	}
}

// setFraction changes the share of dropped patches by d tenths.
func (p *trainedPage) setFraction(m *Model, d float64) {
	f := min(max(p.fraction+d, 0), 0.9)
	if p.fraction+d < -1e-9 || p.fraction+d > 0.9+1e-9 {
		m.setMessage("drop between 0 and 90% of the patches", false)
	}
	p.fraction = f
	p.cxErr = nil
	p.reseed(m)
}

// toggleDrop drops the cursor patch, or keeps it again.
func (p *trainedPage) toggleDrop(m *Model) {
	rows, cols := m.grid()
	if rows == 0 {
		return
	}
	q := m.patch.Row*cols + m.patch.Col
	if i, found := slices.BinarySearch(p.drop, q); found {
		p.drop = slices.Delete(slices.Clone(p.drop), i, i+1)
	} else {
		if len(p.drop)+1 >= m.analysis.Valid() {
			m.setMessage("keep at least one patch", true)
			return
		}
		p.drop = slices.Insert(slices.Clone(p.drop), i, q)
	}
	p.manual, p.cxErr = true, nil
}

// Key handles the keys that mean something else in the Trained view.
func (p *trainedPage) Key(m *Model, k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := &m.sh.keys
	ready := m.analysis != nil && p.started
	arrow := func() (int, int, bool) {
		switch {
		case keyMatches(k, keys.Up):
			return 0, -1, true
		case keyMatches(k, keys.Down):
			return 0, 1, true
		case keyMatches(k, keys.Left):
			return -1, 0, true
		case keyMatches(k, keys.Right):
			return 1, 0, true
		}
		return 0, 0, false
	}
	switch {
	case keyMatches(k, keys.TrainedMode):
		p.mode = (p.mode + 1) % numTrainedModes
		p.lesson.open()
		return true, nil
	case p.mode == tLesson:
		if keyMatches(k, keys.Export) {
			m.setMessage("leave the lesson (esc) to save a mode: s saves what it shows", false)
			return true, nil
		}
		handled, closed := p.lesson.key(keys, k)
		if closed {
			p.mode = tGlobalLocal
		}
		p.lesson.clamp(len(p.trainedLesson(m).Pages()))
		return handled, nil
	case keyMatches(k, keys.LessonNext):
		p.mode = tLesson
		p.lesson.open()
		return true, nil
	case keyMatches(k, keys.Export):
		return true, m.trainedExport()
	case !ready:
		return false, nil
	case p.mode == tGlobalLocal:
		if dx, dy, ok := arrow(); ok {
			p.moveCrop(m, dx, dy)
			return true, nil
		}
		switch {
		case keyMatches(k, keys.TrainedLarger):
			p.growCrop(m, 1)
			return true, nil
		case keyMatches(k, keys.TrainedSmaller):
			p.growCrop(m, -1)
			return true, nil
		}
	case p.mode == tContext:
		switch {
		case keyMatches(k, keys.TrainedLarger):
			p.setFraction(m, 0.1)
			return true, nil
		case keyMatches(k, keys.TrainedSmaller):
			p.setFraction(m, -0.1)
			return true, nil
		case keyMatches(k, keys.TrainedReseed):
			p.seed++
			p.cxErr = nil
			p.reseed(m)
			return true, nil
		case keyMatches(k, keys.TrainedToggle):
			p.toggleDrop(m)
			return true, nil
		}
	}
	if keyMatches(k, keys.TrainedLarger, keys.TrainedSmaller, keys.TrainedToggle, keys.TrainedReseed) {
		m.setMessage(p.keyNote(), false)
		return true, nil
	}
	return false, nil // arrows move the cursor patch; [ ] the level
}

// keyNote says where the Trained view's own keys act.
func (p *trainedPage) keyNote() string {
	return "< > resize the crop (global–local) or change the share of dropped patches (masked context); x and z act in masked context"
}

// mouse drags a new crop over the whole image (global–local) or puts the
// cursor on a patch (masked context, correspondence).
func (p *trainedPage) mouse(m *Model, ms tea.Mouse, what string) tea.Cmd {
	if m.view != viewTrained || m.analysis == nil || !p.started || m.help.open || m.labels.editing {
		return nil
	}
	switch p.mode {
	case tGlobalLocal:
		if what == "click" && ms.Button != tea.MouseLeft {
			return nil
		}
		px, inside := p.fullPic.pixelAt(ms.X-p.fullAt.Min.X, ms.Y-p.fullAt.Min.Y)
		switch what {
		case "click":
			if inside {
				p.drag = &px
				p.dragTo(m, px)
			}
		case "motion":
			if p.drag != nil {
				p.dragTo(m, px)
			}
		case "release":
			if p.drag != nil {
				p.dragTo(m, px)
				p.drag = nil
			}
		}
	case tContext, tCorrespond:
		if what != "click" || ms.Button != tea.MouseLeft {
			return nil
		}
		c, at := p.ctxCell, p.ctxAt
		if p.mode == tCorrespond {
			c, at = p.aCell, p.aAt
		}
		rows, cols := m.grid()
		lay := viz.CellLayout{Cols: c.cols, Rows: c.rows, GridH: rows, GridW: cols}
		if q, ok := lay.PatchAt(ms.X-at.Min.X, ms.Y-at.Min.Y); ok {
			m.patch = q
		}
	}
	return nil
}

// dragTo makes the crop the cells from the drag's anchor to pixel to,
// both included.
func (p *trainedPage) dragTo(m *Model, to image.Point) {
	a := *p.drag
	b := p.fullPic.cellBox(a, to)
	p.setBox(inspect.CropBox{X0: b.Min.X, Y0: b.Min.Y, X1: b.Max.X, Y1: b.Max.Y})
}

// KeyHelp is the view's part of the help screen.
func (p *trainedPage) KeyHelp(m *Model) helpSection {
	k := m.sh.keys
	drag := key.NewBinding(key.WithKeys("mouse"), key.WithHelp("drag", "a new crop (global–local)"))
	return helpSection{"Trained view (7)", 0, []key.Binding{k.TrainedMode, drag, k.TrainedLarger, k.TrainedSmaller, k.TrainedToggle, k.TrainedReseed}}
}

// Info is the view's one line on small screens.
func (p *trainedPage) Info(m *Model) string {
	parts := []string{trainedModeNames[p.mode]}
	level := m.levelFor(inspect.MapSimilarity)
	switch p.mode {
	case tGlobalLocal:
		parts = append(parts, "crop "+p.box.String())
		if r := p.gl; r != nil && r.Box == p.box {
			parts = append(parts, fmt.Sprintf("L%d mean %s (chance %s)", level, plainNum(r.Levels[level].Mean), plainNum(r.Levels[level].Baseline)))
		}
	case tContext:
		parts = append(parts, fmt.Sprintf("%d dropped", len(p.drop)))
		if r := p.cx; r != nil && slices.Equal(r.Dropped, p.drop) {
			parts = append(parts, fmt.Sprintf("L%d kept %s", level, plainNum(r.Levels[level].Mean)))
		}
	case tCorrespond:
		if p.co != nil {
			r := p.co[level]
			_, cols := m.grid()
			b := r.Best(m.patch.Row*cols + m.patch.Col)
			parts = append(parts, fmt.Sprintf("L%d (%d,%d)→(%d,%d) mutual %d", level, m.patch.Row, m.patch.Col, b.Row, b.Col, r.Mutual))
		}
	case tLesson:
		parts = append(parts, fmt.Sprintf("page %d", p.lesson.page+1))
	}
	if p.Busy() {
		parts = append(parts, m.spinner.View())
	}
	return strings.Join(parts, " · ")
}

// plainNum prints x with two decimals ("n/a" for NaN).
func plainNum(x float64) string { return strings.TrimSpace(inspect.FormatPlain(x)) }

// trainedLesson gathers what the lesson is written from.
func (p *trainedPage) trainedLesson(m *Model) *inspect.TrainedLesson {
	l := &inspect.TrainedLesson{Demo: m.sh.cfg.Demo, Patch: m.patch, Correspond: p.co}
	if p.gl != nil && p.gl.Box == p.box {
		l.GlobalLocal = p.gl
	}
	if p.cx != nil && slices.Equal(p.cx.Dropped, p.drop) {
		l.Context = p.cx
		l.DropRule = p.dropRule()
	}
	if m.sh.cfg.LoadPair != nil {
		l.PairName = m.sh.cfg.PairName
	}
	return l
}

// dropRule says how the dropped patches were chosen.
func (p *trainedPage) dropRule() string {
	if p.manual {
		return "by hand"
	}
	return fmt.Sprintf("%.0f%% random, seed %d", 100*p.fraction, p.seed)
}
