package tui

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

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
}

func (f *fakeSink) Show(l *Layer) { f.shown = append(f.shown, l) }
func (f *fakeSink) Hide()         { f.hidden++ }

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
