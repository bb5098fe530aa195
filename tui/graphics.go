package tui

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/disintegration/imaging"
	"golang.org/x/term"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Graphics protocols draw real pixels, but Bubble Tea's renderer keeps a
// grid of text cells and drops any escape sequence it does not know, so an
// image cannot travel inside a View. Instead the explorer leaves the
// image's cells blank and a Painter, which sits between the renderer and
// the terminal, paints the picture over them right after a frame is
// written: never in the middle of one, and again whenever a frame erased
// the screen. Overlays (help, a too-small terminal) take the picture away
// first: kitty images are deleted by id; sixel and iTerm2 pictures live in
// the cells, so the screen is cleared and redrawn from the renderer's text.

// Layer is one picture painted over the screen.
type Layer struct {
	// X, Y is the top-left cell (0-based).
	X, Y int
	// Cols, Rows are the cells the picture covers.
	Cols, Rows int
	// Seq draws the picture at the cursor.
	Seq string
}

// rect is the layer's cell rectangle.
func (l *Layer) rect() image.Rectangle { return image.Rect(l.X, l.Y, l.X+l.Cols, l.Y+l.Rows) }

// GraphicsSink shows and hides the picture layer; Painter is the real one.
type GraphicsSink interface {
	Show(l *Layer)
	Hide()
	// SetProtocol switches the protocol (the terminal said it draws
	// sixel).
	SetProtocol(p viz.Protocol)
}

// Painter is the terminal output of the program when a graphics protocol
// is on: it passes Bubble Tea's frames through and paints the current
// layer after them. It implements the file interface Bubble Tea needs to
// treat it as the terminal.
type Painter struct {
	f     *os.File
	w     io.Writer // where bytes go (f, or a buffer in tests)
	proto viz.Protocol

	mu    sync.Mutex
	layer *Layer
	dirty bool
	// painted is the cell rectangle of the last sixel or iTerm2 picture
	// painted: its pixels stay on screen until text is written over them.
	painted image.Rectangle
	timer   *time.Timer
	// settle is how long after Show the layer is painted when no frame
	// comes (the screen is then stable).
	settle time.Duration
	// size reads the terminal's size in cells; shownAt is the size the
	// layer was made for. A frame written after the size changed drops
	// the layer instead of painting it again: a picture made for the old
	// size would spill over the new screen (the explorer builds a new
	// one for the new size).
	size    func() (cols, rows int, err error)
	shownAt [2]int
}

// kittyImageID is the id of the explorer's one kitty image.
const kittyImageID = 0x51C1

// NewPainter wraps the terminal f for protocol proto.
func NewPainter(f *os.File, proto viz.Protocol) *Painter {
	return &Painter{f: f, w: f, proto: proto, settle: 50 * time.Millisecond,
		size: func() (int, int, error) { return term.GetSize(int(f.Fd())) }}
}

// SetProtocol switches the protocol of the pictures shown from now on.
func (p *Painter) SetProtocol(proto viz.Protocol) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.proto = proto
}

// termSize is the terminal's size now, or the zero size when unknown.
func (p *Painter) termSize() [2]int {
	if p.size == nil {
		return [2]int{}
	}
	c, r, err := p.size()
	if err != nil {
		return [2]int{}
	}
	return [2]int{c, r}
}

// resizedLocked drops the layer when the terminal's size changed since it
// was shown, and reports whether it did.
func (p *Painter) resizedLocked() bool {
	if p.layer == nil || p.termSize() == p.shownAt {
		return false
	}
	if p.proto == viz.ProtocolKitty {
		io.WriteString(p.w, viz.DeleteKittyImages(kittyImageID)) //nolint:errcheck
	}
	p.layer, p.dirty, p.painted = nil, false, image.Rectangle{}
	return true
}

// Read reads from the terminal.
func (p *Painter) Read(b []byte) (int, error) { return p.f.Read(b) }

// Close hides the layer; the terminal itself stays open.
func (p *Painter) Close() error {
	p.Hide()
	return nil
}

// Fd is the terminal's file descriptor.
func (p *Painter) Fd() uintptr { return p.f.Fd() }

// Write writes a frame, then paints the layer if it is new or the frame
// erased the screen.
func (p *Painter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, err := p.w.Write(b)
	if err != nil {
		return n, err
	}
	if p.layer != nil && (p.dirty || erases(b)) && !p.resizedLocked() {
		p.paintLocked()
	}
	return n, nil
}

// erases tells whether a frame clears the screen (or part of it), which
// takes sixel and iTerm2 pictures with it.
func erases(b []byte) bool {
	return bytes.Contains(b, []byte("\x1b[2J")) || bytes.Contains(b, []byte("\x1b[J")) || bytes.Contains(b, []byte("\x1b[0J"))
}

func (p *Painter) paintLocked() {
	var b bytes.Buffer
	b.WriteString("\x1b[?2026h\x1b7") // synchronised update; save cursor
	if p.proto != viz.ProtocolKitty {
		// A sixel or iTerm2 picture lives in the cells it covered. The
		// renderer believes cells it left blank are blank, so wherever the
		// old picture was and the new one will not be, erase the cells.
		eraseOutside(&b, p.painted, p.layer.rect())
		p.painted = p.layer.rect()
	}
	b.WriteString("\x1b[" + strconv.Itoa(p.layer.Y+1) + ";" + strconv.Itoa(p.layer.X+1) + "H")
	b.WriteString(p.layer.Seq)
	b.WriteString("\x1b8\x1b[?2026l")
	p.w.Write(b.Bytes()) //nolint:errcheck // a lost picture is redrawn on the next change
	p.dirty = false
}

// eraseOutside writes erase-character sequences over the cells of old that
// lie outside keep.
func eraseOutside(b *bytes.Buffer, old, keep image.Rectangle) {
	for y := old.Min.Y; y < old.Max.Y; y++ {
		for x := old.Min.X; x < old.Max.X; {
			if y >= keep.Min.Y && y < keep.Max.Y && x >= keep.Min.X && x < keep.Max.X {
				x = keep.Max.X
				continue
			}
			end := old.Max.X
			if y >= keep.Min.Y && y < keep.Max.Y && x < keep.Min.X {
				end = min(end, keep.Min.X)
			}
			fmt.Fprintf(b, "\x1b[%d;%dH\x1b[%dX", y+1, x+1, end-x)
			x = end
		}
	}
}

// Show sets the layer; it is painted after the next frame, or after a short
// pause when no frame comes.
func (p *Painter) Show(l *Layer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.layer, p.dirty, p.shownAt = l, true, p.termSize()
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timer = time.AfterFunc(p.settle, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.layer != nil && p.dirty && !p.resizedLocked() {
			p.paintLocked()
		}
	})
}

// Hide removes the layer. Kitty images are deleted at once; sixel and
// iTerm2 pictures go with the next full redraw (the app asks for one).
func (p *Painter) Hide() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer != nil {
		p.timer.Stop()
	}
	if p.layer != nil && p.proto == viz.ProtocolKitty {
		io.WriteString(p.w, viz.DeleteKittyImages(kittyImageID)) //nolint:errcheck
	}
	// Sixel and iTerm2 pictures go with the full redraw that follows.
	p.layer, p.dirty, p.painted = nil, false, image.Rectangle{}
}

// gfxKey is everything the picture layer depends on.
type gfxKey struct {
	m          *inspect.Map
	gridH      int
	gridW      int
	cursor     viz.Patch
	hasCursor  bool
	d          displayOpts
	x, y       int
	cols, rows int
	src        *image.NRGBA
	px         image.Point // the cell size in pixels
}

type gfxMsg struct {
	key   gfxKey
	layer *Layer
	base  *image.NRGBA
	err   error
}

// graphicsState keeps the picture layer in step with the screen: one build
// at a time, always of the newest state.
type graphicsState struct {
	sh       *shared
	sink     GraphicsSink
	building bool
	shownKey gfxKey // key of the layer shown
	shown    bool
	failed   *gfxKey      // the state whose build failed: not retried
	base     *image.NRGBA // the image at the layer's pixel size
	baseFor  image.Point
}

func newGraphicsState(sh *shared) *graphicsState { return &graphicsState{sh: sh} }

// SetGraphicsSink connects the explorer to a painter; without one it draws
// half-block cells only.
func (m *Model) SetGraphicsSink(s GraphicsSink) {
	if m.sh.graphics != viz.ProtocolNone || m.sh.cfg.AskSixel {
		m.gfx.sink = s
	}
}

// active tells whether the image is drawn by the graphics protocol now.
func (g *graphicsState) active(m *Model) bool {
	if g.sink == nil || g.sh.graphics == viz.ProtocolNone || m.img == nil || m.help.open || m.quitting || m.page() != nil {
		return false
	}
	return !m.computeLayout().tooSmall
}

func (g *graphicsState) want(m *Model) gfxKey {
	rows, cols := m.grid()
	k := gfxKey{m: m.maps.cur, gridH: rows, gridW: cols, d: m.disp, src: m.pic, cols: m.pane.cols, rows: m.pane.rows, px: m.sh.cellPx}
	k.x, k.y = m.pane.origin()
	if rows > 0 {
		k.cursor, k.hasCursor = m.patch, true
	}
	return k
}

// sync starts a build when the screen changed, or hides the layer when an
// overlay covers the image.
func (g *graphicsState) sync(m *Model) tea.Cmd {
	if g.sink == nil {
		return nil
	}
	if !g.active(m) {
		return g.hide(m)
	}
	k := g.want(m)
	if g.building || (g.shown && k == g.shownKey) || k.cols == 0 || (g.failed != nil && *g.failed == k) {
		return nil
	}
	g.building = true
	return g.buildCmd(k)
}

// hide takes the layer away; sixel and iTerm2 also need the screen redrawn.
func (g *graphicsState) hide(m *Model) tea.Cmd {
	if g.sink == nil || !g.shown {
		return nil
	}
	g.shown = false
	sink := g.sink
	hide := func() tea.Msg { sink.Hide(); return nil }
	if g.sh.graphics == viz.ProtocolKitty {
		return hide
	}
	return tea.Sequence(hide, tea.ClearScreen)
}

// built takes a finished layer: shown if the screen still wants it, and a
// newer build started otherwise.
func (g *graphicsState) built(m *Model, msg gfxMsg) tea.Cmd {
	g.building = false
	if msg.base != nil {
		g.base, g.baseFor = msg.base, image.Pt(msg.base.Rect.Dx(), msg.base.Rect.Dy())
	}
	if msg.err != nil {
		k := msg.key
		g.failed = &k
		m.setMessage("graphics: "+msg.err.Error()+" (run with --graphics none to draw with text cells)", true)
		return nil
	}
	if !g.active(m) || msg.key != g.want(m) {
		return nil // sync, run after this update, builds the newer state
	}
	g.shownKey, g.shown = msg.key, true
	sink, layer := g.sink, msg.layer
	return func() tea.Msg { sink.Show(layer); return nil }
}

// buildCmd draws the layer off the UI loop: the image at the pixel size of
// its cells, shown as the display asks (the map alone, over the image in
// grey, beside it, or the image alone: the same pictures as the cells),
// encoded for the protocol.
func (g *graphicsState) buildCmd(k gfxKey) tea.Cmd {
	px := k.px
	proto := g.sh.graphics
	w, h := k.cols*px.X, k.rows*px.Y
	if s := float64(2048) / float64(max(w, h)); s < 1 { // keep payloads sane
		w, h = int(float64(w)*s), int(float64(h)*s)
	}
	w, h = max(w, 1), max(h, 1)
	base := g.base
	if g.baseFor != image.Pt(w, h) {
		base = nil
	}
	side := k.d.display == viz.DisplaySide
	cols := k.cols
	if side {
		cols = 2*k.cols + 1
	}
	return func() tea.Msg {
		msg := gfxMsg{key: k}
		if base == nil {
			base = imaging.Resize(k.src, w, h, imaging.Lanczos)
			msg.base = base
		}
		o := viz.OverlayOptions{Opacity: k.d.opacity, Smooth: k.d.smooth, GridLines: k.d.grid}
		if k.hasCursor {
			c := k.cursor
			o.Cursor = &c
		}
		layer := k.d.layer(k.m)
		var pic *image.NRGBA
		var err error
		if side { // one cell between the two pictures, as in the cells
			left, lerr := viz.ShowMap(base, layer, viz.DisplayImage, o)
			right, rerr := viz.ShowMap(base, layer, viz.DisplayMap, o)
			if err = errors.Join(lerr, rerr); err == nil {
				pic = viz.HStack(max(px.X*w/max(k.cols*px.X, 1), 1), left, right)
			}
		} else {
			pic, err = viz.ShowMap(base, layer, k.d.display, o)
		}
		if err != nil {
			msg.err = err
			return msg
		}
		var seq string
		switch proto {
		case viz.ProtocolKitty:
			seq, err = viz.KittyImage(pic, viz.KittyOptions{ID: kittyImageID, Cols: cols, Rows: k.rows, KeepCursor: true})
			seq = viz.DeleteKittyImages(kittyImageID) + seq
		case viz.ProtocolITerm2:
			seq, err = viz.ITerm2Image(pic, cols, k.rows)
		case viz.ProtocolSixel:
			seq, err = viz.Sixel(pic)
		default:
			err = fmt.Errorf("unknown graphics protocol %v", proto)
		}
		msg.layer, msg.err = &Layer{X: k.x, Y: k.y, Cols: cols, Rows: k.rows, Seq: seq}, err
		return msg
	}
}
