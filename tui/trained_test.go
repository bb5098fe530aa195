package tui

import (
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// pairConfig is testConfig with a second image for the correspondence.
func pairConfig(t *testing.T) Config {
	cfg := testConfig(t)
	cfg.PairName = "other.png"
	cfg.LoadPair = func() (*preprocess.Image, error) { return inspect.MirrorImage(testImage(48, 48)), nil }
	return cfg
}

// savedJSON reads the JSON file the last save named in the status line.
func savedJSON(t *testing.T, d *driver, prefix string, out any) {
	t.Helper()
	if !strings.HasPrefix(d.m.message, "saved "+prefix) {
		t.Fatalf("s: %q, want a file starting %s", d.m.message, prefix)
	}
	name := strings.TrimSuffix(strings.Fields(d.m.message)[1], ".png")
	dir := d.m.sh.cfg.ExportDir
	f, err := os.Open(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	pic, err := png.Decode(f)
	f.Close()
	if err != nil || pic.Bounds().Dx() < 600 {
		t.Errorf("%s.png: %v, %v", name, pic.Bounds(), err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

func TestTrainedGlobalLocalKeysMouseAndExport(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("7")
	p := d.m.trained()
	// 64×48 picture, 8-pixel patches at a budget of 50: a 6×8 grid; the
	// crop starts in the middle, half the size.
	if d.m.view != viewTrained || p.mode != tGlobalLocal || p.box != (inspect.CropBox{X0: 16, Y0: 12, X1: 48, Y1: 36}) {
		t.Fatalf("7: view %d, mode %d, crop %v", d.m.view, p.mode, p.box)
	}
	if p.gl == nil || p.gl.Box != p.box || p.Busy() {
		t.Fatalf("the crop was not measured: %+v", p.gl)
	}
	if sc := d.screen(); !strings.Contains(sc, "Global–local") || !strings.Contains(sc, "crop 16,12,48,36 px") || !strings.Contains(sc, "▸  3") {
		t.Errorf("global-local screen:\n%s", sc)
	}
	// Arrows move the crop one patch (8 pixels), never out of the image.
	d.keys("left", "up", "up", "up")
	if p.box != (inspect.CropBox{X0: 8, Y0: 0, X1: 40, Y1: 24}) || p.gl.Box != p.box {
		t.Errorf("left up up up: crop %v, measured %v", p.box, p.gl.Box)
	}
	d.keys(">")
	if p.box != (inspect.CropBox{X0: 0, Y0: 0, X1: 48, Y1: 32}) {
		t.Errorf(">: crop %v", p.box)
	}
	for range 5 {
		d.keys("<")
	}
	if p.box.Dx() != 8 || p.box.Dy() != 8 {
		t.Errorf("< five times: crop %v, want one patch", p.box)
	}
	// A mouse drag over the whole image's picture makes a new crop.
	at := p.fullAt
	if at.Dx() < 4 || at.Dy() < 3 {
		t.Fatalf("the whole image is drawn at %v", at)
	}
	d.send(tea.MouseClickMsg{X: at.Min.X, Y: at.Min.Y, Button: tea.MouseLeft})
	d.send(tea.MouseMotionMsg{X: at.Min.X + 2, Y: at.Min.Y + 1, Button: tea.MouseLeft})
	if p.drag == nil || p.glRunning {
		t.Error("while dragging nothing is measured")
	}
	d.send(tea.MouseReleaseMsg{X: at.Max.X - 1, Y: at.Max.Y - 1, Button: tea.MouseLeft})
	if p.drag != nil || p.box != (inspect.CropBox{X0: 0, Y0: 0, X1: 64, Y1: 48}) || p.gl.Box != p.box {
		t.Errorf("drag over the whole picture: crop %v (measured %v)", p.box, p.gl.Box)
	}
	if p.gl.Levels[2].Mean < 0.99999 {
		t.Errorf("the whole image as its crop: mean %v", p.gl.Levels[2].Mean)
	}
	d.keys("[")
	d.keys("s")
	var got struct {
		GridFull [2]int `json:"grid_full"`
		Crop     [4]int `json:"crop"`
		Layers   []any  `json:"layers"`
		Labels   []any  `json:"labels"`
	}
	savedJSON(t, d, "scene.globallocal.L2.crop0-0-64-48", &got)
	if got.GridFull != [2]int{6, 8} || got.Crop != [4]int{0, 0, 64, 48} || len(got.Layers) != 5 || len(got.Labels) != 2 {
		t.Errorf("saved %+v", got)
	}
}

func TestTrainedContextKeys(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("7", "v")
	p := d.m.trained()
	if p.mode != tContext || len(p.drop) != 24 || p.cx == nil || !slices.Equal(p.cx.Dropped, p.drop) {
		t.Fatalf("v: mode %d, %d dropped, report %v", p.mode, len(p.drop), p.cx)
	}
	if sc := d.screen(); !strings.Contains(sc, "Masked context · 24 of 48 dropped") || !strings.Contains(sc, "50% random, seed 1") {
		t.Errorf("masked-context screen:\n%s", sc)
	}
	first := slices.Clone(p.drop)
	d.keys("z")
	if slices.Equal(first, p.drop) || len(p.drop) != 24 || p.seed != 2 || !slices.Equal(p.cx.Dropped, p.drop) {
		t.Errorf("z: %v → %v (seed %d)", first, p.drop, p.seed)
	}
	d.keys(">")
	if len(p.drop) != 29 { // 60% of 48
		t.Errorf(">: %d dropped", len(p.drop))
	}
	d.keys("<", "<", "<", "<", "<", "<", "<")
	if len(p.drop) != 0 || p.cx.Levels[3].Mean < 0.99999 {
		t.Errorf("< ×7: %d dropped, mean %v", len(p.drop), p.cx.Levels[3].Mean)
	}
	// x drops the cursor patch, and keeps it again.
	d.keys("x")
	q := d.m.patch.Row*8 + d.m.patch.Col
	if !slices.Equal(p.drop, []int{q}) || !p.manual || !p.cx.IsDropped(q) {
		t.Errorf("x: dropped %v, cursor patch %d", p.drop, q)
	}
	if sc := d.screen(); !strings.Contains(sc, "dropped") || !strings.Contains(sc, "chosen: by hand") {
		t.Errorf("after x:\n%s", sc)
	}
	d.keys("right", "x")
	if len(p.drop) != 2 {
		t.Errorf("→ x: dropped %v", p.drop)
	}
	d.keys("left", "x")
	if !slices.Equal(p.drop, []int{q + 1}) {
		t.Errorf("← x: dropped %v", p.drop)
	}
	d.keys("s")
	var got struct {
		Dropped [][2]int `json:"dropped"`
		Meta    map[string]any
	}
	savedJSON(t, d, "scene.context.L3.drop1", &got)
	if len(got.Dropped) != 1 || got.Meta["chosen"] != "by hand" {
		t.Errorf("saved %+v", got)
	}
	// The crop keys say where they act.
	d.keys("v", "z")
	if p.mode != tCorrespond || !strings.Contains(d.m.message, "act in masked context") {
		t.Errorf("z in correspondence: %q", d.m.message)
	}
}

func TestTrainedCorrespondence(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("7", "v", "v")
	if sc := d.screen(); !strings.Contains(sc, "There is no second image") || !strings.Contains(sc, "--pair") {
		t.Errorf("without a pair:\n%s", sc)
	}
	d.keys("s")
	if !d.m.msgIsErr || !strings.Contains(d.m.message, "--pair") {
		t.Errorf("s without a pair: %q", d.m.message)
	}

	d = newDriver(t, pairConfig(t), 80, 24)
	d.keys("7", "v", "v")
	p := d.m.trained()
	if p.pair == nil || len(p.co) != 5 {
		t.Fatalf("pair %v, %d levels", p.pair, len(p.co))
	}
	rb, cb := p.pair.Grid()
	if sc := d.screen(); !strings.Contains(sc, "B other.png") || !strings.Contains(sc, "mutual pairs") {
		t.Errorf("correspondence screen:\n%s", sc)
	}
	// A click on A's picture moves the cursor.
	at := p.aAt
	d.send(tea.MouseClickMsg{X: at.Min.X, Y: at.Min.Y, Button: tea.MouseLeft})
	if d.m.patch.Row != 0 || d.m.patch.Col != 0 {
		t.Errorf("click on A's top-left cell: patch %v", d.m.patch)
	}
	d.keys("down", "right", "{")
	r := p.co[0]
	b := r.Best(1*8 + 1)
	if sc := d.screen(); !strings.Contains(sc, fmt.Sprintf("A (1,1) → B (%d,%d)", b.Row, b.Col)) {
		t.Errorf("best match of (1,1) at level 0 is (%d,%d):\n%s", b.Row, b.Col, sc)
	}
	d.keys("s")
	var got struct {
		GridB [2]int `json:"grid_b"`
		Layer int    `json:"layer"`
		Best  [2]int `json:"best"`
		Patch [2]int `json:"patch"`
	}
	savedJSON(t, d, "scene.correspond.other.L0.r1c1", &got)
	if got.GridB != [2]int{rb, cb} || got.Layer != 0 || got.Best != [2]int{b.Row, b.Col} || got.Patch != [2]int{1, 1} {
		t.Errorf("saved %+v", got)
	}
}

func TestTrainedLessonPages(t *testing.T) {
	d := newDriver(t, pairConfig(t), 80, 24)
	d.keys("7", "n")
	p := d.m.trained()
	if p.mode != tLesson || p.gl == nil || p.cx == nil || p.co == nil {
		t.Fatalf("n: mode %d; the lesson measures everything: %v %v %v", p.mode, p.gl != nil, p.cx != nil, p.co != nil)
	}
	for i, want := range []string{"1 · What SigLIP 2 trained", "2 · Global–local", "3 · Masked context", "4 · Correspondence", "5 · Summary", "5 · Summary"} {
		if sc := d.screen(); !strings.Contains(sc, want) {
			t.Errorf("page %d lacks %q:\n%s", i+1, want, sc)
		}
		d.keys("n")
	}
	d.keys("p", "left")
	if p.lesson.page != 2 {
		t.Errorf("p ←: page %d", p.lesson.page+1)
	}
	d.keys("s")
	if !strings.Contains(d.m.message, "leave the lesson") {
		t.Errorf("s in the lesson: %q", d.m.message)
	}
	d.keys("esc")
	if p.mode != tGlobalLocal {
		t.Errorf("esc: mode %d", p.mode)
	}
}

func TestTrainedStartFromTheCommandLine(t *testing.T) {
	cfg := pairConfig(t)
	frac := 0.25
	cfg.StartView = "trained"
	cfg.Trained = TrainedStart{Mode: "context", DropFraction: &frac, Seed: 5}
	d := newDriver(t, cfg, 80, 24)
	p := d.m.trained()
	want, _ := inspect.RandomDrop(48, 0.25, 5)
	if d.m.view != viewTrained || p.mode != tContext || !slices.Equal(p.drop, want) {
		t.Errorf("start: view %d mode %d drop %v, want %v", d.m.view, p.mode, p.drop, want)
	}
	cfg.Trained = TrainedStart{Mode: "context", DropPatches: "0,0;5,7"}
	d = newDriver(t, cfg, 80, 24)
	if p := d.m.trained(); !slices.Equal(p.drop, []int{0, 47}) || !p.manual {
		t.Errorf("--patches: %v", p.drop)
	}
	cfg.Trained = TrainedStart{Mode: "context", DropPatches: "9,9"}
	d = newDriver(t, cfg, 80, 24)
	if !d.m.msgIsErr || !strings.Contains(d.m.message, "outside the 6×8 patch grid") {
		t.Errorf("--patches 9,9: %q", d.m.message)
	}
	box := inspect.CropBox{X0: 0, Y0: 0, X1: 100, Y1: 10}
	cfg.Trained = TrainedStart{Crop: &box}
	d = newDriver(t, cfg, 80, 24)
	if !d.m.msgIsErr || !strings.Contains(d.m.message, "does not fit the 64×48 image") || d.m.trained().box != inspect.DefaultCrop(64, 48) {
		t.Errorf("--crop too big: %q, crop %v", d.m.message, d.m.trained().box)
	}
	cfg.Trained = TrainedStart{Mode: "correspond", Patch: &viz.Patch{Row: 2, Col: 3}}
	d = newDriver(t, cfg, 80, 24)
	if d.m.patch.Row != 2 || d.m.patch.Col != 3 || d.m.trained().mode != tCorrespond {
		t.Errorf("--patch 2,3: cursor %v", d.m.patch)
	}
}

// In a short terminal the level table shows the rows around the chosen
// level and says how many of them it shows.
func TestTrainedLevelRowsSayTheyScroll(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 17)
	d.keys("7")
	levels := len(d.m.trained().gl.Levels)
	want := fmt.Sprintf("of %d levels · [ ] for more", levels)
	if sc := d.screen(); !strings.Contains(sc, want) {
		t.Errorf("80×17: the level table does not say it scrolls (%q):\n%s", want, sc)
	}
	d = newDriver(t, testConfig(t), 80, 40)
	d.keys("7")
	if sc := d.screen(); strings.Contains(sc, "levels · [ ]") {
		t.Errorf("80×40: every level fits, yet the table says it scrolls:\n%s", sc)
	}
}
