package tui

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/testmodel"
)

// normsOf are the norms of a level's patch features, recomputed here.
func normsOf(t *testing.T, d *driver, level int) []float64 {
	t.Helper()
	f, err := d.m.analysis.Features(level)
	if err != nil {
		t.Fatal(err)
	}
	dim := d.m.analysis.Hidden()
	out := make([]float64, len(f)/dim)
	for i := range out {
		var s float64
		for _, x := range f[i*dim : (i+1)*dim] {
			s += float64(x) * float64(x)
		}
		out[i] = math.Sqrt(s)
	}
	return out
}

func TestInsideNormsAndPositions(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("8")
	p := d.m.pages[viewInside].(*insidePage)
	if d.m.view != viewInside || p.mode != insideNorms || p.cur == nil || p.cur.Req.Kind != inspect.MapNorm || p.cur.Req.Level != 3 {
		t.Fatalf("8: view %d, mode %d, map %+v", d.m.view, p.mode, p.cur)
	}
	sc := d.screen()
	for _, want := range []string{"Feature norms · block 3 of 3", "Inside norms", "k = 3 × median", " out "} {
		if !strings.Contains(sc, want) {
			t.Errorf("norms screen lacks %q:\n%s", want, sc)
		}
	}
	// The map is the features' norms; the profile's row for the level
	// gives their median.
	d.keys("[")
	if p.cur.Req.Level != 2 {
		t.Fatalf("[: level %d", p.cur.Req.Level)
	}
	want := normsOf(t, d, 2)
	for i, v := range p.cur.Grid.Values {
		if !closeTo(float64(v), want[i], 1e-6, 1e-6) {
			t.Fatalf("norm %d = %v, want %v", i, v, want[i])
		}
	}
	sorted := slices.Clone(want)
	slices.Sort(sorted)
	med := (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2 // 48 patches
	if row := fmt.Sprintf("▸  2 %7s", inspect.FormatNorm(float32(med))); !strings.Contains(d.screen(), row) {
		t.Errorf("the table's row for level 2 should read %q:\n%s", row, d.screen())
	}
	// < and > step k; the outliers follow it.
	d.keys("<", "<", "<")
	if p.k != 1.5 || p.cur.Norm.K != 1.5 || !strings.Contains(d.screen(), "k = 1.5 × median") {
		t.Fatalf("< < <: k %v, map k %v", p.k, p.cur.Norm.K)
	}
	d.keys("<")
	if p.k != 1.5 {
		t.Errorf("k went below the first step: %v", p.k)
	}
	var flagged int
	for _, v := range want {
		if v > 1.5*med {
			flagged++
		}
	}
	if len(p.cur.Norm.Outliers) != flagged {
		t.Errorf("%d outliers at k 1.5, want %d", len(p.cur.Norm.Outliers), flagged)
	}
	d.keys(">", ">", ">")
	if p.k != 3 {
		t.Errorf("> > >: k %v", p.k)
	}
	// v: the positions; the arrows move the cursor, and the map follows.
	d.keys("v", "left", "up")
	c := d.m.patch
	if p.mode != insidePositions || p.cur.Req.Kind != inspect.MapPositions || p.cur.Req.Patch != c {
		t.Fatalf("v: mode %d, map %+v, cursor %v", p.mode, p.cur.Req, c)
	}
	if sc := d.screen(); !strings.Contains(sc, fmt.Sprintf("Position embeddings · cosine to (%d,%d)", c.Row, c.Col)) ||
		!strings.Contains(sc, "resized") {
		t.Errorf("positions screen:\n%s", sc)
	}
	if v := p.cur.Grid.Values[c.Row*p.cur.Grid.W+c.Col]; !closeTo(float64(v), 1, 1e-6, 0) {
		t.Errorf("the cursor's position's cosine to itself is %v", v)
	}
	// s saves the map and its numbers.
	d.keys("s")
	base := filepath.Join(d.m.sh.cfg.ExportDir, fmt.Sprintf("scene.positions.r%dc%d", c.Row, c.Col))
	raw, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatalf("s: %v (message %q)", err, d.m.message)
	}
	if _, err := os.Stat(base + ".png"); err != nil {
		t.Error(err)
	}
	var js struct {
		Metadata map[string]any
	}
	if err := json.Unmarshal(raw, &js); err != nil || js.Metadata["outlier_k"] != 3.0 || js.Metadata["position_table"] == nil {
		t.Errorf("saved JSON: %v %v", err, js.Metadata)
	}
}

func TestInsideTextTower(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("8", "v", "v")
	p := d.m.pages[viewInside].(*insidePage)
	it := d.m.labels.selectedItem()
	r := p.textResult(d.m)
	if p.mode != insideText || it == nil || r == nil || r.err != nil || r.view.Label != it.text || r.words.Label != it.text {
		t.Fatalf("v v: mode %d, label %v, result %+v", p.mode, it, r)
	}
	v := r.view
	sc := d.screen()
	for _, want := range []string{`Text tower · "` + it.text + `"`, "pooled attention, layer 1/1", "< pooled", "without a word"} {
		if !strings.Contains(sc, want) {
			t.Errorf("text screen lacks %q:\n%s", want, sc)
		}
	}
	// The pooled row shows the mean over heads of the last position's
	// attention to itself; with a head chosen, that head's.
	n := v.Length
	mean := (float64(v.HeadAttention(1, 0)[n-1]) + float64(v.HeadAttention(1, 1)[n-1])) / 2
	if row := fmt.Sprintf("%5.1f%% < pooled", 100*mean); !strings.Contains(sc, row) {
		t.Errorf("the pooled row should end %q:\n%s", row, sc)
	}
	d.keys(".")
	if p.thead != 0 || !strings.Contains(d.screen(), "head 1") {
		t.Errorf(".: head %d", p.thead)
	}
	if row := fmt.Sprintf("%5.1f%% < pooled", 100*v.HeadAttention(1, 0)[n-1]); !strings.Contains(d.screen(), row) {
		t.Errorf("head 1: the pooled row should end %q:\n%s", row, d.screen())
	}
	d.keys(".", ".")
	if p.thead != -1 {
		t.Errorf("past the last head: back to the mean, got %d", p.thead)
	}
	// ↓ picks the next label, which goes through the text tower too.
	d.keys("down")
	if next := d.m.labels.selectedItem(); next == it || p.textResult(d.m) == nil || p.textResult(d.m).view.Label != next.text {
		t.Errorf("down: label %v, result %+v", next, p.textResult(d.m))
	}
	// A label typed here is encoded and analysed.
	d.keys("a")
	d.typeText("cab")
	d.keys("enter")
	if got := d.m.labels.selectedItem(); got == nil || got.text != "cab" || p.textResult(d.m) == nil {
		t.Fatalf("typed label: %v", got)
	}
	d.keys("s")
	matches, _ := filepath.Glob(filepath.Join(d.m.sh.cfg.ExportDir, "scene.text*.json"))
	if len(matches) != 1 {
		t.Fatalf("s in the text tower saved %v (message %q)", matches, d.m.message)
	}
	raw, _ := os.ReadFile(matches[0])
	var js struct {
		Label    string
		Pooled   [][][]float64     `json:"pooled_attention"`
		Words    inspect.WordsJSON `json:"word_deletion"`
		InputIDs []int             `json:"input_ids"`
	}
	if err := json.Unmarshal(raw, &js); err != nil || js.Label != "cab" || len(js.Pooled) != 1 || len(js.Pooled[0]) != 2 || len(js.InputIDs) != 8 || len(js.Words.Words) != 1 {
		t.Errorf("saved %s: %v %+v", matches[0], err, js)
	}
}

func TestInsideLessonAndModes(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("8", "n")
	p := d.m.pages[viewInside].(*insidePage)
	if p.mode != insideLesson || !strings.Contains(d.screen(), "1 · Registers and artefacts") {
		t.Fatalf("n: mode %d\n%s", p.mode, d.screen())
	}
	d.keys("n", "n", "n", "n", "n")
	if sc := d.screen(); !strings.Contains(sc, "4 · The text tower") || !strings.Contains(sc, "4/4") || !strings.Contains(sc, "8 for this one") {
		t.Errorf("past the last page:\n%s", sc)
	}
	d.keys("p")
	if !strings.Contains(d.screen(), "3 · Position embeddings") {
		t.Errorf("p:\n%s", d.screen())
	}
	d.keys("esc")
	if p.mode != insideNorms {
		t.Errorf("esc: mode %d", p.mode)
	}
	for i := range int(numInsideModes) {
		if p.mode != insideMode(i) {
			t.Errorf("v cycle step %d: mode %d", i, p.mode)
		}
		d.keys("v")
	}
	if p.mode != insideNorms {
		t.Errorf("v cycles back to the norms: mode %d", p.mode)
	}
	// View 7 is the Trained view.
	d.keys("7")
	if sc := d.screen(); d.m.view != viewTrained || !strings.Contains(sc, "Global–local") {
		t.Errorf("7:\n%s", sc)
	}
}

// A model that cannot encode text: the text tower says why, the maps work.
func TestInsideWithoutTokenizer(t *testing.T) {
	cfg := testConfig(t)
	cfg.Labels = nil
	ec, err := engine.ParseConfig([]byte(testmodel.ConfigJSON))
	if err != nil {
		t.Fatal(err)
	}
	pre := engine.DefaultPreprocessor(ec)
	pre.MaxNumPatches = 50
	m, err := engine.NewRandom(ec, pre, 7, testEngineOptions)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LoadModel = func() (*engine.Model, error) { return m, nil }
	d := newDriver(t, cfg, 80, 24)
	d.keys("8")
	if p := d.m.pages[viewInside].(*insidePage); p.cur == nil {
		t.Fatal("no norm map without a tokenizer")
	}
	d.keys("v", "v")
	if sc := d.screen(); !strings.Contains(sc, "no tokenizer.json") {
		t.Errorf("text tower without a tokenizer:\n%s", sc)
	}
}

// In a short terminal the norms table of a 12-block model shows the rows
// around the chosen level and says how many of them it shows; where all
// fit, it does not.
func TestInsideNormTableSaysItScrolls(t *testing.T) {
	cfg, err := engine.ParseConfig([]byte(strings.Replace(testmodel.ConfigJSON, `"num_hidden_layers":3`, `"num_hidden_layers":12`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	pre := engine.DefaultPreprocessor(cfg)
	pre.MaxNumPatches = 50
	deep, err := engine.NewRandom(cfg, pre, 7, testmodel.Options)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		h      int
		scroll bool
	}{{24, true}, {60, false}} {
		tc := testConfig(t)
		tc.LoadModel = func() (*engine.Model, error) { return deep, nil }
		d := newDriver(t, tc, 80, c.h)
		d.keys("8")
		sc := d.screen()
		// 14 levels: the embeddings, 12 blocks and the final LayerNorm.
		if got := strings.Contains(sc, "of 14 levels · [ ] for more"); got != c.scroll {
			t.Errorf("80×%d: says it scrolls %v, want %v:\n%s", c.h, got, c.scroll, sc)
		}
	}
}
