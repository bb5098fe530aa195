package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/tui"
)

func runCompareJSON(t *testing.T, args ...string) tui.CompareJSON {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"compare", "--json", "--device", "naive"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
	}
	var out tui.CompareJSON
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	return out
}

func TestCompareDemoJSON(t *testing.T) {
	out := runCompareJSON(t, "--demo")
	if len(out.Settings) != 3 || out.ImageSize != [2]int{384, 256} || len(out.Labels) != 4 {
		t.Fatalf("%+v", out)
	}
	names := []string{out.Settings[0].Name, out.Settings[1].Name, out.Settings[2].Name}
	if strings.Join(names, "|") != "NaFlex 64|NaFlex 256|fixed 128×128" {
		t.Errorf("settings %q", names)
	}
	for i, s := range out.Settings {
		if s.Error != "" || len(s.Scores) != 4 || s.TimingsMS["vision"] <= 0 || s.Layers != 4 {
			t.Errorf("setting %d: %+v", i, s)
		}
		// Demo: 4 blocks, 4 heads, 64 features; hidden states of 5
		// levels, attention per block, pooling attention and the final
		// features, 4 bytes each.
		T := int64(s.Tokens)
		if want := 4 * (5*T*64 + 4*4*T*T + 4*T + T*64); s.InternalsBytes != want {
			t.Errorf("setting %d: internals %d, want %d", i, s.InternalsBytes, want)
		}
	}
	n64, n256, fixed := out.Settings[0], out.Settings[1], out.Settings[2]
	if n64.Patches > 64 || n64.Tokens != 64 || n64.GridW <= n64.GridH || n256.Patches > 256 || n256.Patches <= n64.Patches {
		t.Errorf("NaFlex grids %d×%d and %d×%d", n64.GridH, n64.GridW, n256.GridH, n256.GridW)
	}
	if fixed.GridH != 8 || fixed.GridW != 8 || fixed.Resized != [2]int{128, 128} || fixed.Variant != "fixed-res" {
		t.Errorf("fixed: %+v", fixed)
	}
	// NaFlex keeps the 3:2 aspect: the resized width is 1.5 × the height
	// within a patch.
	if r := n256.Resized; r[0]*2 < 3*r[1]-3*16 || r[0]*2 > 3*r[1]+3*16 {
		t.Errorf("NaFlex 256 resized to %v", r)
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
		{[]string{"--demo", "--json", "--model", "fixed-100"}, 2, "multiple of 16"},
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
