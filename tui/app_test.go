package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/testmodel"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

func TestLoadingRunsEveryStageAndStartsAtTheLastLayer(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	m := d.m
	for i, s := range m.progress.stages {
		if s.state != stageDone {
			t.Errorf("stage %s: state %d, want done", stageNames[i], s.state)
		}
	}
	if m.mapper == nil || m.maps.cur == nil {
		t.Fatal("no map after loading")
	}
	if m.level != 3 || m.patch != (viz.Patch{Row: 3, Col: 4}) {
		t.Errorf("start: level %d patch %v, want the last block (3) and the centre (3,4)", m.level, m.patch)
	}
	if m.maps.cur.Req.Kind != inspect.MapSimilarity {
		t.Errorf("first view shows %v", m.maps.cur.Req.Kind)
	}
	for _, l := range m.labels.items {
		if l.enc == nil {
			t.Errorf("label %q not encoded", l.text)
		}
	}
	if got := m.labels.items[0].enc.Prompt; got != "cat" {
		t.Errorf("prompt %q: the template was not used", got)
	}
}

func TestKeysMoveTheCursorWithinTheGrid(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("up", "up", "k")
	if p := d.m.patch; p != (viz.Patch{Row: 0, Col: 4}) {
		t.Errorf("after three ups: %v, want row 0", p)
	}
	d.keys("up")
	if p := d.m.patch; p.Row != 0 {
		t.Errorf("cursor left the grid: %v", p)
	}
	d.keys("right", "l", "l", "l", "l")
	if p := d.m.patch; p != (viz.Patch{Row: 0, Col: 7}) {
		t.Errorf("after five rights: %v, want col 7 (the last)", p)
	}
	d.keys("j", "down", "h", "left")
	if p := d.m.patch; p != (viz.Patch{Row: 2, Col: 5}) {
		t.Errorf("got %v, want (2,5)", p)
	}
	if d.m.maps.cur.Req.Patch != d.m.patch {
		t.Errorf("map is for %v, cursor at %v", d.m.maps.cur.Req.Patch, d.m.patch)
	}
	if !strings.Contains(d.screen(), "patch (2,5)") {
		t.Errorf("screen does not show the cursor patch:\n%s", d.screen())
	}
}

func TestLayerKeysFollowTheView(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("]")
	if d.m.level != 4 || d.m.maps.cur.Req.Level != 4 {
		t.Errorf("] from the last block: level %d (map %d), want 4 (post-LN)", d.m.level, d.m.maps.cur.Req.Level)
	}
	if !strings.Contains(d.screen(), "final LayerNorm") {
		t.Errorf("post-LN level not named:\n%s", d.screen())
	}
	d.keys("]")
	if d.m.level != 4 {
		t.Errorf("] past the top: %d", d.m.level)
	}
	d.keys("2") // attention: blocks 1…3
	if d.m.maps.cur.Req.Kind != inspect.MapAttention || d.m.maps.cur.Req.Level != 3 {
		t.Errorf("attention at post-LN level shows %v level %d, want block 3", d.m.maps.cur.Req.Kind, d.m.maps.cur.Req.Level)
	}
	d.keys("[")
	if d.m.level != 2 || d.m.maps.cur.Req.Level != 2 {
		t.Errorf("[ in attention: level %d map %d, want 2", d.m.level, d.m.maps.cur.Req.Level)
	}
	d.keys("{")
	if d.m.level != 1 {
		t.Errorf("{ in attention: %d, want block 1", d.m.level)
	}
	d.keys("1", "[")
	if d.m.level != 0 || !strings.Contains(d.screen(), "layer embeddings") {
		t.Errorf("[ in similarity from 1: %d, want 0 = embeddings", d.m.level)
	}
	d.keys("}")
	if d.m.level != 4 {
		t.Errorf("} in similarity: %d, want 4", d.m.level)
	}
}

func TestViewKeysAndAttentionModes(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	steps := []struct {
		keys  []string
		view  viewID
		kind  inspect.MapKind
		title string
	}{
		{[]string{"tab"}, viewAttention, inspect.MapAttention, "Attention · query patch"},
		{[]string{"t"}, viewAttention, inspect.MapPooling, "Attention · pooling head"},
		{[]string{"t"}, viewAttention, inspect.MapRollout, "Attention · rollout"},
		{[]string{"t"}, viewAttention, inspect.MapAttention, "Attention · query patch"},
		{[]string{"tab"}, viewLabels, inspect.MapLabel, "Labels"},
		{[]string{"tab"}, viewPCA, inspect.MapPCA, "PCA"},
		{[]string{"tab"}, viewLocality, -1, "Similarity vs distance"},
		{[]string{"tab"}, viewWhy, -1, "Occlusion: each patch dropped"},
		{[]string{"tab"}, viewTrained, -1, "Global–local"},
		{[]string{"tab"}, viewInside, -1, "Feature norms"},
		{[]string{"tab"}, viewSimilarity, inspect.MapSimilarity, "Patch similarity"},
		{[]string{"shift+tab"}, viewInside, -1, "Feature norms"},
		{[]string{"shift+tab"}, viewTrained, -1, "Global–local"},
		{[]string{"shift+tab"}, viewWhy, -1, "Occlusion: each patch dropped"},
		{[]string{"shift+tab"}, viewLocality, -1, "Similarity vs distance"},
		{[]string{"shift+tab"}, viewPCA, inspect.MapPCA, "PCA"},
		{[]string{"3"}, viewLabels, inspect.MapLabel, "Labels"},
		{[]string{"1"}, viewSimilarity, inspect.MapSimilarity, "Patch similarity"},
		{[]string{"t"}, viewAttention, inspect.MapPooling, "Attention · pooling head"},
	}
	for _, s := range steps {
		d.keys(s.keys...)
		if s.kind < 0 { // pages (locality, Why, Trained, Inside) have no heatmap of the selection
			if d.m.view != s.view || d.m.maps.cur != nil {
				t.Fatalf("after %v: view %d, map %v; want view %d and no map", s.keys, d.m.view, d.m.maps.cur, s.view)
			}
		} else if d.m.view != s.view || d.m.maps.cur == nil || d.m.maps.cur.Req.Kind != s.kind {
			t.Fatalf("after %v: view %d, map %v; want view %d, map %v", s.keys, d.m.view, d.m.maps.cur, s.view, s.kind)
		}
		if !strings.Contains(d.screen(), s.title) {
			t.Fatalf("after %v the screen does not name the view %q:\n%s", s.keys, s.title, d.screen())
		}
	}
}

func TestHeadKeys(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("2")
	if d.m.head != viz.MeanHeads || !strings.Contains(d.screen(), "mean of 4") {
		t.Fatalf("attention starts with the mean over heads")
	}
	d.keys(".")
	if d.m.head != 0 || d.m.maps.cur.Req.Head != 0 || !strings.Contains(d.screen(), "1 of 4") {
		t.Errorf(". from mean: head %d, want 0 (shown as 1 of 4)", d.m.head)
	}
	d.keys(".", ".")
	if d.m.head != 2 {
		t.Errorf("head %d, want 2", d.m.head)
	}
	d.keys("m")
	if d.m.head != viz.MeanHeads {
		t.Errorf("m: head %d, want mean", d.m.head)
	}
	d.keys("m")
	if d.m.head != 2 {
		t.Errorf("m again: head %d, want back to 2", d.m.head)
	}
	d.keys(",", ",", ",")
	if d.m.head != viz.MeanHeads {
		t.Errorf(", three times from 2: %d, want mean", d.m.head)
	}
	d.keys(",")
	if d.m.head != 3 {
		t.Errorf(", from mean wraps to the last head: %d", d.m.head)
	}
}

func TestDisplayKeys(t *testing.T) {
	cfg := testConfig(t)
	cfg.ColorMode = viz.TrueColor
	d := newDriver(t, cfg, 80, 24)
	if d.m.disp.display != viz.DisplayMap || d.m.disp.opacity != 0.6 || d.m.disp.cmap != viz.Viridis {
		t.Fatalf("start: %+v, want the map alone", d.m.disp)
	}
	// Opacity is the overlay's: elsewhere + and - say so and change nothing.
	d.keys("+")
	if d.m.disp.opacity != 0.6 || !strings.Contains(d.m.message, "opacity applies to the overlay") {
		t.Errorf("+ outside the overlay: opacity %v, message %q", d.m.disp.opacity, d.m.message)
	}
	var displays []string
	for range 4 {
		d.keys("o")
		displays = append(displays, d.m.disp.display.String())
	}
	if strings.Join(displays, ",") != "overlay,side,image,map" {
		t.Errorf("o cycles %v", displays)
	}
	d.keys("o") // the overlay
	if !strings.Contains(d.screen(), "overlay 60%") {
		t.Errorf("the display line does not name the overlay:\n%s", d.screen())
	}
	d.keys("+", "+", "+")
	if d.m.disp.opacity != 1 {
		t.Errorf("opacity after +++: %v, want 1 (clamped)", d.m.disp.opacity)
	}
	d.keys("-", "-", "-", "-", "-", "-")
	if d.m.disp.opacity != 0 {
		t.Errorf("opacity after six -: %v, want 0", d.m.disp.opacity)
	}
	var seen []string
	for range 4 {
		d.keys("c")
		seen = append(seen, d.m.disp.cmap.String())
	}
	if strings.Join(seen, ",") != "inferno,turbo,grey,viridis" {
		t.Errorf("colormaps cycle %v", seen)
	}
	d.keys("g", "b")
	if !d.m.disp.grid || !d.m.disp.smooth || !strings.Contains(d.screen(), "overlay 0% · viridis · grid") {
		t.Errorf("g/b: %+v\n%s", d.m.disp, d.screen())
	}
	d.keys("4", "c")
	if d.m.disp.cmap != viz.Viridis || !strings.Contains(d.m.message, "PCA's colours are its three components") {
		t.Errorf("c in the PCA view: %v, message %q", d.m.disp.cmap, d.m.message)
	}
}

func TestMouseClickPicksThePatchUnderIt(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	ox, oy := d.m.pane.origin()
	cols, rows := d.m.pane.cols, d.m.pane.rows
	// The grid is 6×8 over cols×rows cells; a cell's patch is the one its
	// centre falls in.
	for _, c := range []struct{ x, y int }{{0, 0}, {cols - 1, rows - 1}, {cols / 2, rows / 3}} {
		d.send(tea.MouseClickMsg{X: ox + c.x, Y: oy + c.y, Button: tea.MouseLeft})
		want := viz.Patch{Row: int((float64(c.y) + 0.5) * 6 / float64(rows)), Col: int((float64(c.x) + 0.5) * 8 / float64(cols))}
		if d.m.patch != want {
			t.Errorf("click on cell (%d,%d) of %d×%d: patch %v, want %v", c.x, c.y, cols, rows, d.m.patch, want)
		}
	}
	before := d.m.patch
	d.send(tea.MouseClickMsg{X: 79, Y: 10, Button: tea.MouseLeft}) // the side panel
	if d.m.patch != before {
		t.Errorf("a click outside the image moved the cursor to %v", d.m.patch)
	}
	// Tabs: a click on "3 Labels" opens the view.
	spans := d.m.tabSpans(d.m.computeLayout())
	d.send(tea.MouseClickMsg{X: spans[viewLabels][0] + 2, Y: 0, Button: tea.MouseLeft})
	if d.m.view != viewLabels {
		t.Errorf("click on the Labels tab: view %d", d.m.view)
	}
	d.send(tea.MouseClickMsg{X: spans[viewPCA][0] + 1, Y: 0, Button: tea.MouseLeft})
	if d.m.view != viewPCA {
		t.Errorf("click on the PCA tab: view %d", d.m.view)
	}
}

func TestMouseWheelStepsTheLayer(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.send(tea.MouseWheelMsg{X: 5, Y: 5, Button: tea.MouseWheelDown})
	d.send(tea.MouseWheelMsg{X: 5, Y: 5, Button: tea.MouseWheelDown})
	if d.m.level != 1 || d.m.maps.cur.Req.Level != 1 {
		t.Errorf("two wheel-downs from 3: %d", d.m.level)
	}
	d.send(tea.MouseWheelMsg{X: 5, Y: 5, Button: tea.MouseWheelUp})
	if d.m.level != 2 {
		t.Errorf("wheel up: %d", d.m.level)
	}
}

func TestLabelsAddEditDelete(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("3", "r") // rows as typed: up and down move through the typed order
	if d.m.labels.byScore || !strings.Contains(d.screen(), "label, as typed") {
		t.Fatalf("r did not switch to the typed order:\n%s", d.screen())
	}
	d.keys("a")
	if !d.m.labels.editing {
		t.Fatal("a in the labels view should open the input")
	}
	d.typeText("bat q")
	if d.quit {
		t.Fatal("typing q in a label quit the program")
	}
	d.keys("backspace", "backspace")
	d.keys("enter")
	if got := d.m.labels.Texts(); strings.Join(got, "|") != "cat|a b c|bat" {
		t.Fatalf("labels %q", got)
	}
	if d.m.labels.sel != 2 || d.m.labels.items[2].enc == nil {
		t.Fatalf("the new label should be selected and encoded: sel %d", d.m.labels.sel)
	}
	if d.m.maps.cur == nil || d.m.maps.cur.Req.Kind != inspect.MapLabel || d.m.maps.cur.Req.Label.Text != "bat" {
		t.Fatalf("map shown: %+v", d.m.maps.cur)
	}
	// Its score is the model's score for that label and the image.
	want, err := testModel(t).ScoreLabels(d.m.analysis.ImageEmbedding(), []engine.Label{*d.m.labels.items[2].enc})
	if err != nil {
		t.Fatal(err)
	}
	if d.m.labels.items[2].score != want[0] {
		t.Errorf("score %+v, want %+v", d.m.labels.items[2].score, want[0])
	}
	if !strings.Contains(d.screen(), "bat") || !strings.Contains(d.screen(), "approximation") {
		t.Errorf("screen:\n%s", d.screen())
	}
	// Edit: e opens the selected label.
	d.keys("up", "e")
	if d.m.labels.input.Value() != "a b c" {
		t.Fatalf("editing %q", d.m.labels.input.Value())
	}
	d.keys("ctrl+u")
	d.send(keyPress("ctrl+u"))
	d.typeText("tab")
	d.keys("enter")
	if got := d.m.labels.Texts(); strings.Join(got, "|") != "cat|tab|bat" {
		t.Fatalf("after edit: %q", got)
	}
	// Esc cancels an edit.
	d.keys("e")
	d.typeText("zzz")
	d.keys("esc")
	if got := d.m.labels.Texts(); strings.Join(got, "|") != "cat|tab|bat" || d.m.labels.editing {
		t.Fatalf("after esc: %q", got)
	}
	d.keys("d")
	if got := d.m.labels.Texts(); strings.Join(got, "|") != "cat|bat" {
		t.Fatalf("after delete: %q", got)
	}
	d.keys("d", "d", "d")
	if len(d.m.labels.items) != 0 || d.m.maps.cur != nil {
		t.Fatalf("all deleted: %q, map %v", d.m.labels.Texts(), d.m.maps.cur)
	}
	if !strings.Contains(d.screen(), "press a to add one") {
		t.Errorf("empty list does not say how to add:\n%s", d.screen())
	}
}

func TestLabelsWithoutTokenizerSaySo(t *testing.T) {
	cfg := testConfig(t)
	cfg.LoadModel = func() (*engine.Model, error) {
		c, err := engine.ParseConfig([]byte(testmodel.ConfigJSON))
		if err != nil {
			return nil, err
		}
		return engine.NewRandom(c, engine.DefaultPreprocessor(c), 7, testEngineOptions) // no tokenizer
	}
	d := newDriver(t, cfg, 80, 24)
	d.keys("3")
	if !strings.Contains(d.screen(), "has no") || !strings.Contains(d.screen(), "cannot be encoded") {
		t.Errorf("screen does not explain missing labels:\n%s", d.screen())
	}
}

func TestLoadErrorsShowAndKeysKeepWorking(t *testing.T) {
	cfg := testConfig(t)
	cfg.LoadModel = func() (*engine.Model, error) { return nil, errors.New("no weights here") }
	d := newDriver(t, cfg, 80, 24)
	if !strings.Contains(d.screen(), "no weights here") || !strings.Contains(d.screen(), "loading weights failed") {
		t.Errorf("screen:\n%s", d.screen())
	}
	d.keys("2", "]", "up", "?")
	if !d.m.help.open {
		t.Error("help does not open after a failure")
	}
	d.keys("q")
	if !d.quit {
		t.Error("q does not quit after a failure")
	}
	if _, err := d.m.Result(); err == nil || !strings.Contains(err.Error(), "no weights") {
		t.Errorf("Result error = %v", err)
	}
}

func TestKeysWorkWhileLoading(t *testing.T) {
	m := New(testConfig(t))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Init() // commands not run: still loading
	for _, k := range []string{"2", "t", "]", "up", ".", "+", "c", "tab"} {
		m.Update(keyPress(k))
	}
	if m.view != viewLabels || m.mode != attnPooling {
		t.Errorf("view %d mode %d", m.view, m.mode)
	}
	screen := (&driver{m: m}).screen()
	if !strings.Contains(screen, "loading weights") || !strings.Contains(screen, "decoding image") {
		t.Errorf("loading screen does not show the stages:\n%s", screen)
	}
	_, cmd := m.Update(keyPress("q"))
	d := &driver{t: t, m: m}
	d.run(cmd)
	if !d.quit {
		t.Error("q does not quit while loading")
	}
}

func TestHelpShowsEveryKeyAndCloses(t *testing.T) {
	d := newDriver(t, testConfig(t), 120, 40)
	d.keys("?")
	screen := d.screen()
	for _, s := range d.m.helpSections() {
		for _, b := range s.bindings {
			if !strings.Contains(screen, b.Help().Desc) {
				t.Errorf("help lacks %q", b.Help().Desc)
			}
		}
	}
	d.keys("up", "2") // keys other than close do nothing in help
	if !d.m.help.open || d.m.view != viewSimilarity {
		t.Error("help let a key through")
	}
	d.keys("esc")
	if d.m.help.open {
		t.Error("esc does not close help")
	}
	d.keys("?", "?")
	if d.m.help.open {
		t.Error("? does not close help")
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		d := newDriver(t, testConfig(t), 80, 24)
		d.keys(k)
		if !d.quit {
			t.Errorf("%s does not quit", k)
		}
		if d.m.View().Content != "" {
			t.Errorf("%s: the last frame should be empty so the terminal is left clean", k)
		}
	}
}

func TestExportWritesPNGAndJSON(t *testing.T) {
	cfg := testConfig(t)
	d := newDriver(t, cfg, 80, 24)
	d.keys("2", "[", ".", "s")
	base := "scene.attention.L2.h1.r3c4" // the first head: heads count from 1
	pngPath := filepath.Join(cfg.ExportDir, base+".png")
	jsonPath := filepath.Join(cfg.ExportDir, base+".json")
	if !strings.Contains(d.m.message, base+".png + .json in "+cfg.ExportDir) || !strings.Contains(d.screen(), "saved ") {
		t.Errorf("status does not name the files: %q", d.m.message)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() <= 384 {
		t.Errorf("PNG %v: want the 64×48 image enlarged ×8 to 512×384 plus the panel", b)
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var js viz.HeatmapJSON
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	if js.GridH != 6 || js.GridW != 8 || js.Metadata["view"] != "attention" || js.Metadata["head"] != float64(1) || js.Metadata["layer"] != float64(2) {
		t.Errorf("JSON header: %d×%d %v", js.GridH, js.GridW, js.Metadata)
	}
	for i, v := range js.Values {
		if float32(v) != d.m.maps.cur.Grid.Values[i] {
			t.Fatalf("JSON value %d = %v, map %v", i, v, d.m.maps.cur.Grid.Values[i])
		}
	}
}

func TestExportBeforeAnyMapSaysWhy(t *testing.T) {
	m := New(testConfig(t))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(keyPress("s"))
	if !strings.Contains(m.message, "nothing to save yet") {
		t.Errorf("message %q", m.message)
	}
}

func TestColorModesDrawWithTheirEscapes(t *testing.T) {
	cases := []struct {
		mode       viz.ColorMode
		want, dont string
	}{
		{viz.TrueColor, "\x1b[38;2;", "\x1b[38;5;"},
		{viz.ANSI256, "\x1b[38;5;", "\x1b[38;2;"},
	}
	for _, c := range cases {
		cfg := testConfig(t)
		cfg.ColorMode = c.mode
		d := newDriver(t, cfg, 80, 24)
		d.screen()
		pane := strings.Join(d.m.pane.lastLines, "\n")
		if !strings.Contains(pane, c.want) || strings.Contains(pane, c.dont) {
			t.Errorf("%v: image cells lack %q or hold %q", c.mode, c.want, c.dont)
		}
	}
	cfg := testConfig(t) // NoColor
	d := newDriver(t, cfg, 80, 24)
	d.screen()
	if pane := strings.Join(d.m.pane.lastLines, ""); strings.Contains(pane, "\x1b") || strings.Contains(pane, "▀") {
		t.Error("NO_COLOR image cells hold escapes or half blocks")
	}
	if d.m.disp.cmap != viz.Grey || d.m.disp.opacity != 1 {
		t.Errorf("NO_COLOR should paint grey at full opacity: %+v", d.m.disp)
	}
}

func TestResizeKeepsAspectRatioAndDegrades(t *testing.T) {
	d := newDriver(t, testConfig(t), 200, 60)
	cols, rows := d.m.pane.cols, d.m.pane.rows
	// 64×48 image, cells 1×2 pixels: cols/(2·rows) ≈ 4/3.
	if r := float64(cols) / float64(2*rows); r < 1.25 || r > 1.42 {
		t.Errorf("200×60: picture %d×%d cells, aspect %v, want 4:3", cols, rows, r)
	}
	for _, size := range [][2]int{{80, 24}, {40, 12}, {30, 8}, {29, 8}, {30, 7}, {1, 1}} {
		d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(d.screen(), "\n")
		if len(lines) != size[1] {
			t.Errorf("%v: %d lines", size, len(lines))
		}
		for i, l := range lines {
			if w := lipWidth(l); w != size[0] {
				t.Errorf("%v: line %d is %d cells wide", size, i, w)
				break
			}
		}
		small := size[0] < minW || size[1] < minH
		if got := strings.Contains(d.screen(), "too small"); got != small && size[0] > 20 {
			t.Errorf("%v: 'too small' shown = %v", size, got)
		}
	}
}

func TestAsyncMapsKeepThePreviousMapUntilReady(t *testing.T) {
	m := New(testConfig(t))
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.Init())
	_, cmd := m.Update(keyPress("2"))
	d.run(cmd)
	_, cmd = m.Update(keyPress("t"))
	d.run(cmd)
	prev := m.maps.cur
	// Rollout is computed in a command: until it returns, the pooling map
	// stays on screen and the panel says it is computing.
	_, cmd = m.Update(keyPress("t"))
	if m.maps.cur != prev || len(m.maps.inFlight) != 1 {
		t.Fatalf("rollout replaced the map at once (%v) or is not in flight (%d)", m.maps.cur.Req.Kind, len(m.maps.inFlight))
	}
	if !strings.Contains(d.screen(), "computing") {
		t.Errorf("no 'computing' while the map is in flight:\n%s", d.screen())
	}
	d.run(cmd)
	if m.maps.cur.Req.Kind != inspect.MapRollout || len(m.maps.inFlight) != 0 {
		t.Errorf("after the command: %v, in flight %d", m.maps.cur.Req.Kind, len(m.maps.inFlight))
	}
}

func TestImageLoadFailureShowsNoImage(t *testing.T) {
	cfg := testConfig(t)
	cfg.LoadImage = func() (*preprocess.Image, error) { return nil, errors.New("not a PNG") }
	d := newDriver(t, cfg, 80, 24)
	if s := d.screen(); !strings.Contains(s, "decoding image failed") || !strings.Contains(s, "not a PNG") {
		t.Errorf("screen:\n%s", s)
	}
}

func TestLabelEditedWhileEncodingIsEncodedToo(t *testing.T) {
	m := New(testConfig(t))
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.Init())
	_, cmd := m.Update(keyPress("3"))
	d.run(cmd)
	m.Update(keyPress("a"))
	for _, r := range "bat" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	_, first := m.Update(keyPress("enter")) // encoding of [cat, a b c, bat] starts
	if m.progress.stages[stageText].state != stageRunning {
		t.Fatal("text stage not running")
	}
	// Before it returns, another label is added: its encoding must wait
	// for the first and then run, not be lost.
	m.Update(keyPress("a"))
	for _, r := range "tab" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	_, second := m.Update(keyPress("enter"))
	d.run(second)
	d.run(first)
	if got := m.labels.Texts(); strings.Join(got, "|") != "cat|a b c|bat|tab" {
		t.Fatalf("labels %q", got)
	}
	for _, it := range m.labels.items {
		if it.enc == nil {
			t.Errorf("label %q never encoded", it.text)
		}
	}
	if m.progress.stages[stageText].state != stageDone {
		t.Errorf("text stage left in state %d", m.progress.stages[stageText].state)
	}
}

func TestExportWaitsForTheMapOnScreen(t *testing.T) {
	m := New(testConfig(t))
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.Init())
	for _, k := range []string{"2", "t"} {
		_, cmd := m.Update(keyPress(k))
		d.run(cmd)
	}
	m.Update(keyPress("t")) // rollout: in flight, the pooling map still shows
	_, cmd := m.Update(keyPress("s"))
	if cmd != nil || !strings.Contains(m.message, "still being computed") {
		t.Errorf("export of a stale map: message %q", m.message)
	}
}

func TestManyLabelsScrollAndClicksPickTheRightOne(t *testing.T) {
	cfg := testConfig(t)
	for i := range 30 {
		cfg.Labels = append(cfg.Labels, fmt.Sprintf("l%02d", i))
	}
	d := newDriver(t, cfg, 80, 24)
	d.keys("3")
	for range 25 {
		d.keys("down")
	}
	screen := d.screen()
	if !strings.Contains(screen, "▸") || !strings.Contains(screen, "l23") || !strings.Contains(screen, "a add") {
		t.Fatalf("selected label or the key hints scrolled off:\n%s", screen)
	}
	if !strings.Contains(screen, "more: ↑↓ scroll") {
		t.Errorf("the list does not say it scrolls:\n%s", screen)
	}
	// Click the line that shows label l22.
	clicked := false
	for y, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, " l22 ") {
			d.send(tea.MouseClickMsg{X: 60, Y: y, Button: tea.MouseLeft})
			clicked = true
			break
		}
	}
	if got := d.m.labels.items[d.m.labels.sel].text; !clicked || got != "l22" {
		t.Errorf("click selected %q, want l22 (its line shown: %v)", got, clicked)
	}
}

// clickCorners clicks the top-left and bottom-right cells of the picture
// pane draws (after checking the screen shows picture cells there, so the
// pane's idea of where it is matches the screen) and returns the patches
// the cursor went to.
func clickCorners(t *testing.T, d *driver, pane *imagePane) (first, last viz.Patch) {
	t.Helper()
	lines := strings.Split(d.screen(), "\n") // drawing places the pane
	ox, oy := pane.origin()
	cols, rows := pane.cols, pane.rows
	// Without colour a map is drawn in the shades " .:-=+*#%@" (and the
	// cursor's marks): the rows the pane names must hold only those.
	for _, y := range []int{oy, oy + rows - 1} {
		if y >= len(lines) {
			t.Fatalf("picture row %d is off the %d-line screen", y, len(lines))
		}
		row := []rune(lines[y])
		if ox+cols > len(row) || strings.TrimSpace(string(row[ox:ox+cols])) == "" ||
			strings.Trim(string(row[ox:ox+cols]), " .:-=+*#%@▀▄█") != "" {
			t.Fatalf("screen row %d holds no picture at columns %d…%d:\n%s", y, ox, ox+cols-1, d.screen())
		}
	}
	d.send(tea.MouseClickMsg{X: ox, Y: oy, Button: tea.MouseLeft})
	first = d.m.patch
	d.send(tea.MouseClickMsg{X: ox + cols - 1, Y: oy + rows - 1, Button: tea.MouseLeft})
	return first, d.m.patch
}

// A click on the map of the Why view (occlusion) and of the Inside view
// (norms, positions) moves the cursor to the patch under it, as on the
// explorer's maps; the positions map then follows the new cursor.
func TestPageMapsTakeClicks(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	rows, cols := d.m.grid()
	corner := viz.Patch{Row: rows - 1, Col: cols - 1}
	d.keys("6")
	if first, last := clickCorners(t, d, &d.m.why.pane); first != (viz.Patch{}) || last != corner {
		t.Errorf("Why: clicks on the corners gave %v and %v, want (0,0) and %v", first, last, corner)
	}
	d.keys("8")
	p := d.m.pages[viewInside].(*insidePage)
	if first, last := clickCorners(t, d, &p.pane); first != (viz.Patch{}) || last != corner {
		t.Errorf("Inside norms: clicks on the corners gave %v and %v, want (0,0) and %v", first, last, corner)
	}
	d.keys("v") // positions
	clickCorners(t, d, &p.pane)
	if want := fmt.Sprintf("cosine to (%d,%d)", corner.Row, corner.Col); p.mode != insidePositions || !strings.Contains(d.screen(), want) {
		t.Errorf("Inside positions after a click: mode %d, screen lacks %q:\n%s", p.mode, want, d.screen())
	}
}
