package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocalityJSONOfTheDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"locality", "--demo", "--device", "naive", "--max-patches", "64", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var out struct {
		Meta   map[string]any `json:"meta"`
		GridH  int            `json:"grid_h"`
		GridW  int            `json:"grid_w"`
		Levels []struct {
			Name  string   `json:"name"`
			Index *float64 `json:"index"`
			Curve []struct {
				Distance int `json:"distance"`
				Pairs    int `json:"pairs"`
			} `json:"curve"`
			ContentMatch *float64 `json:"content_match"`
		} `json:"levels"`
		Positions   map[string]any    `json:"positions"`
		Definitions map[string]string `json:"definitions"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	// 384×256 at 64 patches: a 6×10 grid (NaFlex keeps the 3:2 aspect).
	v := out.GridH * out.GridW
	if out.GridH*out.GridW > 64 || out.Meta["demo"] != true || len(out.Levels) != 6 || out.Positions == nil {
		t.Fatalf("grid %d×%d, meta %v, %d levels", out.GridH, out.GridW, out.Meta, len(out.Levels))
	}
	for _, l := range out.Levels {
		pairs := 0
		for _, c := range l.Curve {
			pairs += c.Pairs
		}
		if pairs != v*(v-1)/2 || l.Index == nil || l.ContentMatch == nil {
			t.Errorf("%s: %d pairs (want %d), index %v", l.Name, pairs, v*(v-1)/2, l.Index)
		}
	}
	if out.Levels[0].Name != "embeddings" || out.Levels[5].Name != "post-LN output" {
		t.Errorf("level names %q … %q", out.Levels[0].Name, out.Levels[5].Name)
	}
	for _, k := range []string{"distance", "near", "far", "index", "contrast", "mirror"} {
		if out.Definitions[k] == "" {
			t.Errorf("definition of %s missing", k)
		}
	}
}

func TestLocalityCSVAndPNG(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"locality", "--demo", "--device", "naive", "--max-patches", "64", "--csv"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	recs, err := csv.NewReader(&stdout).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]int{}
	for _, r := range recs[1:] {
		sources[r[0]]++
	}
	if sources["image"] == 0 || sources["image"] != sources["mirror"] || sources["positions"]*6 != sources["image"] {
		t.Errorf("rows per source %v", sources)
	}
	out := filepath.Join(t.TempDir(), "loc.png")
	stdout.Reset()
	if code := run([]string{"locality", "--demo", "--device", "naive", "--max-patches", "64", "--png", out, "--layer", "0"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "embeddings, locality index") {
		t.Errorf("stdout %q", stdout.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() < 1000 {
		t.Errorf("png: %v %v", img.Bounds(), err)
	}
}

func TestLocalityUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--demo", "--json", "--csv"}, 2, "give one of them"},
		{[]string{"--demo", "--lesson", "--json"}, 2, "--lesson is for the interactive screen"},
		{[]string{"--demo", "--png", "x.png", "--layer", "9", "--device", "naive"}, 2, "--layer 9 is outside 0…5"},
		{[]string{"--demo"}, 1, "must be a terminal"},
		{nil, 2, "give an IMAGE"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"locality"}, c.args...), &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}
