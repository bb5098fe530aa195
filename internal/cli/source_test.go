package cli

import (
	"bytes"
	"encoding/json"
	"github.com/siglip2-tui/siglip2-tui/viz"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command resolves --model the same way: with --demo it names a toy
// variant, and a flag after the image is refused with the same advice.
func TestDemoModelVariantsAreHonoured(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		model string
		grid  [2]int
	}{{"naflex", [2]int{9, 9}}, {"fixed", [2]int{9, 9}}, {"fixed-48", [2]int{6, 6}}} {
		js := filepath.Join(dir, c.model+".json")
		var stdout, stderr bytes.Buffer
		code := run([]string{"heatmap", "--demo", "--model", c.model, "--view", "pooling", "-o", filepath.Join(dir, c.model+".png"), "--json", js}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("heatmap --demo --model %s: exit %d, %s", c.model, code, stderr.String())
		}
		var got struct {
			Metadata struct {
				Model string `json:"model"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(readFile(t, js), &got); err != nil {
			t.Fatal(err)
		}
		var dims struct {
			GridH int `json:"grid_h"`
			GridW int `json:"grid_w"`
		}
		if err := json.Unmarshal(readFile(t, js), &dims); err != nil {
			t.Fatal(err)
		}
		if [2]int{dims.GridH, dims.GridW} != c.grid {
			t.Errorf("--model %s: grid %dx%d, want %v (the variant was not used)", c.model, dims.GridH, dims.GridW, c.grid)
		}
		if c.model != "naflex" && !strings.Contains(got.Metadata.Model, "72×72") && !strings.Contains(got.Metadata.Model, "48×48") {
			t.Errorf("--model %s: model named %q", c.model, got.Metadata.Model)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"classify", "--demo", "--model", "fixed", "--json", "--labels", "a red circle", "three-shapes.png"}, &stdout, &stderr); code != 0 {
		t.Fatalf("classify --demo --model fixed: exit %d, %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "72×72") {
		t.Errorf("classify --demo --model fixed ran another model: %s", stdout.String())
	}
	stderr.Reset()
	if code := run([]string{"classify", "--demo", "--model", "jumbo", "--labels", "a red circle"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "want naflex, fixed, or fixed-SIZE") {
		t.Errorf("an unknown toy variant: exit %d, %q", code, stderr.String())
	}
}

func TestFlagsAfterTheImageAreRefusedEverywhere(t *testing.T) {
	for _, args := range [][]string{
		{"classify", "--labels", "a red circle", "three-shapes.png", "--demo"},
		{"heatmap", "-o", "x.png", "three-shapes.png", "--demo"},
		{"dump", "-o", "x.safetensors", "three-shapes.png", "--demo"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "flags go before the image") {
			t.Errorf("%v: exit %d, %q; want a usage error saying flags go before the image", args, code, stderr.String())
		}
	}
}

func TestTokenizeDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"tokenize", "--demo", "a red circle"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var out tokenizeOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Label != "a red circle" || len(out.InputIDs) == 0 || out.InputIDs[len(out.InputIDs)-1] != 0 {
		t.Errorf("tokenize --demo: %+v", out)
	}
	stderr.Reset()
	if code := run([]string{"tokenize", "--demo", "--model", "x", "a"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "exactly one of") {
		t.Errorf("--demo with --model: exit %d, %q", code, stderr.String())
	}
}

// readFile reads a file the test made, failing the test when it cannot.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Values that used to be taken silently are refused with the valid range.
func TestOutOfRangeValuesAreRefused(t *testing.T) {
	cases := []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"heatmap", "--demo", "-o", "x.png", "--layer", "-5"}, "--layer -5"},
		{"", []string{"classify", "--demo", "--top", "-5"}, "--top -5"},
		{"", []string{"bench", "--text", "100000"}, "--text 100000: want 0 to 4096"},
		{"", []string{"explore", "--demo", "--model", ""}, "empty model name"},
		{"abc", []string{"classify", "--demo", "--labels", "a red circle", "--model", "naflex", t.TempDir() + "/x.png"}, "SIGLIP2_MAX_PIXELS=\"abc\": want a number of pixels"},
		{"-3", []string{"classify", "--demo", "one-shape.png"}, "SIGLIP2_MAX_PIXELS=\"-3\": want a number of pixels"}, // a built-in scene too
	}
	for _, c := range cases {
		t.Setenv(maxPixelsEnv, c.env)
		if img := c.args[len(c.args)-1]; c.env != "" && filepath.IsAbs(img) {
			if err := os.WriteFile(img, pngBytes(t), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v (SIGLIP2_MAX_PIXELS=%q): exit %d, %q; want it to say %q", c.args, c.env, code, stderr.String(), c.want)
		}
	}
}

// pngBytes is a small valid PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestColorNoticeInTmux(t *testing.T) {
	cases := []struct {
		flag string
		mode viz.ColorMode
		env  []string
		want bool
	}{
		{"auto", viz.ANSI256, []string{"TMUX=/tmp/tmux-0/default,1,0", "TERM=tmux-256color"}, true},
		{"auto", viz.ANSI256, []string{"TMUX=/tmp/x", "COLORTERM=truecolor"}, false},
		{"auto", viz.TrueColor, []string{"TMUX=/tmp/x"}, false},
		{"256", viz.ANSI256, []string{"TMUX=/tmp/x"}, false},
		{"auto", viz.ANSI256, []string{"TERM=xterm-256color"}, false},
	}
	for _, c := range cases {
		got := colorNotice(c.flag, c.mode, c.env)
		if (got != "") != c.want || c.want && !strings.Contains(got, "--color truecolor") {
			t.Errorf("%s %v %v: %q", c.flag, c.mode, c.env, got)
		}
	}
}
