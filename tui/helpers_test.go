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

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/internal/testmodel"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata/")

// testModel is the shared tiny random-weight model with the tiny
// hand-made tokenizer (internal/testmodel); it is read-only.
func testModel(t testing.TB) *engine.Model {
	t.Helper()
	m, err := testmodel.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testImage is testmodel's structured picture.
func testImage(w, h int) *preprocess.Image { return testmodel.Image(w, h) }

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
	case imageMsg, modelMsg, preparedMsg, visionMsg, labelsMsg, mapMsg, exportMsg, gfxMsg, localityMsg, whyMsg,
		insideProfileMsg, insideTextMsg, insideSavedMsg, trainedMsg:
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

// testEngineOptions pin the reference backend (see testmodel.Options).
var testEngineOptions = testmodel.Options
