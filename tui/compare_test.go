package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/testmodel"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

var (
	testFixedOnce sync.Once
	testFixedVal  *engine.Model
	testFixedErr  error
	testDeepOnce  sync.Once
	testDeepVal   *engine.Model
	testDeepErr   error
)

// testFixedModel is the test model's weights taking 40×40 squashed
// images: a fixed-resolution 5×5 grid.
func testFixedModel(t testing.TB) *engine.Model {
	t.Helper()
	base := testModel(t)
	testFixedOnce.Do(func() { testFixedVal, testFixedErr = engine.FixedResFromNaFlex(base, 40, testEngineOptions) })
	if testFixedErr != nil {
		t.Fatal(testFixedErr)
	}
	return testFixedVal
}

// testDeepModel is a NaFlex model twice as deep as the test model (6
// blocks), for relative layers.
func testDeepModel(t testing.TB) *engine.Model {
	t.Helper()
	testDeepOnce.Do(func() {
		cfg, err := engine.ParseConfig([]byte(strings.Replace(testmodel.ConfigJSON, `"num_hidden_layers":3`, `"num_hidden_layers":6`, 1)))
		if err != nil {
			testDeepErr = err
			return
		}
		pre := engine.DefaultPreprocessor(cfg)
		pre.MaxNumPatches = 50
		testDeepVal, testDeepErr = engine.NewRandom(cfg, pre, 9, testEngineOptions)
		if testDeepErr == nil {
			testDeepVal.Tokenizer = testModel(t).Tokenizer
		}
	})
	if testDeepErr != nil {
		t.Fatal(testDeepErr)
	}
	return testDeepVal
}

// testCompareConfig compares the test model at budgets 50 and 20 with its
// fixed-resolution copy; deep adds the deeper model.
func testCompareConfig(t testing.TB, deep bool) CompareConfig {
	base := testConfig(t)
	base.ModelName = ""
	cfg := CompareConfig{Config: base}
	naflex, fixed := testModel(t), testFixedModel(t)
	cfg.Models = []inspect.ModelSource{
		{Name: "test/random-tiny", Load: func() (*engine.Model, error) { return naflex, nil }},
		{Name: "test/random-tiny squashed", Load: func() (*engine.Model, error) { return fixed, nil }},
	}
	cfg.Settings = []inspect.CompareSetting{
		{Name: "NaFlex 50", Model: 0, MaxPatches: 50},
		{Name: "NaFlex 20", Model: 0, MaxPatches: 20},
		{Name: "fixed 40×40", Model: 1},
	}
	if deep {
		d := testDeepModel(t)
		cfg.Models = append(cfg.Models, inspect.ModelSource{Name: "test/deep", Load: func() (*engine.Model, error) { return d, nil }})
		cfg.Settings = append(cfg.Settings, inspect.CompareSetting{Name: "deep 50", Model: 2, MaxPatches: 50})
	}
	return cfg
}

// cmpDriver runs a compare screen synchronously, as driver does for the
// explorer.
type cmpDriver struct {
	t testing.TB
	m *CompareModel
}

func newCmpDriver(t testing.TB, cfg CompareConfig, w, h int) *cmpDriver {
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	d := &cmpDriver{t: t, m: NewCompare(cfg)}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	return d
}

func (d *cmpDriver) send(msg tea.Msg) {
	d.t.Helper()
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

func (d *cmpDriver) run(cmd tea.Cmd) {
	d.t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil, spinner.TickMsg, tea.QuitMsg:
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case imageMsg, cmpModelMsg, cmpPaneMsg, cmpLabelsMsg, cmpMapMsg, exportMsg:
		d.send(msg)
	default:
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := range v.Len() {
				d.run(v.Index(i).Interface().(tea.Cmd))
			}
		}
	}
}

func (d *cmpDriver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyPress(k))
	}
}

func (d *cmpDriver) screen() string { return ansi.Strip(d.m.View().Content) }

// ratPatch is the patch of a grid whose pixel span holds point x, found
// by exact rational comparison (independent of viz.PatchCover).
func ratPatchAt(num, den, pix, patch, grid int) int {
	pos := new(big.Rat).Mul(big.NewRat(int64(num), int64(den)), big.NewRat(int64(pix), 1))
	for c := range grid {
		if pos.Cmp(big.NewRat(int64(c*patch), 1)) >= 0 && pos.Cmp(big.NewRat(int64((c+1)*patch), 1)) < 0 {
			return c
		}
	}
	return grid - 1
}

func TestCompareLoadsEveryPaneAndShowsTheReceivedImage(t *testing.T) {
	d := newCmpDriver(t, testCompareConfig(t, false), 80, 24)
	m := d.m
	for i, p := range m.panes {
		if p.stage != paneReady || p.maps.cur == nil || p.labelGen != m.labels.gen || len(p.scores) != 2 {
			t.Fatalf("pane %d: stage %d map %v labels gen %d/%d scores %d err %v", i, p.stage, p.maps.cur, p.labelGen, m.labels.gen, len(p.scores), p.err)
		}
	}
	shape := func(i int) (int, int) { return m.panes[i].analysis.Grid() }
	if r, c := shape(2); r != 5 || c != 5 || m.panes[2].pic.Rect.Dx() != 40 || m.panes[2].pic.Rect.Dy() != 40 {
		t.Errorf("fixed pane: grid %d×%d, picture %v; want 5×5 and the 40×40 squashed image", r, c, m.panes[2].pic.Rect)
	}
	r0, c0 := shape(0)
	r1, c1 := shape(1)
	if r0*c0 > 50 || r1*c1 > 20 || r1*c1 >= r0*c0 {
		t.Errorf("NaFlex grids %d×%d (budget 50) and %d×%d (budget 20)", r0, c0, r1, c1)
	}
	// The picture is the model's resized input: 8 pixels per patch.
	if p := m.panes[1].pic.Rect; p.Dx() != 8*c1 || p.Dy() != 8*r1 {
		t.Errorf("NaFlex 20 picture %v, want %d×%d", p, 8*c1, 8*r1)
	}
	sc := d.screen()
	for _, want := range []string{"1 NaFlex 50  6×8 +2 pad", "fixed 40×40  5×5", "Patch similarity", "block 3 of 3", "cursor (50.0%, 50.0%)"} {
		if !strings.Contains(sc, want) {
			t.Errorf("screen lacks %q:\n%s", want, sc)
		}
	}
	if m.panes[0].internals <= m.panes[1].internals || m.panes[1].internals <= 0 {
		t.Errorf("internals %d (50 tokens) vs %d (20 tokens)", m.panes[0].internals, m.panes[1].internals)
	}
	// 3 blocks, 4 heads, 32 wide, 50 tokens: states (L+1)·T·D, attention
	// L·H·T², pooling H·T and final features T·D, 4 bytes each.
	if want := int64(4 * (4*50*32 + 3*4*50*50 + 4*50 + 50*32)); m.panes[0].internals != want {
		t.Errorf("internals %d bytes, want %d", m.panes[0].internals, want)
	}
}

func TestCompareCursorSelectsTheSamePointInEveryGrid(t *testing.T) {
	d := newCmpDriver(t, testCompareConfig(t, false), 80, 24)
	m := d.m
	check := func(when string) {
		t.Helper()
		for i, p := range m.panes {
			c := p.cover
			want := viz.Patch{Row: ratPatchAt(m.point.YNum, m.point.YDen, c.PixH, c.Patch, c.GridH), Col: ratPatchAt(m.point.XNum, m.point.XDen, c.PixW, c.Patch, c.GridW)}
			if got := m.panePatch(i); got != want {
				t.Fatalf("%s: pane %d shows patch %v, want %v for point %+v", when, i, got, want, m.point)
			}
			if p.maps.cur.Req.Patch != want {
				t.Fatalf("%s: pane %d's map is for %v", when, i, p.maps.cur.Req.Patch)
			}
		}
	}
	check("start")
	// Arrows step one patch of the focused pane (1: 6×8).
	d.keys("right")
	if got := m.panePatch(0); got != (viz.Patch{Row: 3, Col: 5}) {
		t.Errorf("right in pane 1: %v, want (3,5)", got)
	}
	check("after right")
	d.keys("f", "f") // focus the 5×5 fixed pane
	if m.focus != 2 {
		t.Fatalf("focus %d after f f", m.focus)
	}
	before := m.panePatch(2)
	d.keys("up", "left", "left")
	if got := m.panePatch(2); got != (viz.Patch{Row: before.Row - 1, Col: before.Col - 2}) {
		t.Errorf("fixed pane moved from %v to %v", before, got)
	}
	check("after moves in the fixed grid")
	for range 10 {
		d.keys("up", "left")
	}
	check("in the corner")
	if got := m.panePatch(0); got != (viz.Patch{}) {
		t.Errorf("corner of the fixed grid is %v in pane 1", got)
	}
	// A click on pane 2's picture puts the cursor there and focuses it.
	l := m.computeLayout()
	p := m.panes[1]
	ox, oy := p.view.origin()
	d.send(tea.MouseClickMsg{X: ox + p.view.cols - 1, Y: oy + p.view.rows - 1, Button: tea.MouseLeft})
	if m.focus != 1 {
		t.Errorf("click focused pane %d, want 2 (layout %+v)", m.focus+1, l)
	}
	if got := m.panePatch(1); got != (viz.Patch{Row: p.cover.GridH - 1, Col: p.cover.GridW - 1}) {
		t.Errorf("click on the last cell: patch %v", got)
	}
	check("after a click")
}

func TestRelativeLevel(t *testing.T) {
	cases := []struct {
		level, refL, L int
		blocks         bool
		want           int
	}{
		{6, 12, 27, false, 14}, // 13.5 → 14
		{12, 12, 27, false, 27},
		{13, 12, 27, false, 28}, // post-LN → post-LN
		{0, 12, 27, false, 0},   // embeddings → embeddings
		{1, 12, 27, false, 2},   // 2.25 → 2
		{1, 27, 12, false, 1},   // 0.44 → at least block 1
		{14, 27, 12, false, 6},  // 6.2 → 6
		{27, 27, 12, true, 12},
		{1, 27, 12, true, 1},
		{0, 12, 27, true, 1}, // blocks start at 1
		{3, 3, 3, false, 3},
		{4, 3, 6, false, 7},
		{2, 3, 6, true, 4},
	}
	for _, c := range cases {
		if got := relativeLevel(c.level, c.refL, c.L, c.blocks); got != c.want {
			t.Errorf("relativeLevel(%d of %d → %d blocks, blocks %v) = %d, want %d", c.level, c.refL, c.L, c.blocks, got, c.want)
		}
	}
}

func TestCompareLayersAreRelativeWhenDepthsDiffer(t *testing.T) {
	d := newCmpDriver(t, testCompareConfig(t, true), 160, 48)
	m := d.m
	if !m.depthsDiffer() || !strings.Contains(d.screen(), "other depths: same fraction") {
		t.Fatalf("depths 3 and 6 should be marked:\n%s", d.screen())
	}
	d.keys("[") // layer 2 of 3 → deep pane 4 of 6
	if m.panes[0].maps.cur.Req.Level != 2 || m.panes[3].maps.cur.Req.Level != 4 {
		t.Errorf("levels %d and %d, want 2 and 4", m.panes[0].maps.cur.Req.Level, m.panes[3].maps.cur.Req.Level)
	}
	if !strings.Contains(d.screen(), "layer 4 of 6") {
		t.Errorf("deep pane does not say its layer:\n%s", d.screen())
	}
	d.keys("f", "f", "f") // focus the deep pane: the layer now counts in 6ths
	if m.focus != 3 || m.layers != 6 || m.level != 4 {
		t.Fatalf("focus %d ref %d level %d", m.focus, m.layers, m.level)
	}
	d.keys("[")
	if m.panes[3].maps.cur.Req.Level != 3 || m.panes[0].maps.cur.Req.Level != 2 { // 3 of 6 → 1.5 → 2 of 3
		t.Errorf("levels %d and %d after [ in the deep pane", m.panes[3].maps.cur.Req.Level, m.panes[0].maps.cur.Req.Level)
	}
	d.keys("{")
	if m.panes[3].maps.cur.Req.Level != 0 || m.panes[0].maps.cur.Req.Level != 0 {
		t.Errorf("{ : embeddings everywhere, got %d and %d", m.panes[3].maps.cur.Req.Level, m.panes[0].maps.cur.Req.Level)
	}
	d.keys("2", "}") // attention: blocks
	if m.panes[3].maps.cur.Req.Level != 6 || m.panes[0].maps.cur.Req.Level != 3 {
		t.Errorf("} in attention: %d and %d", m.panes[3].maps.cur.Req.Level, m.panes[0].maps.cur.Req.Level)
	}
}

func TestCompareLabelTableMarksDifferences(t *testing.T) {
	d := newCmpDriver(t, testCompareConfig(t, false), 80, 24)
	d.keys("3")
	sc := d.screen()
	for _, want := range []string{"label", "#1", "#2", "#3", "Δlogit", "▸ cat", "a b c", "top label"} {
		if !strings.Contains(sc, want) {
			t.Errorf("labels view lacks %q:\n%s", want, sc)
		}
	}
	// The spread is max − min of the logits, as the table prints it.
	m := d.m
	var lo, hi float32 = 1e9, -1e9
	for _, p := range m.panes {
		lo, hi = min(lo, p.scores[0].Logit), max(hi, p.scores[0].Logit)
	}
	if got, want := strings.Fields(strings.Split(sc, "▸ cat")[1])[6], fmt.Sprintf("%.2f", float64(hi)-float64(lo)); got != want {
		t.Errorf("spread cell %q, want %s", got, want)
	}
	d.keys("a")
	d.typeText("dog")
	d.keys("enter")
	for i, p := range m.panes {
		if len(p.scores) != 3 || p.labels[2].Text != "dog" {
			t.Errorf("pane %d after adding a label: %d scores", i, len(p.scores))
		}
	}
	if !strings.Contains(d.screen(), "dog") {
		t.Errorf("new label not in the table")
	}
}

func (d *cmpDriver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func TestCompareExportsOnePicture(t *testing.T) {
	d := newCmpDriver(t, testCompareConfig(t, false), 80, 24)
	d.keys("s")
	dir := d.m.sh.cfg.ExportDir
	base := filepath.Join(dir, "scene.compare.similarity.L3")
	f, err := os.Open(base + ".png")
	if err != nil {
		t.Fatalf("%v (message %q)", err, d.m.message)
	}
	defer f.Close()
	pic, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Three panes scaled to one height side by side, wider than tall.
	if b := pic.Bounds(); b.Dy() < inspect.CompareExportHeight || b.Dx() < 3*inspect.CompareExportHeight {
		t.Errorf("picture %v", b)
	}
	raw, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var js inspect.CompareJSON
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Settings) != 3 || js.Settings[2].GridH != 5 || len(js.Settings[0].Scores) != 2 || js.Settings[0].InternalsBytes == 0 {
		t.Errorf("json %+v", js)
	}
}

func TestCompareHeadless(t *testing.T) {
	cfg := testCompareConfig(t, false)
	out, err := inspect.CompareHeadless(context.Background(), cfg.Spec())
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Settings) != 3 || out.ImageSize != [2]int{64, 48} {
		t.Fatalf("%+v", out)
	}
	d := newCmpDriver(t, testCompareConfig(t, false), 80, 24)
	for i, s := range out.Settings {
		p := d.m.panes[i]
		rows, cols := p.analysis.Grid()
		if s.GridH != rows || s.GridW != cols || s.Tokens != p.analysis.Tokens() || s.Error != "" {
			t.Errorf("setting %d: %+v, the screen has %d×%d", i, s, rows, cols)
		}
		for k, sc := range s.Scores {
			if float32(sc.Logit) != p.scores[k].Logit {
				t.Errorf("setting %d label %d: logit %v, the screen %v", i, k, sc.Logit, p.scores[k].Logit)
			}
		}
		if s.TimingsMS["vision"] <= 0 {
			t.Errorf("setting %d: no vision time", i)
		}
	}
	// A model that fails to load fails its settings only.
	bad := testCompareConfig(t, false)
	bad.Models[1].Load = func() (*engine.Model, error) { return nil, os.ErrNotExist }
	out, err = inspect.CompareHeadless(context.Background(), bad.Spec())
	if err != nil || out.Settings[2].Error == "" || out.Settings[0].Error != "" {
		t.Errorf("failed model: %v %+v", err, out)
	}
}

func TestGateRunsOneAtATime(t *testing.T) {
	g := newGate()
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.do(func() {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				running.Add(-1)
			})
		}()
	}
	wg.Wait()
	if peak.Load() != 1 {
		t.Errorf("%d jobs ran at once", peak.Load())
	}
}

// The layout: every visible pane inside the screen, none overlapping, each
// picture at least the minimum size, the focused pane shown; all panes
// shown when they fit.
func TestComparePaneLayout(t *testing.T) {
	aspects := []float64{1.5, 1.5, 1}
	cases := []struct {
		w, h     int
		all      bool
		sideways bool // one row of panes
	}{
		{80, 24, true, true},
		{160, 48, true, true},
		{40, 12, true, false},
		{60, 60, true, false}, // tall and narrow: stacked
		{31, 9, false, false},
	}
	for _, c := range cases {
		for focus := range aspects {
			l := layoutPanes(c.w, c.h, aspects, focus, 5)
			if l.tooSmall {
				t.Fatalf("%d×%d: too small", c.w, c.h)
			}
			if c.all && len(l.visible) != len(aspects) {
				t.Errorf("%d×%d: %d panes shown, want all", c.w, c.h, len(l.visible))
			}
			if c.sideways && l.rows != 1 {
				t.Errorf("%d×%d: %d rows of panes, want side by side", c.w, c.h, l.rows)
			}
			if c.w == 60 && l.cols != 1 {
				t.Errorf("60×60: %d columns, want stacked", l.cols)
			}
			shown := false
			screen := image.Rect(0, 1, c.w, c.h-1)
			for j, r := range l.panes {
				shown = shown || l.visible[j] == focus
				if !r.In(screen) {
					t.Errorf("%d×%d: pane %v outside %v", c.w, c.h, r, screen)
				}
				for k := j + 1; k < len(l.panes); k++ {
					if r.Overlaps(l.panes[k]) {
						t.Errorf("%d×%d: panes %v and %v overlap", c.w, c.h, r, l.panes[k])
					}
				}
				pc, pr := viz.FitCells(int(aspects[l.visible[j]]*1000), 1000, r.Dx(), r.Dy()-2)
				if pc < 4 || pr < 2 || (pc < minPaneCols && pr < minPaneRows) {
					t.Errorf("%d×%d: pane %d's picture %d×%d cells", c.w, c.h, l.visible[j], pc, pr)
				}
				if r.Max.Y > l.info.Min.Y {
					t.Errorf("%d×%d: pane %v runs into the info block %v", c.w, c.h, r, l.info)
				}
			}
			if !shown {
				t.Errorf("%d×%d: focused pane %d not shown (%v)", c.w, c.h, focus, l.visible)
			}
			if l.info.Dy() < 1 || l.info.Max.Y != c.h-1 {
				t.Errorf("%d×%d: info block %v", c.w, c.h, l.info)
			}
		}
	}
	if l := layoutPanes(20, 6, aspects, 0, 3); !l.tooSmall {
		t.Errorf("20×6 should be too small: %+v", l)
	}
}

func TestCompareGoldenScreens(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		keys []string
	}{
		{"compare_similarity_80x24", 80, 24, []string{"right"}},
		{"compare_labels_80x24", 80, 24, []string{"3", "down"}},
		{"compare_attention_160x48", 160, 48, []string{"2", "f", "left"}},
		{"compare_similarity_40x12", 40, 12, nil},
		{"compare_help_80x24", 80, 24, []string{"?"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newCmpDriver(t, testCompareConfig(t, false), c.w, c.h)
			d.keys(c.keys...)
			sc := d.screen()
			if n := strings.Count(sc, "\n") + 1; n != c.h {
				t.Errorf("%d lines, want %d", n, c.h)
			}
			for i, line := range strings.Split(sc, "\n") {
				if w := ansi.StringWidth(line); w != c.w {
					t.Errorf("line %d is %d cells wide, want %d: %q", i, w, c.w, line)
				}
			}
			golden(t, c.name+".golden", sc+"\n")
		})
	}
}

// A model without a tokenizer beside one with: its pane keeps its maps,
// its title says "vision only", and in the labels view its column and
// footer say why it has no scores.
func TestCompareVisionOnlyPane(t *testing.T) {
	cfg := testCompareConfig(t, false)
	ec, err := engine.ParseConfig([]byte(testmodel.ConfigJSON))
	if err != nil {
		t.Fatal(err)
	}
	pre := engine.DefaultPreprocessor(ec)
	pre.MaxNumPatches = 50
	noText, err := engine.NewRandom(ec, pre, 7, testEngineOptions)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Models = append(cfg.Models[:1], inspect.ModelSource{Name: "test/no-tokenizer", Load: func() (*engine.Model, error) { return noText, nil }})
	cfg.Settings = []inspect.CompareSetting{{Name: "NaFlex 50", Model: 0, MaxPatches: 50}, {Name: "no text 50", Model: 1, MaxPatches: 50}}
	d := newCmpDriver(t, cfg, 120, 40)
	m := d.m
	with, without := m.panes[0], m.panes[1]
	if with.noText != nil || len(with.scores) != 2 || without.noText == nil || without.labelErr != nil || without.maps.cur == nil {
		t.Fatalf("panes: with %v/%d scores, without %v/%v, map %v", with.noText, len(with.scores), without.noText, without.labelErr, without.maps.cur)
	}
	if sc := d.screen(); !strings.Contains(sc, "2 no text 50  6×8 +2 pad · vision only") {
		t.Errorf("the vision-only pane's title:\n%s", sc)
	}
	d.keys("3")
	sc := d.screen()
	for _, want := range []string{"no tokenizer: vision only (labels cannot be scored", "no text", "2: no tokenizer: vision only"} {
		if !strings.Contains(sc, want) {
			t.Errorf("labels view lacks %q:\n%s", want, sc)
		}
	}
	js := m.json()
	if len(js.Settings) != 2 || js.Settings[0].VisionOnly != "" || !strings.Contains(js.Settings[1].VisionOnly, "no tokenizer") || js.Settings[1].GridH != 6 {
		t.Errorf("saved JSON settings: %+v", js.Settings)
	}
}
