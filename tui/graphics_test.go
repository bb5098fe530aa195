package tui

import (
	"bytes"
	"image"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// lockedBuffer is a bytes.Buffer safe for the painter's timer goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newTestPainter(proto viz.Protocol) (*Painter, *lockedBuffer) {
	buf := &lockedBuffer{}
	p := &Painter{w: buf, proto: proto, settle: time.Hour}
	return p, buf
}

func TestPainterPaintsAfterFramesNeverInside(t *testing.T) {
	p, out := newTestPainter(viz.ProtocolSixel)
	p.Write([]byte("frame1"))
	p.Show(&Layer{X: 4, Y: 2, Seq: "<PIC>"})
	if out.String() != "frame1" {
		t.Fatalf("painted before a frame: %q", out.String())
	}
	p.Write([]byte("frame2"))
	want := "frame1frame2\x1b[?2026h\x1b7\x1b[3;5H<PIC>\x1b8\x1b[?2026l"
	if out.String() != want {
		t.Fatalf("got %q\nwant %q", out.String(), want)
	}
	// A frame that only changes text does not repaint…
	p.Write([]byte("frame3"))
	if strings.Count(out.String(), "<PIC>") != 1 {
		t.Error("repainted after a frame that erased nothing")
	}
	// …one that erases the screen does (sixel pixels went with it).
	p.Write([]byte("\x1b[H\x1b[2Jframe4"))
	if strings.Count(out.String(), "<PIC>") != 2 || !strings.HasSuffix(out.String(), "<PIC>\x1b8\x1b[?2026l") {
		t.Errorf("no repaint after an erase: %q", out.String())
	}
	p.Hide()
	p.Write([]byte("\x1b[2Jframe5"))
	if strings.Count(out.String(), "<PIC>") != 2 {
		t.Error("painted after Hide")
	}
}

func TestPainterPaintsWhenNoFrameComes(t *testing.T) {
	p, out := newTestPainter(viz.ProtocolITerm2)
	p.settle = time.Millisecond
	p.Show(&Layer{X: 0, Y: 1, Seq: "<PIC>"})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "<PIC>") {
		if time.Now().After(deadline) {
			t.Fatal("the layer was never painted without a frame")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPainterHideDeletesKittyImages(t *testing.T) {
	p, out := newTestPainter(viz.ProtocolKitty)
	p.Show(&Layer{Seq: "<PIC>"})
	p.Write([]byte("f"))
	p.Hide()
	if !strings.HasSuffix(out.String(), viz.DeleteKittyImages(kittyImageID)) {
		t.Errorf("kitty image not deleted on Hide: %q", out.String())
	}
}

// fakeSink records what the explorer asks of the painter.
type fakeSink struct {
	shown  []*Layer
	hidden int
	proto  viz.Protocol
}

func (f *fakeSink) Show(l *Layer)              { f.shown = append(f.shown, l) }
func (f *fakeSink) Hide()                      { f.hidden++ }
func (f *fakeSink) SetProtocol(p viz.Protocol) { f.proto = p }

func TestGraphicsLayerFollowsTheScreenAndOverlays(t *testing.T) {
	for _, proto := range []viz.Protocol{viz.ProtocolKitty, viz.ProtocolSixel, viz.ProtocolITerm2} {
		t.Run(proto.String(), func(t *testing.T) {
			cfg := testConfig(t)
			cfg.ColorMode = viz.TrueColor
			cfg.Graphics = proto
			cfg.CellPixels = testCellPx
			sink := &fakeSink{}
			m := New(cfg)
			m.SetGraphicsSink(sink)
			d := &driver{t: t, m: m}
			d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
			d.run(m.Init())
			if len(sink.shown) == 0 {
				t.Fatal("no layer shown after loading")
			}
			l := sink.shown[len(sink.shown)-1]
			ox, oy := m.pane.origin()
			if l.X != ox || l.Y != oy || l.Seq == "" {
				t.Errorf("layer at (%d,%d), pane at (%d,%d)", l.X, l.Y, ox, oy)
			}
			// The image cells are left blank for the picture.
			screen := d.screen()
			if strings.Contains(strings.Join(m.pane.lastLines, ""), "▀") {
				t.Error("half blocks drawn under the picture")
			}
			n := len(sink.shown)
			d.keys("right")
			if len(sink.shown) != n+1 {
				t.Errorf("cursor move: %d new layers, want 1", len(sink.shown)-n)
			}
			// Help takes the picture away; sixel and iTerm2 also redraw
			// the screen so no pixels stay behind the text.
			d.other = nil
			d.keys("?")
			if sink.hidden != 1 {
				t.Errorf("help open: hidden %d times", sink.hidden)
			}
			cleared := false
			for _, msg := range d.other {
				if strings.Contains(strings.ToLower(reflectTypeName(msg)), "clearscreen") {
					cleared = true
				}
			}
			if cleared != (proto != viz.ProtocolKitty) {
				t.Errorf("clear screen on hide = %v", cleared)
			}
			d.keys("esc")
			if len(sink.shown) != n+2 {
				t.Errorf("help closed: layer not shown again")
			}
			// A terminal too small hides it too.
			d.send(tea.WindowSizeMsg{Width: 20, Height: 5})
			if sink.hidden != 2 {
				t.Errorf("too small: hidden %d times", sink.hidden)
			}
			_ = screen
		})
	}
}

// A sixel picture that moves or shrinks must not leave its old pixels
// behind: the cells it covered and the new one does not are erased first.
func TestPainterErasesWhereThePictureWas(t *testing.T) {
	var out bytes.Buffer
	p := &Painter{w: &out, proto: viz.ProtocolSixel, settle: time.Hour}
	p.Show(&Layer{X: 0, Y: 2, Cols: 4, Rows: 3, Seq: "<A>"})
	p.Write([]byte("frame1"))
	if strings.Contains(out.String(), "X") {
		t.Fatalf("first paint erased something: %q", out.String())
	}
	out.Reset()
	p.Show(&Layer{X: 0, Y: 1, Cols: 4, Rows: 3, Seq: "<B>"}) // moved up a row
	p.Write([]byte("frame2"))
	got := out.String()
	// Old rows 2..4, new rows 1..3: only old row 4 (1-based 5) is outside.
	if !strings.Contains(got, "\x1b[5;1H\x1b[4X") || strings.Count(got, "X") != 1 || !strings.Contains(got, "<B>") {
		t.Errorf("second paint = %q, want row 5 erased once, then <B>", got)
	}
	if strings.Index(got, "\x1b[5;1H\x1b[4X") > strings.Index(got, "<B>") {
		t.Error("erased after painting")
	}
	out.Reset()
	p.Hide()
	p.Show(&Layer{X: 0, Y: 0, Cols: 2, Rows: 2, Seq: "<C>"}) // after a hide the screen was redrawn
	p.Write([]byte("frame3"))
	if strings.Contains(out.String(), "X") {
		t.Errorf("paint after Hide erased: %q", out.String())
	}
}

// A frame written after the terminal changed size drops the picture
// instead of painting the old, larger one over the new screen; the next
// layer (built for the new size) is painted again.
func TestPainterDropsThePictureWhenTheTerminalResizes(t *testing.T) {
	for _, proto := range []viz.Protocol{viz.ProtocolSixel, viz.ProtocolKitty, viz.ProtocolITerm2} {
		t.Run(proto.String(), func(t *testing.T) {
			p, out := newTestPainter(proto)
			size := [2]int{120, 40}
			p.size = func() (int, int, error) { return size[0], size[1], nil }
			p.Show(&Layer{X: 1, Y: 1, Cols: 10, Rows: 5, Seq: "<OLD>"})
			p.Write([]byte("frame1"))
			if strings.Count(out.String(), "<OLD>") != 1 {
				t.Fatalf("not painted: %q", out.String())
			}
			size = [2]int{80, 24} // the window shrank
			p.Write([]byte("\x1b[H\x1b[2Jframe2"))
			if strings.Count(out.String(), "<OLD>") != 1 {
				t.Errorf("the old picture was painted after the resize: %q", out.String())
			}
			if proto == viz.ProtocolKitty && !strings.HasSuffix(out.String(), viz.DeleteKittyImages(kittyImageID)) {
				t.Errorf("kitty image not deleted on resize: %q", out.String())
			}
			p.Show(&Layer{X: 1, Y: 1, Cols: 6, Rows: 3, Seq: "<NEW>"})
			p.Write([]byte("frame3"))
			if !strings.Contains(out.String(), "<NEW>") {
				t.Errorf("the new picture was not painted: %q", out.String())
			}
		})
	}
}

// The graphics layer shows what the display mode asks (side by side is
// two pictures a cell apart, twice as wide), and the picture keeps its
// shape in pixels whatever the cell size.
func TestGraphicsLayerFollowsDisplayAndCellSize(t *testing.T) {
	cfg := testConfig(t)
	cfg.ColorMode = viz.TrueColor
	cfg.Graphics = viz.ProtocolKitty
	cfg.CellPixels = image.Pt(6, 13) // xterm's cells: not 1:2
	sink := &fakeSink{}
	m := New(cfg)
	m.SetGraphicsSink(sink)
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.Init())
	l := sink.shown[len(sink.shown)-1]
	// The 64×48 picture on screen: cols·6 by rows·13 pixels.
	if got, want := float64(l.Cols*6)/float64(l.Rows*13), 64.0/48; math.Abs(got-want) > want*(1/float64(l.Rows)+1/float64(l.Cols)) {
		t.Errorf("layer %d×%d cells of 6×13 pixels: aspect %.3f, image %.3f", l.Cols, l.Rows, got, want)
	}
	single := l.Cols
	d.keys("o", "o") // map → overlay → side by side
	if m.disp.display != viz.DisplaySide {
		t.Fatalf("display %v", m.disp.display)
	}
	l = sink.shown[len(sink.shown)-1]
	if l.Cols != 2*m.pane.cols+1 || m.pane.cols > single {
		t.Errorf("side by side: layer %d cells wide, pane pictures %d (single %d)", l.Cols, m.pane.cols, single)
	}
	// The terminal answers CSI 16 t with another cell size: the pane
	// refits and a new layer is built for it.
	n := len(sink.shown)
	d.send(uv.CellSizeEvent{Width: 10, Height: 20})
	if m.sh.cellPx != image.Pt(10, 20) || len(sink.shown) == n {
		t.Errorf("cell size %v, %d new layers", m.sh.cellPx, len(sink.shown)-n)
	}
}

// Where the environment names no protocol, the explorer asks the
// terminal; an answer with attribute 4 turns sixel on.
func TestSixelFromDeviceAttributes(t *testing.T) {
	cfg := testConfig(t)
	cfg.ColorMode = viz.TrueColor
	cfg.AskSixel = true
	sink := &fakeSink{}
	m := New(cfg)
	m.SetGraphicsSink(sink)
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.Init())
	asked := false
	for _, msg := range d.other {
		if r, ok := msg.(tea.RawMsg); ok && r.Msg == ansi.RequestPrimaryDeviceAttributes {
			asked = true
		}
	}
	if !asked || len(sink.shown) != 0 {
		t.Fatalf("asked %v, %d layers before any answer", asked, len(sink.shown))
	}
	d.send(uv.PrimaryDeviceAttributesEvent{62, 22}) // no sixel
	if m.sh.graphics != viz.ProtocolNone {
		t.Fatalf("graphics %v without attribute 4", m.sh.graphics)
	}
	d.send(uv.PrimaryDeviceAttributesEvent{63, 1, 2, 4, 6, 9})
	if m.sh.graphics != viz.ProtocolSixel || sink.proto != viz.ProtocolSixel || len(sink.shown) == 0 {
		t.Errorf("graphics %v, sink %v, %d layers", m.sh.graphics, sink.proto, len(sink.shown))
	}
}
