package tui

import (
	"fmt"
	"image"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Compare shows one image as several settings see it, side by side: NaFlex
// patch budgets of one model, fixed-resolution checkpoints, or both. Every
// pane shows the image as its model received it (squashed to a square for
// fixed resolution, resized to the NaFlex grid otherwise) with the same
// view as the explorer over it. One cursor lives in image coordinates
// (viz.ImagePoint), so the same spot is compared across grids; the layer
// is relative when models differ in depth.
//
// The models share one compute backend and every piece of work that
// touches it (loading, forward passes, label encoding, the slower maps)
// runs off the UI loop through one gate, one at a time: a forward pass
// already uses every core, so running two at once would only make both
// slower. Panes appear one by one as their forward passes finish.

// CompareConfig is what compare starts from. The embedded Config gives the
// image (ImageName, LoadImage), the labels (Labels, Prompt), the terminal
// (ColorMode, Colormap), Demo, ExportDir and Clock; its LoadModel,
// ModelName, MaxPatches, Graphics and StartView are not used (compare
// draws with text cells).
type CompareConfig struct {
	Config
	Models   []inspect.ModelSource
	Settings []inspect.CompareSetting
}

// Spec is the comparison cfg describes, for the checks and the headless
// run that inspect does.
func (c *CompareConfig) Spec() inspect.CompareSpec {
	return inspect.CompareSpec{ImageName: c.ImageName, LoadImage: c.LoadImage, Models: c.Models, Settings: c.Settings,
		Labels: c.Labels, Prompt: c.Prompt, Clock: c.Clock}
}

// Check reports a configuration compare cannot run.
func (c *CompareConfig) Check() error {
	spec := c.Spec()
	return spec.Check()
}

// gate lets one piece of backend work run at a time.
type gate chan struct{}

func newGate() gate { return make(gate, 1) }

func (g gate) do(f func()) {
	g <- struct{}{}
	defer func() { <-g }()
	f()
}

// paneStage is how far a pane has come.
type paneStage int

const (
	paneWaiting paneStage = iota // for the image or its model
	paneRunning                  // queued or in its forward pass
	paneReady
	paneFailed
)

// modelSlot is one model of the comparison.
type modelSlot struct {
	src     inspect.ModelSource
	model   *engine.Model
	err     error
	loading bool
	dur     time.Duration
}

// comparePane is one setting's state.
type comparePane struct {
	set   inspect.CompareSetting
	stage paneStage
	err   error

	analysis *engine.Analysis
	mapper   *inspect.Maps
	pic      *image.NRGBA // the image as the model received it
	cover    viz.PatchCover

	prep, vision, text time.Duration
	internals          int64 // bytes of captured internals

	labels     []engine.Label
	scores     []engine.Score
	labelGen   int // gen the labels/scores are of; -1 none
	labelBusy  bool
	labelErr   error
	labelTexts []string
	// noText says why the pane's model cannot encode labels (no
	// tokenizer, or one the engine cannot read): the pane is vision only.
	noText error

	maps   mapSlot
	scaled *scaledMap // maps.cur on the shared range

	view imagePane
}

// CompareModel is the compare screen's Bubble Tea model. Create it with
// NewCompare.
type CompareModel struct {
	sh      *shared
	cfg     CompareConfig
	gate    gate
	spinner spinner.Model

	img    *preprocess.Image
	imgErr error
	imgDur time.Duration
	slots  []*modelSlot
	panes  []*comparePane

	// selection is the view, layer, head and display, as in the
	// explorer; its layer counts in the focused pane's depth (layers) and
	// the other panes follow by fraction of depth.
	selection
	point viz.ImagePoint
	focus int
	// perPane gives each pane its own colour scale and PCA basis; by
	// default the panes share them, so one colour means one value.
	perPane bool
	// shared holds the shared-basis PCA maps computed so far, by the
	// levels the panes show; pcaBusy marks the one being computed.
	shared    map[string][]*inspect.Map
	pcaBusy   map[string]bool
	labels    labelList
	help      helpView
	message   string
	msgIsErr  bool
	exporting bool
	quitting  bool
	keys      compareKeyMap
}

// compareViews is the number of views compare offers (the explorer's first
// four).
const compareViews = int(viewLocality)

// compareKeyMap holds compare's own keys; the rest are the explorer's.
type compareKeyMap struct {
	FocusNext, FocusPrev, Scale key.Binding
}

func defaultCompareKeys() compareKeyMap {
	return compareKeyMap{
		FocusNext: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "focus the next pane")),
		FocusPrev: key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "focus the previous pane")),
		Scale:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "colour scale, PCA: shared / per pane")),
	}
}

// NewCompare returns the compare screen for cfg (cfg.Check must pass).
func NewCompare(cfg CompareConfig) *CompareModel {
	sh := newShared(cfg.Config)
	m := &CompareModel{
		sh: sh, cfg: cfg, gate: newGate(),
		spinner:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		selection: newSelection(&sh.keys, compareViews, cfg.Colormap, cfg.ColorMode),
		point:     viz.ImagePoint{XNum: 1, XDen: 2, YNum: 1, YDen: 2},
		labels:    newLabelList(sh, cfg.Labels),
		keys:      defaultCompareKeys(),
		shared:    map[string][]*inspect.Map{},
		pcaBusy:   map[string]bool{},
	}
	m.labels.byScore = false // the table keeps one row order for every pane
	m.message = cfg.Notice
	for _, src := range cfg.Models {
		m.slots = append(m.slots, &modelSlot{src: src})
	}
	for _, s := range cfg.Settings {
		p := &comparePane{set: s, labelGen: -1, maps: newMapSlot(256)}
		p.view.sh, p.view.alignTop = sh, true
		m.panes = append(m.panes, p)
	}
	return m
}

// Messages of compare's commands.
type (
	cmpModelMsg struct {
		slot  int
		model *engine.Model
		dur   time.Duration
		err   error
	}
	cmpPaneMsg struct {
		pane         int
		a            *engine.Analysis
		prep, vision time.Duration
		err          error
	}
	cmpLabelsMsg struct {
		pane, gen int
		texts     []string
		labels    []engine.Label
		scores    []engine.Score
		dur       time.Duration
		err       error
	}
	cmpMapMsg struct {
		pane int
		key  inspect.MapKey
		m    *inspect.Map
		err  error
	}
	cmpPCAMsg struct {
		key  string
		maps []*inspect.Map
		err  error
	}
)

// Init decodes the image and loads every model (one at a time).
func (m *CompareModel) Init() tea.Cmd {
	cmds := []tea.Cmd{loadImageCmd(&m.sh.cfg), m.spinner.Tick}
	for i, s := range m.slots {
		s.loading = true
		cmds = append(cmds, m.loadModelCmd(i))
	}
	return tea.Batch(cmds...)
}

func (m *CompareModel) loadModelCmd(i int) tea.Cmd {
	src, cfg, g := m.slots[i].src, &m.sh.cfg, m.gate
	return func() tea.Msg {
		var msg cmpModelMsg
		g.do(func() {
			start := cfg.now()
			model, err := src.Load()
			msg = cmpModelMsg{slot: i, model: model, dur: cfg.now().Sub(start), err: err}
		})
		return msg
	}
}

// analyzeCmd prepares the image for a pane and runs the vision tower with
// capture, then copies the internals the views read to host memory (free
// on host backends), so that cheap maps never touch the backend.
func (m *CompareModel) analyzeCmd(i int) tea.Cmd {
	p := m.panes[i]
	model, img, cfg, g := m.slots[p.set.Model].model, m.img, &m.sh.cfg, m.gate
	budget := p.set.MaxPatches
	return func() tea.Msg {
		msg := cmpPaneMsg{pane: i}
		g.do(func() {
			start := cfg.now()
			prepared, err := model.Prepare(img, budget)
			if err != nil {
				msg.err = err
				return
			}
			mid := cfg.now()
			out, err := model.EncodeImages(cfg.ctx(), []engine.VisionInput{prepared.Input}, true)
			if err == nil {
				if err = model.CheckVision(cfg.ctx(), []engine.VisionInput{prepared.Input}, out); err != nil && out.Internals != nil {
					out.Internals.Release()
				}
			}
			if err != nil {
				msg.err = err
				return
			}
			msg.prep, msg.vision = mid.Sub(start), cfg.now().Sub(mid)
			a := &engine.Analysis{Model: model, Source: img, Prepared: prepared, Vision: out,
				Timings: engine.Timings{Preprocess: msg.prep, Vision: msg.vision}}
			msg.err = inspect.WarmInternals(a)
			msg.a = a
		})
		return msg
	}
}

func (m *CompareModel) labelsCmd(i int, texts []string, gen int) tea.Cmd {
	p := m.panes[i]
	model, a, cfg, g := p.analysis.Model, p.analysis, &m.sh.cfg, m.gate
	return func() tea.Msg {
		msg := cmpLabelsMsg{pane: i, gen: gen, texts: texts}
		g.do(func() {
			start := cfg.now()
			labels, _, err := model.EncodeLabels(cfg.ctx(), texts, cfg.Prompt)
			if err != nil {
				msg.err = err
				return
			}
			scores, err := model.ScoreLabels(a.ImageEmbedding(), labels)
			msg.labels, msg.scores, msg.dur, msg.err = labels, scores, cfg.now().Sub(start), err
		})
		return msg
	}
}

func (m *CompareModel) mapCmd(i int, r inspect.MapRequest) tea.Cmd {
	maps, g := m.panes[i].mapper, m.gate
	return func() tea.Msg {
		var msg cmpMapMsg
		g.do(func() {
			c, err := maps.Compute(r)
			msg = cmpMapMsg{pane: i, key: r.Key(), m: c, err: err}
		})
		return msg
	}
}

// Update folds one message into the model.
func (m *CompareModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.layout() // the info block's size follows the view and the labels
	return m, tea.Batch(cmd, m.refresh())
}

func (m *CompareModel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.sh.width, m.sh.height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.MouseClickMsg:
		return m.click(tea.Mouse(msg))
	case tea.MouseWheelMsg:
		if !m.help.open && !m.labels.editing {
			m.selection.wheel(msg.Button)
		}
		return nil
	case tea.PasteMsg:
		if m.labels.editing {
			m.labels.Update(msg)
		}
		return nil
	case spinner.TickMsg:
		if !m.busy() {
			return nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return cmd
	case imageMsg:
		m.img, m.imgErr, m.imgDur = msg.img, msg.err, msg.dur
		return m.startPanes()
	case cmpModelMsg:
		s := m.slots[msg.slot]
		s.loading, s.model, s.err, s.dur = false, msg.model, msg.err, msg.dur
		return m.startPanes()
	case cmpPaneMsg:
		return m.paneDone(msg)
	case cmpLabelsMsg:
		p := m.panes[msg.pane]
		p.labelBusy = false
		if msg.gen == m.labels.gen {
			p.labelGen, p.labelErr = msg.gen, msg.err
			p.labels, p.scores, p.text, p.labelTexts = msg.labels, msg.scores, msg.dur, msg.texts
			if msg.err != nil {
				p.labels, p.scores = nil, nil
			}
		}
		return m.encodeLabels()
	case cmpMapMsg:
		m.panes[msg.pane].maps.done(msg.key, msg.m, msg.err, m.want(msg.pane))
		return nil
	case cmpPCAMsg:
		delete(m.pcaBusy, msg.key)
		if msg.err != nil {
			m.setMessage("PCA per pane: "+msg.err.Error(), false)
			m.perPane = true
			return nil
		}
		m.shared[msg.key] = msg.maps
		return nil
	case exportMsg:
		m.exporting = false
		if msg.err != nil {
			m.setMessage(msg.err.Error(), true)
		} else {
			m.setMessage(savedMessage(msg.png, msg.json), false)
		}
		return nil
	}
	return nil
}

// startPanes queues the forward pass of every pane whose image and model
// are there.
func (m *CompareModel) startPanes() tea.Cmd {
	var cmds []tea.Cmd
	for i, p := range m.panes {
		if p.stage != paneWaiting {
			continue
		}
		s := m.slots[p.set.Model]
		switch {
		case m.imgErr != nil:
			p.stage, p.err = paneFailed, fmt.Errorf("image: %w", m.imgErr)
		case s.err != nil:
			p.stage, p.err = paneFailed, s.err
		case m.img != nil && s.model != nil:
			p.stage = paneRunning
			cmds = append(cmds, m.analyzeCmd(i))
		}
	}
	if len(cmds) > 0 {
		cmds = append(cmds, m.spinner.Tick)
	}
	return tea.Batch(cmds...)
}

// paneDone takes a finished forward pass.
func (m *CompareModel) paneDone(msg cmpPaneMsg) tea.Cmd {
	p := m.panes[msg.pane]
	if msg.err != nil {
		p.stage, p.err = paneFailed, msg.err
		return nil
	}
	a := msg.a
	p.stage, p.analysis, p.prep, p.vision = paneReady, a, msg.prep, msg.vision
	p.mapper = inspect.NewMaps(a)
	p.noText = a.Model.CanEncodeText()
	p.internals = inspect.InternalsBytes(a)
	p.pic, p.cover = inspect.ReceivedImage(a)
	p.view.SetImage(p.pic)
	if m.level < 0 {
		m.setModel(a.Layers(), a.Heads())
	}
	m.heads = max(m.heads, a.Heads())
	if msg.pane == m.focus {
		m.setFocus(m.focus) // count the layer in the focused pane's depth
	}
	m.layout()
	return m.encodeLabels()
}

// encodeLabels starts encoding the label list for every ready pane whose
// scores are of an older list.
func (m *CompareModel) encodeLabels() tea.Cmd {
	var cmds []tea.Cmd
	texts := m.labels.Texts()
	for i, p := range m.panes {
		if p.stage != paneReady || p.labelBusy || p.labelGen == m.labels.gen {
			continue
		}
		if p.noText != nil {
			// Vision only: the pane keeps its maps and says so.
			p.labelGen, p.labels, p.scores, p.labelTexts, p.labelErr = m.labels.gen, nil, nil, nil, nil
			continue
		}
		if len(texts) == 0 {
			p.labelGen, p.labels, p.scores, p.labelTexts, p.labelErr = m.labels.gen, nil, nil, nil, nil
			continue
		}
		p.labelBusy = true
		cmds = append(cmds, m.labelsCmd(i, texts, m.labels.gen))
	}
	if len(cmds) > 0 {
		cmds = append(cmds, m.spinner.Tick)
	}
	return tea.Batch(cmds...)
}

// busy tells whether anything runs in the background.
func (m *CompareModel) busy() bool {
	if m.exporting {
		return true
	}
	for _, s := range m.slots {
		if s.loading {
			return true
		}
	}
	for _, p := range m.panes {
		if p.stage == paneRunning || p.labelBusy || p.maps.busy() {
			return true
		}
	}
	return false
}

func (m *CompareModel) setMessage(s string, isErr bool) { m.message, m.msgIsErr = s, isErr }

// ready lists the panes whose forward pass is done.
func (m *CompareModel) ready() []int {
	var out []int
	for i, p := range m.panes {
		if p.stage == paneReady {
			out = append(out, i)
		}
	}
	return out
}

// relativeLevel maps level, counted in a model of refL blocks, to the same
// fraction of depth in a model of L blocks: round(level·L/refL). Feature
// levels keep their ends (0 = embeddings, refL+1 = after the final
// LayerNorm → L+1); blocks 1…refL map into 1…L. Equal depths map as is.
func relativeLevel(level, refL, L int, blocks bool) int {
	lo, hi := 0, L+1
	if blocks {
		lo, hi = 1, L
	}
	var v int
	switch {
	case refL <= 0 || refL == L:
		v = level
	case !blocks && level <= 0:
		v = 0
	case !blocks && level >= refL+1:
		v = L + 1
	default:
		v = min(max(int(math.Round(float64(level)*float64(L)/float64(refL))), 1), L)
	}
	return min(max(v, lo), hi)
}

// paneLevel is the level pane i shows for kind k.
func (m *CompareModel) paneLevel(i int, k inspect.MapKind) int {
	return relativeLevel(m.levelFor(k), m.layers, m.panes[i].analysis.Layers(), k.BlockLevels())
}

// depthsDiffer tells whether the ready panes' models differ in depth.
func (m *CompareModel) depthsDiffer() bool {
	for _, i := range m.ready() {
		if m.panes[i].analysis.Layers() != m.layers {
			return true
		}
	}
	return false
}

// panePatch is the patch under the shared cursor in pane i.
func (m *CompareModel) panePatch(i int) viz.Patch { return m.panes[i].cover.PatchAt(m.point) }

// selectedLabel is pane i's encoding of the selected label, or nil.
func (m *CompareModel) selectedLabel(i int) *engine.Label {
	p := m.panes[i]
	sel := m.labels.sel
	if p.labelGen != m.labels.gen || sel < 0 || sel >= len(p.labels) {
		return nil
	}
	return &p.labels[sel]
}

// want is the key of the map pane i should show.
func (m *CompareModel) want(i int) inspect.MapKey {
	if r, ok := m.request(i); ok {
		return r.Key()
	}
	return inspect.NoMapKey
}

// request is the map pane i should show.
func (m *CompareModel) request(i int) (inspect.MapRequest, bool) {
	p := m.panes[i]
	if p.stage != paneReady || m.level < 0 {
		return inspect.MapRequest{}, false
	}
	k := m.kind()
	head := m.head
	if head >= p.analysis.Heads() {
		head = viz.MeanHeads
	}
	r := inspect.MapRequest{Kind: k, Level: m.paneLevel(i, k), Head: head, Patch: m.panePatch(i)}
	if k == inspect.MapLabel {
		if r.Label = m.selectedLabel(i); r.Label == nil {
			return r, false
		}
	}
	return r, true
}

// refresh brings every pane's map up to date, from its cache, computed
// here when cheap, or in a command.
func (m *CompareModel) refresh() tea.Cmd {
	var cmds []tea.Cmd
	for i, p := range m.panes {
		r, ok := m.request(i)
		if cmd := p.maps.sync(p.mapper, r, ok, func(r inspect.MapRequest) tea.Cmd { return m.mapCmd(i, r) }); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	if cmd := m.sharedPCACmd(); cmd != nil {
		cmds = append(cmds, cmd)
	}
	if len(cmds) > 0 {
		cmds = append(cmds, m.spinner.Tick)
	}
	return tea.Batch(cmds...)
}

// setFocus makes pane i the one whose grid the arrow keys step through
// and whose depth the layer counts in.
func (m *CompareModel) setFocus(i int) {
	p := m.panes[i]
	if p.stage != paneReady || i == m.focus && m.layers == p.analysis.Layers() {
		m.focus = i
		return
	}
	m.level = m.paneLevel(i, inspect.MapSimilarity)
	m.layers = p.analysis.Layers()
	m.focus = i
}

// cycleFocus moves the focus to the next (d = 1) or previous ready pane.
func (m *CompareModel) cycleFocus(d int) {
	ready := m.ready()
	if len(ready) == 0 {
		return
	}
	pos := 0
	for j, i := range ready {
		if i == m.focus {
			pos = j
		}
	}
	m.setFocus(ready[((pos+d)%len(ready)+len(ready))%len(ready)])
}

// moveCursor steps the shared cursor one patch of the focused pane's grid.
func (m *CompareModel) moveCursor(dr, dc int) {
	if m.focus >= len(m.panes) || m.panes[m.focus].stage != paneReady {
		return
	}
	m.point = m.panes[m.focus].cover.Step(m.point, dr, dc)
}

// key handles a key press: the label being typed, the help screen, the
// keys every screen shares, then compare's own (focus, the shared cursor).
func (m *CompareModel) key(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.sh.keys
	if handled, cmd := modalKey(k, m, &m.labels, &m.help, keys); handled {
		return cmd
	}
	m.message = ""
	if handled, cmd := commonKey(k, m, &m.selection, &m.labels, &m.help); handled {
		return cmd
	}
	switch {
	case keyMatches(k, m.keys.Scale):
		m.perPane = !m.perPane
	case keyMatches(k, m.keys.FocusNext):
		m.cycleFocus(1)
	case keyMatches(k, m.keys.FocusPrev):
		m.cycleFocus(-1)
	case keyMatches(k, keys.Up), keyMatches(k, keys.PatchUp):
		m.moveCursor(-1, 0)
	case keyMatches(k, keys.Down), keyMatches(k, keys.PatchDown):
		m.moveCursor(1, 0)
	case keyMatches(k, keys.Left):
		m.moveCursor(0, -1)
	case keyMatches(k, keys.Right):
		m.moveCursor(0, 1)
	}
	return nil
}

func (m *CompareModel) quit() tea.Cmd {
	m.quitting = true
	return tea.Quit
}

// click focuses the pane under the mouse and puts the cursor there, or
// switches view on a tab.
func (m *CompareModel) click(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft || m.help.open || m.labels.editing {
		return nil
	}
	l := m.computeLayout()
	if l.tooSmall {
		return nil
	}
	if ms.Y == 0 {
		for i, span := range m.tabBar(l).spans() {
			if ms.X >= span[0] && ms.X < span[1] {
				m.view = viewID(i)
			}
		}
		return nil
	}
	for j, i := range l.visible {
		p := m.panes[i]
		if p.stage != paneReady || !image.Pt(ms.X, ms.Y).In(l.panes[j]) {
			continue
		}
		ox, oy := p.view.origin()
		if pt, ok := p.cover.CellPoint(ms.X-ox, ms.Y-oy, p.view.cols, p.view.rows); ok {
			m.point = pt
		}
		m.setFocus(i)
		return nil
	}
	return nil
}

// Result returns the models compare loaded, to close, and the first
// failure, if any.
func (m *CompareModel) Result() ([]*engine.Model, error) {
	var models []*engine.Model
	var first error
	for _, s := range m.slots {
		if s.model != nil {
			models = append(models, s.model)
		}
		if s.err != nil && first == nil {
			first = fmt.Errorf("%s: %w", s.src.Name, s.err)
		}
	}
	if m.imgErr != nil {
		first = fmt.Errorf("image: %w", m.imgErr)
	}
	for _, p := range m.panes {
		if p.err != nil && first == nil {
			first = fmt.Errorf("%s: %w", p.set.Name, p.err)
		}
	}
	return models, first
}

// release frees every pane's captured internals.
func (m *CompareModel) release() {
	for _, p := range m.panes {
		if p.analysis != nil {
			p.analysis.Release()
		}
	}
}

// sharedKey names the levels the ready panes show in the PCA view, the
// key of their shared-basis maps; "" when no shared basis is wanted.
func (m *CompareModel) sharedKey() (string, []int) {
	ready := m.ready()
	if m.perPane || m.view != viewPCA || len(ready) < 2 || m.level < 0 {
		return "", nil
	}
	levels := make([]int, len(ready))
	parts := make([]string, len(ready))
	for j, i := range ready {
		levels[j] = m.paneLevel(i, inspect.MapPCA)
		parts[j] = fmt.Sprintf("%d:%d", i, levels[j])
	}
	return strings.Join(parts, ","), levels
}

// sharedPCACmd computes the shared-basis PCA of the ready panes when the
// PCA view wants it and it is not there yet.
func (m *CompareModel) sharedPCACmd() tea.Cmd {
	key, levels := m.sharedKey()
	if key == "" || m.shared[key] != nil || m.pcaBusy[key] {
		return nil
	}
	var analyses []*engine.Analysis
	for _, i := range m.ready() {
		analyses = append(analyses, m.panes[i].analysis)
	}
	m.pcaBusy[key] = true
	g := m.gate
	return func() tea.Msg {
		var msg cmpPCAMsg
		g.do(func() {
			maps, err := inspect.SharedPCA(analyses, levels)
			msg = cmpPCAMsg{key: key, maps: maps, err: err}
		})
		return msg
	}
}

// paneMap is the map pane i shows: its own, or the shared-basis PCA, with
// the colour range shared by every pane unless each has its own.
func (m *CompareModel) paneMap(i int) *inspect.Map {
	p := m.panes[i]
	if key, _ := m.sharedKey(); key != "" {
		if maps := m.shared[key]; maps != nil {
			for j, r := range m.ready() {
				if r == i {
					return maps[j]
				}
			}
		}
		return nil // the shared basis is being computed
	}
	cur := p.maps.cur
	if cur == nil || cur.Colors != nil || m.perPane {
		return cur
	}
	rng, ok := m.sharedRange()
	if !ok || rng == cur.Range {
		return cur
	}
	if p.scaled == nil || p.scaled.from != cur || p.scaled.m.Range != rng {
		c := *cur
		c.Range = rng
		p.scaled = &scaledMap{from: cur, m: &c}
	}
	return p.scaled.m
}

// sharedRange is the union of the ready panes' current map ranges (only
// when every pane shows the map the screen wants).
func (m *CompareModel) sharedRange() (viz.Range, bool) {
	var r viz.Range
	first := true
	for _, i := range m.ready() {
		p := m.panes[i]
		if !p.maps.shows(m.want(i)) || !p.maps.cur.Range.Valid() {
			return viz.Range{}, false
		}
		pr := p.maps.cur.Range
		if first {
			r, first = pr, false
			continue
		}
		r.Min, r.Max = min(r.Min, pr.Min), max(r.Max, pr.Max)
	}
	return r, !first
}

// scaledMap is a pane's map drawn on the shared range, kept so redraws
// reuse one copy.
type scaledMap struct {
	from *inspect.Map
	m    *inspect.Map
}
