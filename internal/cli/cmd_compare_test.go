package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/inspect"
)

func runCompareJSON(t *testing.T, args ...string) inspect.CompareJSON {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"compare", "--json", "--device", "naive"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
	}
	var out inspect.CompareJSON
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	return out
}

func TestCompareDemoJSON(t *testing.T) {
	out := runCompareJSON(t, "--demo")
	if len(out.Settings) != 3 || out.ImageSize != [2]int{96, 48} || len(out.Labels) != 4 {
		t.Fatalf("%+v", out)
	}
	names := []string{out.Settings[0].Name, out.Settings[1].Name, out.Settings[2].Name}
	if strings.Join(names, "|") != "NaFlex 32|NaFlex 72|fixed 72×72" {
		t.Errorf("settings %q", names)
	}
	for i, s := range out.Settings {
		if s.Error != "" || len(s.Scores) != 4 || s.TimingsMS["vision"] <= 0 || s.Layers != 4 {
			t.Errorf("setting %d: %+v", i, s)
		}
		// The toy model: 4 blocks, 4 heads, 96 features; hidden states
		// of 5 levels, attention per block, pooling attention and the
		// final features, 4 bytes each.
		T := int64(s.Tokens)
		if want := 4 * (5*T*96 + 4*4*T*T + 4*T + T*96); s.InternalsBytes != want {
			t.Errorf("setting %d: internals %d, want %d", i, s.InternalsBytes, want)
		}
	}
	// NaFlex keeps the wide scene's 2:1 aspect (4×8 and 6×12 patches of
	// 8 pixels); fixed resolution squashes it into 72×72.
	n32, n72, fixed := out.Settings[0], out.Settings[1], out.Settings[2]
	if n32.GridH != 4 || n32.GridW != 8 || n32.Tokens != 32 || n72.GridH != 6 || n72.GridW != 12 || n72.Resized != [2]int{96, 48} {
		t.Errorf("NaFlex grids %d×%d and %d×%d (resized %v)", n32.GridH, n32.GridW, n72.GridH, n72.GridW, n72.Resized)
	}
	if fixed.GridH != 9 || fixed.GridW != 9 || fixed.Resized != [2]int{72, 72} || fixed.Variant != "fixed-res" {
		t.Errorf("fixed: %+v", fixed)
	}
}

func TestCompareBudgetsOfOneModel(t *testing.T) {
	out := runCompareJSON(t, "--demo", "--model", "naflex", "--max-patches", "16,32", "--labels", "a cat")
	if len(out.Settings) != 2 || out.Settings[0].MaxPatches != 16 || out.Settings[1].Tokens != 32 || len(out.Settings[1].Scores) != 1 {
		t.Errorf("%+v", out)
	}
}

func TestCompareUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--demo", "--json", "--max-patches", "0"}, 2, "--max-patches"},
		{[]string{"--demo", "--json", "--model", "fixed-100"}, 2, "multiple of 8"},
		{[]string{"--demo", "--json", "--model", "naflex", "--model", "naflex"}, 2, "given twice"},
		{[]string{"--demo", "--json", "--model", "naflex", "--max-patches", "1,2,3,4,5,6,7,8,9"}, 2, "at most 8"},
		{[]string{"--demo"}, 1, "must be a terminal"},
		{[]string{"--json"}, 2, "give an IMAGE"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"compare", "--device", "naive"}, c.args...), &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}

// Models side by side: a model with a tokenizer, one without and one whose
// tokenizer the engine cannot read. The last two are vision only: they
// still report their grid, say why they have no label scores, and do not
// fail.
func TestCompareVisionOnlyModels(t *testing.T) {
	ref := filepath.Join("testdata", "reference")
	unsupported := t.TempDir()
	for _, f := range []string{"config.json", "preprocessor_config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(ref, "siglip2_naflex", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(unsupported, f), b, 0o644)
	}
	os.WriteFile(filepath.Join(unsupported, "tokenizer.json"), []byte(`{"model":{"type":"Unigram","vocab":[["a",0.0]]}}`), 0o644)
	withTok := modelWithTinyTokenizer(t)
	img := filepath.Join(ref, "images", "img0_97x61_rgb.png")
	out := runCompareJSON(t, "--model", withTok, "--model", filepath.Join(ref, "siglip2_naflex"), "--model", unsupported,
		"--max-patches", "16,64", "--labels", "a cat,a cab", img)
	type want struct {
		model        string
		gridH, gridW int
		scores       int
		visionOnly   string
	}
	wants := []want{
		{withTok, 4, 4, 2, ""},
		{filepath.Join(ref, "siglip2_naflex"), 3, 5, 0, "no tokenizer"},
		{filepath.Join(ref, "siglip2_naflex"), 6, 10, 0, "no tokenizer"},
		{unsupported, 3, 5, 0, "not one this program reads"},
		{unsupported, 6, 10, 0, "not one this program reads"},
	}
	if len(out.Settings) != len(wants) {
		t.Fatalf("%d settings, want %d: %+v", len(out.Settings), len(wants), out.Settings)
	}
	for i, w := range wants {
		s := out.Settings[i]
		if s.Model != w.model || s.GridH != w.gridH || s.GridW != w.gridW || len(s.Scores) != w.scores || s.Error != "" ||
			(w.visionOnly == "") != (s.VisionOnly == "") || !strings.Contains(s.VisionOnly, w.visionOnly) {
			t.Errorf("setting %d: %+v, want %+v", i, s, w)
		}
	}
}
