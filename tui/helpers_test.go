package tui

import (
	"flag"
	"image"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata/")

// testConfigJSON is a small NaFlex model: 3 blocks, 4 heads, 8-pixel
// patches, a position grid of 4×4 and a text tower that fits the tiny
// tokenizer's 27 ids.
const testConfigJSON = `{"model_type":"siglip2",
 "vision_config":{"hidden_size":32,"intermediate_size":48,"num_hidden_layers":3,"num_attention_heads":4,"num_patches":16,"patch_size":8},
 "text_config":{"hidden_size":32,"intermediate_size":40,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":27,"max_position_embeddings":8}}`

var (
	testModelOnce sync.Once
	testModelVal  *engine.Model
	testModelErr  error
)

// testModel is a random-weight model with the tiny hand-made tokenizer,
// shared by the tests (it is read-only once built).
func testModel(t testing.TB) *engine.Model {
	t.Helper()
	testModelOnce.Do(func() {
		cfg, err := engine.ParseConfig([]byte(testConfigJSON))
		if err != nil {
			testModelErr = err
			return
		}
		pre := engine.DefaultPreprocessor(cfg)
		pre.MaxNumPatches = 50
		m, err := engine.NewRandom(cfg, pre, 7, testEngineOptions)
		if err != nil {
			testModelErr = err
			return
		}
		tok, err := tokenizer.Load(filepath.Join("..", "engine", "tokenizer", "testdata", "tiny", "tokenizer.json"))
		if err != nil {
			testModelErr = err
			return
		}
		m.Tokenizer = tok
		testModelVal = m
	})
	if testModelErr != nil {
		t.Fatal(testModelErr)
	}
	return testModelVal
}

// testImage is a 64×48 picture with structure (a bright disc on a
// gradient, a dark bar), so maps are not uniform.
func testImage(w, h int) *preprocess.Image {
	img, _ := preprocess.NewImage(w, h)
	for y := range h {
		for x := range w {
			i := 3 * (y*w + x)
			r, g, b := uint8(40+150*x/w), uint8(60+120*y/h), uint8(120)
			dx, dy := float64(x)-0.3*float64(w), float64(y)-0.4*float64(h)
			if dx*dx+dy*dy < float64(h*h)/16 {
				r, g, b = 250, 220, 60
			}
			if x > 2*w/3 && y > h/2 {
				r, g, b = 20, 20, 30
			}
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = r, g, b
		}
	}
	return img
}

// fakeClock advances 5 ms on every reading, so stage timings are fixed.
func fakeClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(5 * time.Millisecond)
		return t
	}
}

func testConfig(t testing.TB) Config {
	m := testModel(t)
	return Config{
		ImageName:  "scene.png",
		LoadImage:  func() (*preprocess.Image, error) { return testImage(64, 48), nil },
		LoadModel:  func() (*engine.Model, error) { return m, nil },
		ModelName:  "test/random-tiny",
		Labels:     []string{"cat", "a b c"},
		Prompt:     engine.PromptOptions{Template: "{}"},
		ColorMode:  viz.NoColor,
		Colormap:   viz.Viridis,
		Clock:      fakeClock(),
		ExportDir:  t.TempDir(),
		MaxPatches: 0,
	}
}

// driver runs an explorer the way Bubble Tea would, but synchronously: each
// command runs to completion and its message goes to Update. Spinner ticks
// are dropped (they only sleep and animate).
type driver struct {
	t     testing.TB
	m     *Model
	quit  bool
	other []tea.Msg // messages the driver does not route (e.g. clear screen)
}

func newDriver(t testing.TB, cfg Config, w, h int) *driver {
	d := &driver{t: t, m: New(cfg)}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	return d
}

// send delivers one message and everything that follows from it.
func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	if cmd == nil {
		return
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
		return
	case spinner.TickMsg:
		return
	case tea.QuitMsg:
		d.quit = true
		return
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
		return
	}
	// tea.Sequence's message is an unexported slice of commands.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		for i := range v.Len() {
			d.run(v.Index(i).Interface().(tea.Cmd))
		}
		return
	}
	switch msg.(type) {
	case imageMsg, modelMsg, preparedMsg, visionMsg, labelsMsg, mapMsg, exportMsg, gfxMsg, localityMsg:
		d.send(msg)
	default:
		d.other = append(d.other, msg)
	}
}

// keys sends key presses: named keys ("tab", "up", "shift+tab", "ctrl+c")
// or single characters.
func (d *driver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyPress(k))
	}
}

// typeText types s character by character.
func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyPress(k string) tea.KeyPressMsg {
	named := map[string]tea.Key{
		"tab":        {Code: tea.KeyTab},
		"shift+tab":  {Code: tea.KeyTab, Mod: tea.ModShift},
		"up":         {Code: tea.KeyUp},
		"down":       {Code: tea.KeyDown},
		"left":       {Code: tea.KeyLeft},
		"right":      {Code: tea.KeyRight},
		"shift+up":   {Code: tea.KeyUp, Mod: tea.ModShift},
		"shift+down": {Code: tea.KeyDown, Mod: tea.ModShift},
		"enter":      {Code: tea.KeyEnter},
		"esc":        {Code: tea.KeyEscape},
		"backspace":  {Code: tea.KeyBackspace},
		"delete":     {Code: tea.KeyDelete},
		"ctrl+c":     {Code: 'c', Mod: tea.ModCtrl},
	}
	if key, ok := named[k]; ok {
		return tea.KeyPressMsg(key)
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the rendered view without escape sequences.
func (d *driver) screen() string { return ansi.Strip(d.m.View().Content) }

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("screen differs from %s (if the change is intended, rerun with -update and look at the diff)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// closeTo reports |got-want| ≤ abs + rel·|want|.
func closeTo(got, want, abs, rel float64) bool {
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}

var testCellPx = image.Pt(8, 16)

func reflectTypeName(v any) string { return reflect.TypeOf(v).String() }

// testEngineOptions pin the reference backend, so the golden screens (which
// show the backend's name and values to the last character) do not change
// with the engine's default backend.
var testEngineOptions = engine.Options{Backend: naive.New()}
