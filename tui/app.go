package tui

import (
	"fmt"
	"image"
	"slices"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// viewID is one of the explorer's views.
type viewID int

const (
	viewSimilarity viewID = iota
	viewAttention
	viewLabels
	viewPCA
	viewLocality
	viewWhy
	viewTrained
	viewInside
	numViews
)

// viewNames name the views on their tabs; viewShort in the help's list.
var (
	viewNames = [numViews]string{"Similarity", "Attention", "Labels", "PCA", "Locality", "Why", "Trained", "Inside"}
	viewShort = [numViews]string{"sim", "attn", "labels", "PCA", "locality", "why", "trained", "inside"}
)

// attnMode is what the attention view shows.
type attnMode int

const (
	attnQuery attnMode = iota
	attnPooling
	attnRollout
	numAttnModes
)

var attnModeNames = [numAttnModes]string{"query patch", "pooling head", "rollout"}

// opacitySteps are the heatmap opacities the +/- keys step through.
var opacitySteps = []float64{0, 0.2, 0.4, 0.6, 0.8, 1}

// Model is the explorer's root Bubble Tea model. Create it with New.
type Model struct {
	sh       *shared
	spinner  spinner.Model
	progress progress

	// What the commands brought back.
	img      *preprocess.Image
	pic      *image.NRGBA
	model    *engine.Model
	prepared *engine.PreparedImage
	analysis *engine.Analysis
	mapper   *inspect.Maps

	// What the user chose: view, layer, head, display (shared with
	// compare), the patch, the labels.
	selection
	patch viz.Patch
	help  helpView

	labels labelList
	loc    *localityPage
	why    *whyPage
	// pages holds the views that draw their own body, by view.
	pages [numViews]page

	// maps is the map on screen and the cache of computed ones.
	maps mapSlot

	message   string
	msgIsErr  bool
	exporting bool

	pane    imagePane
	locPane imagePane // the locality view's patch map
	gfx     *graphicsState

	quitting bool
}

// New returns the explorer for cfg; run it with Run, or drive it with
// messages in tests.
func New(cfg Config) *Model {
	sh := newShared(cfg)
	m := &Model{
		sh:        sh,
		spinner:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		selection: newSelection(&sh.keys, int(numViews), cfg.Colormap, cfg.ColorMode),
		labels:    newLabelList(sh, cfg.Labels),
		maps:      newMapSlot(512),
	}
	m.pane.sh = sh
	m.message = cfg.Notice
	m.gfx = newGraphicsState(sh)
	if v, ok := parseView(cfg.StartView); ok {
		m.view = v
	}
	m.loc = &localityPage{}
	m.pages[viewLocality] = m.loc
	m.why = &whyPage{}
	m.pages[viewWhy] = m.why
	m.pages[viewTrained] = newTrainedPage(cfg.Trained)
	m.pages[viewInside] = newInsidePage()
	if m.view == viewLocality && cfg.StartLesson {
		m.loc.mode = locLesson
	}
	return m
}

// Init starts decoding the image and loading the model, side by side.
func (m *Model) Init() tea.Cmd {
	m.progress.start(stageDecode)
	m.progress.start(stageWeights)
	return tea.Batch(loadImageCmd(&m.sh.cfg), loadModelCmd(&m.sh.cfg), m.spinner.Tick, m.terminalQueries())
}

// terminalQueries asks the terminal what the environment did not say: its
// device attributes (does it draw sixel?) and its cell size in pixels.
// The answers arrive as messages (handled in update); a terminal that
// does not answer changes nothing.
func (m *Model) terminalQueries() tea.Cmd {
	var cmds []tea.Cmd
	if m.sh.cfg.AskSixel && m.sh.graphics == viz.ProtocolNone {
		cmds = append(cmds, tea.Raw(ansi.RequestPrimaryDeviceAttributes))
	}
	if !m.sh.cellKnown && (m.sh.graphics != viz.ProtocolNone || m.sh.cfg.AskSixel) {
		cmds = append(cmds, tea.Raw(ansi.WindowOp(ansi.RequestCellSizeWinOp)))
	}
	return tea.Batch(cmds...)
}

// resized re-reads the cell size in pixels after the window changed (a
// font-size change changes it too), asking the terminal when the system
// does not say.
func (m *Model) resized() tea.Cmd {
	if f := m.sh.cfg.CellSize; f != nil {
		if px := f(); px.X > 0 && px.Y > 0 {
			m.sh.cellPx, m.sh.cellKnown = px, true
			return nil
		}
	}
	if m.sh.graphics != viz.ProtocolNone {
		return tea.Raw(ansi.WindowOp(ansi.RequestCellSizeWinOp))
	}
	return nil
}

// Update folds one message into the model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	return m, tea.Batch(cmd, m.refresh(), m.syncPage(), m.gfx.sync(m))
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.sh.width, m.sh.height = msg.Width, msg.Height
		cmd := m.resized()
		m.layout()
		return cmd
	case uv.CellSizeEvent: // the answer to CSI 16 t
		if msg.Width > 0 && msg.Height > 0 {
			m.sh.cellPx, m.sh.cellKnown = image.Pt(msg.Width, msg.Height), true
			m.layout()
		}
		return nil
	case uv.PrimaryDeviceAttributesEvent: // the answer to CSI c
		if m.sh.cfg.AskSixel && m.sh.graphics == viz.ProtocolNone && slices.Contains(msg, 4) && m.gfx.sink != nil {
			m.sh.graphics = viz.ProtocolSixel
			m.gfx.sink.SetProtocol(viz.ProtocolSixel)
			m.setMessage("the terminal draws sixel: pictures at full resolution (--graphics none turns them off)", false)
			if !m.sh.cellKnown {
				return tea.Raw(ansi.WindowOp(ansi.RequestCellSizeWinOp))
			}
		}
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.MouseClickMsg:
		return m.click(tea.Mouse(msg))
	case tea.MouseWheelMsg:
		return m.wheel(tea.Mouse(msg))
	case tea.PasteMsg:
		if m.labels.editing {
			_, cmd := m.labels.Update(msg)
			return cmd
		}
		return nil
	case spinner.TickMsg:
		if !m.busy() {
			return nil // stop ticking; the next job starts it again
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return cmd
	case imageMsg:
		m.progress.finish(stageDecode, msg.dur, msg.err)
		if msg.err == nil {
			m.img = msg.img
			m.pic = inspect.NRGBA(msg.img)
			m.pane.SetImage(m.pic)
		}
		return m.next()
	case modelMsg:
		m.progress.finish(stageWeights, msg.dur, msg.err)
		if msg.err == nil {
			m.model = msg.model
			m.setModel(msg.model.Config.Vision.Layers, msg.model.Config.Vision.Heads)
		}
		return m.next()
	case preparedMsg:
		m.progress.finish(stagePreprocess, msg.dur, msg.err)
		if msg.err == nil {
			m.prepared = msg.prepared
			m.patch = viz.Patch{Row: msg.prepared.Input.GridH / 2, Col: msg.prepared.Input.GridW / 2}
		}
		return m.next()
	case visionMsg:
		m.progress.finish(stageVision, msg.dur, msg.err)
		if msg.err == nil {
			m.analysis = &engine.Analysis{Model: m.model, Source: m.img, Prepared: m.prepared, Vision: msg.out,
				Timings: engine.Timings{Preprocess: m.progress.stages[stagePreprocess].dur, Vision: msg.dur}}
			m.mapper = inspect.NewMaps(m.analysis)
		}
		return m.next()
	case labelsMsg:
		// The stage ends even for an outdated list; encodeLabels then
		// starts on the newest one (prompts seen before come from the
		// engine's cache).
		m.progress.finish(stageText, msg.dur, msg.err)
		m.labels.apply(msg)
		return m.encodeLabels()
	case mapMsg:
		m.maps.done(msg.key, msg.m, msg.err, m.want())
		return nil
	case exportMsg:
		m.exporting = false
		if msg.err != nil {
			m.setMessage(msg.err.Error(), true)
		} else {
			m.setMessage(savedMessage(msg.png, msg.json), false)
		}
		return nil
	case gfxMsg:
		return m.gfx.built(m, msg)
	}
	if _, cmd := m.pagesUpdate(msg); cmd != nil {
		return cmd
	}
	return nil
}

// next starts whichever loading stage has become possible.
func (m *Model) next() tea.Cmd {
	cfg := &m.sh.cfg
	if m.img != nil && m.model != nil && m.progress.stages[stagePreprocess].state == stageWaiting {
		m.progress.start(stagePreprocess)
		return tea.Batch(prepareCmd(cfg, m.model, m.img), m.spinner.Tick)
	}
	if m.prepared != nil && m.progress.stages[stageVision].state == stageWaiting {
		m.progress.start(stageVision)
		return tea.Batch(visionCmd(cfg, m.model, m.prepared), m.spinner.Tick)
	}
	if m.analysis != nil {
		return m.encodeLabels()
	}
	return nil
}

// encodeLabels starts encoding the label list when it changed.
func (m *Model) encodeLabels() tea.Cmd {
	if m.analysis == nil || !m.labels.pending() || m.progress.stages[stageText].state == stageRunning {
		return nil
	}
	if m.model.Tokenizer == nil {
		m.labels.err = fmt.Errorf("this model has no tokenizer (tokenizer.json or tokenizer.model), so labels cannot be encoded")
		m.progress.stages[stageText] = stage{state: stageSkipped}
		return nil
	}
	m.progress.start(stageText)
	return tea.Batch(labelsCmd(&m.sh.cfg, m.model, m.analysis, m.labels.Texts(), m.labels.gen), m.spinner.Tick)
}

// busy tells whether anything runs in the background (the spinner turns).
func (m *Model) busy() bool {
	return m.progress.busy() || m.maps.busy() || m.exporting || m.pagesBusy()
}

func (m *Model) setMessage(s string, isErr bool) { m.message, m.msgIsErr = s, isErr }

// grid is the patch grid (0, 0 before preprocessing).
func (m *Model) grid() (rows, cols int) {
	if m.prepared == nil {
		return 0, 0
	}
	return m.prepared.Input.GridH, m.prepared.Input.GridW
}

// request is the map the screen should show; ok is false when none can be
// asked for yet.
func (m *Model) request() (inspect.MapRequest, bool) {
	if m.mapper == nil || m.page() != nil {
		return inspect.MapRequest{}, false
	}
	k := m.kind()
	r := inspect.MapRequest{Kind: k, Level: m.levelFor(k), Head: m.head, Patch: m.patch}
	if k == inspect.MapLabel {
		r.Label = m.labels.Selected()
		if r.Label == nil {
			return r, false
		}
	}
	return r, true
}

// want is the cache key of the map the screen should show.
func (m *Model) want() inspect.MapKey {
	r, ok := m.request()
	if !ok {
		return inspect.NoMapKey
	}
	return r.Key()
}

// refresh makes the map on screen the one the state asks for: from the
// cache, computed here when cheap (a read of captured internals), or in a
// command.
func (m *Model) refresh() tea.Cmd {
	r, ok := m.request()
	cmd := m.maps.sync(m.mapper, r, ok, func(r inspect.MapRequest) tea.Cmd {
		return tea.Batch(computeMapCmd(m.mapper, r), m.spinner.Tick)
	})
	return cmd
}

// movePatch moves the cursor by (dr, dc) within the grid.
func (m *Model) movePatch(dr, dc int) {
	rows, cols := m.grid()
	if rows == 0 {
		return
	}
	m.patch.Row = min(max(m.patch.Row+dr, 0), rows-1)
	m.patch.Col = min(max(m.patch.Col+dc, 0), cols-1)
}

func keyMatches(k tea.KeyPressMsg, b ...key.Binding) bool { return key.Matches(k, b...) }

// key handles a key press: the label being typed, the help screen, the
// view's own keys, the keys every screen shares, then the explorer's.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.sh.keys
	if handled, cmd := modalKey(k, m, &m.labels, &m.help, keys); handled {
		return cmd
	}
	m.message = ""
	if p := m.page(); p != nil {
		if handled, cmd := p.Key(m, k); handled {
			return cmd
		}
	}
	if handled, cmd := commonKey(k, m, &m.selection, &m.labels, &m.help); handled {
		return cmd
	}
	switch {
	case keyMatches(k, keys.Up), keyMatches(k, keys.PatchUp):
		m.movePatch(-1, 0)
	case keyMatches(k, keys.Down), keyMatches(k, keys.PatchDown):
		m.movePatch(1, 0)
	case keyMatches(k, keys.Left):
		m.movePatch(0, -1)
	case keyMatches(k, keys.Right):
		m.movePatch(0, 1)
	}
	return nil
}

// helpSections are the explorer's keys, assembled from what each part of
// the screen handles.
func (m *Model) helpSections() []helpSection {
	k := m.sh.keys
	sel := m.selection.KeyHelp()
	cursor := append([]key.Binding{k.Up, k.Down, k.Left, k.Right, k.PatchUp, k.PatchDown}, sel.layer...)
	return append([]helpSection{
		{"Program", 0, []key.Binding{k.Help, k.Export, k.Quit}},
		sel.views,
		m.labels.KeyHelp(),
		sel.display,
		{"Cursor and layer (mouse too)", 1, cursor},
		sel.attention,
	}, m.pagesHelp()...)
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	return tea.Sequence(m.gfx.hide(m), tea.Quit)
}

// click handles a mouse click: a patch on the image, a tab, a label.
func (m *Model) click(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft || m.help.open || m.labels.editing {
		return nil
	}
	l := m.computeLayout()
	if l.tooSmall {
		return nil
	}
	if ms.Y == 0 {
		for i, span := range m.tabSpans(l) {
			if ms.X >= span[0] && ms.X < span[1] {
				m.view = viewID(i)
				return nil
			}
		}
		return nil
	}
	if p := m.page(); p != nil {
		_, cmd := p.Update(m, tea.MouseClickMsg(ms)) // a page takes its own clicks
		return cmd
	}
	rows, cols := m.grid()
	if p, ok := m.pane.PatchAt(ms.X, ms.Y, rows, cols); ok && rows > 0 {
		m.patch = p
		return nil
	}
	if m.view == viewLabels && l.side.Dx() > 0 && ms.X >= l.side.Min.X {
		// The list's first line is its header.
		if r := ms.Y - m.labelListTop(l) - 1 + m.labels.top; r >= m.labels.top {
			m.labels.pick(r)
		}
	}
	return nil
}

// clickPatch moves the cursor to the patch under a left click on pane's
// picture (a page's own map), and reports whether it did.
func (m *Model) clickPatch(pane *imagePane, ms tea.Mouse) bool {
	rows, cols := m.grid()
	if ms.Button != tea.MouseLeft || rows == 0 {
		return false
	}
	p, ok := pane.PatchAt(ms.X, ms.Y, rows, cols)
	if ok {
		m.patch = p
	}
	return ok
}

// wheel steps the layer: up goes deeper.
func (m *Model) wheel(ms tea.Mouse) tea.Cmd {
	if !m.help.open && !m.labels.editing {
		m.selection.wheel(ms.Button)
	}
	return nil
}

// export writes the current view as PNG and JSON off the UI loop.
func (m *Model) export() tea.Cmd {
	cur := m.maps.cur
	if m.view == viewLabels && len(m.labels.items) == 0 {
		m.setMessage("no label to save: press a to add one", true)
		return nil
	}
	if cur == nil || m.img == nil {
		m.setMessage("nothing to save yet: wait until the heatmap shows", true)
		return nil
	}
	if cur.Req.Key() != m.want() {
		m.setMessage("the heatmap is still being computed: press s again when it shows", true)
		return nil
	}
	if !saving(&m.exporting, m.setMessage) {
		return nil
	}
	e := &inspect.Export{Image: m.pic, Map: cur, Colormap: m.disp.cmap, Model: m.sh.cfg.ModelName, Display: m.disp.display,
		Overlay:   viz.OverlayOptions{Opacity: m.disp.opacity, Smooth: m.disp.smooth, GridLines: m.disp.grid},
		LevelName: m.analysis.FeatureLevelName(cur.Req.Level),
		Meta:      map[string]any{"image": m.sh.cfg.ImageName}}
	if it := m.labels.selectedItem(); cur.Req.Kind == inspect.MapLabel && it != nil && it.enc != nil {
		score := it.score
		e.Score = &score
	}
	if cur.Req.Kind.BlockLevels() {
		e.LevelName = fmt.Sprintf("block %d of %d", cur.Req.Level, m.layers)
	}
	return tea.Batch(exportCmd(e, m.sh.cfg.ExportDir, inspect.ExportBaseName(m.sh.cfg.ImageName, cur.Req)), m.spinner.Tick)
}

// Result reports how the explorer ended, for the caller of Run: the model
// it loaded (to close) and a loading error, if any.
func (m *Model) Result() (*engine.Model, error) {
	_, err := m.progress.failure()
	return m.model, err
}

// labelListTop is the screen row of the first label in the side panel.
func (m *Model) labelListTop(l screenLayout) int {
	_, top := m.sideLines(l.side.Dx(), l.side.Dy())
	return l.side.Min.Y + top
}
