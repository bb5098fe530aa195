package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// runHeatmapJSON runs the heatmap command and returns the JSON it wrote.
func runHeatmapJSON(t *testing.T, args ...string) viz.HeatmapJSON {
	t.Helper()
	dir := t.TempDir()
	pngPath, jsonPath := filepath.Join(dir, "out.png"), filepath.Join(dir, "out.json")
	all := append([]string{"heatmap", "-o", pngPath, "--json", jsonPath}, args...)
	var stdout, stderr bytes.Buffer
	if code := run(all, &stdout, &stderr); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote "+pngPath+" and "+jsonPath) {
		t.Errorf("stdout %q", stdout.String())
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("PNG: %v", err)
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var js viz.HeatmapJSON
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	return js
}

// TestHeatmapMatchesTransformers runs the heatmap command on the reference
// NaFlex model and holds its values against maps computed here from the
// hidden states and attention probabilities Hugging Face transformers
// produced for the same image (goldens/naflex_mnp64, image 0: a 6×10 grid,
// 60 valid tokens of 64).
func TestHeatmapMatchesTransformers(t *testing.T) {
	ref := filepath.Join("testdata", "reference")
	g, err := safetensors.Open(filepath.Join(ref, "goldens", "naflex_mnp64.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const rows, cols, valid, tokens, heads, dim, layers = 6, 10, 60, 64, 4, 64, 2
	tensor := func(name string) []float32 {
		v, _, err := g.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	base := []string{"--model", filepath.Join(ref, "siglip2_naflex"), "--max-patches", "64"}
	img := filepath.Join(ref, "images", "img0_97x61_rgb.png")
	check := func(what string, got []viz.JSONFloat, want []float64, tol float64) {
		t.Helper()
		if len(got) != valid {
			t.Fatalf("%s: %d values, want %d", what, len(got), valid)
		}
		for i := range want {
			if d := math.Abs(float64(got[i]) - want[i]); d > tol {
				t.Fatalf("%s: value %d = %v, transformers gives %v", what, i, got[i], want[i])
			}
		}
	}

	// Similarity at every level: cosine of the hidden states of image 0.
	for level := 0; level <= layers+1; level++ {
		name := fmt.Sprintf("vision.hidden_states.%d", level)
		if level == layers+1 {
			name = "vision.last_hidden_state"
		}
		h := tensor(name)[:tokens*dim] // image 0
		q := 2*cols + 7
		js := runHeatmapJSON(t, append(base, "--view", "similarity", "--layer", fmt.Sprint(level), "--patch", "2,7", img)...)
		if js.GridH != rows || js.GridW != cols {
			t.Fatalf("grid %d×%d, want %d×%d", js.GridH, js.GridW, rows, cols)
		}
		want := make([]float64, valid)
		for i := range valid {
			var dot, qq, ii float64
			for k := range dim {
				a, b := float64(h[q*dim+k]), float64(h[i*dim+k])
				dot, qq, ii = dot+a*b, qq+a*a, ii+b*b
			}
			want[i] = dot / math.Sqrt(qq*ii)
		}
		check(name, js.Values, want, 1e-4)
	}

	// Attention of the query patch in block 2, the first head (--head 1) and the mean.
	attn := [layers][]float32{tensor("vision.attentions.0")[:heads*tokens*tokens], tensor("vision.attentions.1")[:heads*tokens*tokens]}
	q := 4*cols + 1
	for _, head := range []string{"1", "mean"} {
		js := runHeatmapJSON(t, append(base, "--view", "attention", "--layer", "2", "--head", head, "--patch", "4,1", img)...)
		want := make([]float64, valid)
		for j := range valid {
			for h := range heads {
				if head == "mean" || fmt.Sprint(h+1) == head { // --head counts from 1
					want[j] += float64(attn[1][(h*tokens+q)*tokens+j])
				}
			}
			if head == "mean" {
				want[j] /= heads
			}
		}
		check("attention head "+head, js.Values, want, 1e-5)
	}

	// Rollout through both blocks: (½A₁+½I)~ · (½A₀+½I)~, rows renormalised.
	mix := func(a []float32) [][]float64 {
		m := make([][]float64, valid)
		for i := range valid {
			m[i] = make([]float64, valid)
			var s float64
			for j := range valid {
				for h := range heads {
					m[i][j] += float64(a[(h*tokens+i)*tokens+j]) / heads / 2
				}
				if i == j {
					m[i][j] += 0.5
				}
				s += m[i][j]
			}
			for j := range valid {
				m[i][j] /= s
			}
		}
		return m
	}
	m0, m1 := mix(attn[0]), mix(attn[1])
	want := make([]float64, valid)
	for k := range valid {
		for j := range valid {
			want[j] += m1[q][k] * m0[k][j]
		}
	}
	js := runHeatmapJSON(t, append(base, "--view", "rollout", "--layer", "2", "--patch", "4,1", img)...)
	check("rollout", js.Values, want, 1e-5)
	if js.Metadata["view"] != "rollout" || js.Metadata["layer"] != float64(2) {
		t.Errorf("metadata %v", js.Metadata)
	}
}

func TestHeatmapDemoViews(t *testing.T) {
	for _, view := range []string{"similarity", "attention", "pooling", "rollout", "pca"} {
		js := runHeatmapJSON(t, "--demo", "--view", view)
		if js.GridH*js.GridW != len(js.Values) || len(js.Values) == 0 {
			t.Errorf("%s: %d×%d grid, %d values", view, js.GridH, js.GridW, len(js.Values))
		}
		if js.Metadata["image"] != demoScene || js.GridH != 9 || js.GridW != 9 {
			t.Errorf("%s: metadata %v", view, js.Metadata)
		}
	}
	js := runHeatmapJSON(t, "--demo", "--view", "label", "--label", "a red square")
	if js.Metadata["label"] != "a red square" || !strings.Contains(fmt.Sprint(js.Metadata["approximation"]), "on its own") {
		t.Errorf("label metadata %v", js.Metadata)
	}
}

func TestHeatmapErrors(t *testing.T) {
	ref := filepath.Join("testdata", "reference")
	img := filepath.Join(ref, "images", "img2_64x64_rgb.png")
	model := filepath.Join(ref, "siglip2_naflex")
	out := filepath.Join(t.TempDir(), "x.png")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--demo"}, 2, "-o OUT.png is required"},
		{[]string{"--demo", "-o", out, "--view", "heat"}, 2, "unknown view"},
		{[]string{"--demo", "-o", out, "--head", "first"}, 2, "--head"},
		{[]string{"--demo", "-o", out, "--view", "attention", "--head", "0"}, 2, "counted from 1"},
		{[]string{"--demo", "-o", out, "--patch", "3"}, 2, "ROW,COL"},
		{[]string{"--demo", "-o", out, "--view", "label"}, 2, "needs --label"},
		{[]string{"--demo", "-o", out, "--opacity", "2"}, 2, "--opacity"},
		{[]string{"--demo", "-o", out, "--view", "attention", "--layer", "0"}, 2, "outside 1…4"},
		{[]string{"--demo", "-o", out, "--patch", "99,0"}, 2, "outside the"},
		{[]string{"-o", out, "--model", model}, 2, "give an IMAGE"},
		{[]string{"-o", out, "--model", model, "nope.png"}, 1, "no such file"},
		{[]string{"-o", out, "--model", model, "--view", "label", "--label", "cat", img}, 1, "no tokenizer"},
		{[]string{"-o", filepath.Join(t.TempDir(), "no", "x.png"), "--model", model, img}, 1, "does not exist: create it first"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"heatmap"}, c.args...), &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}

// heatmap --view norm lists as outliers exactly the patches whose value
// (norm) exceeds --outlier-k × the median of the values it wrote;
// --view positions writes the position embeddings' cosines (1 at the
// query) and one norm per position.
func TestHeatmapNormAndPositions(t *testing.T) {
	for _, c := range []struct {
		layer, k string
	}{{"0", "1.5"}, {"4", "1.1"}, {"5", "3"}} {
		js := runHeatmapJSON(t, "--demo", "--device", "naive", "--view", "norm", "--layer", c.layer, "--outlier-k", c.k)
		vals := make([]float64, len(js.Values))
		for i, v := range js.Values {
			vals[i] = float64(v)
		}
		k, _ := strconv.ParseFloat(c.k, 64)
		med := medianOf(vals)
		var want []string
		for i, v := range vals {
			if v > k*med {
				want = append(want, fmt.Sprintf("%d,%d", i/js.GridW, i%js.GridW))
			}
		}
		raw, _ := json.Marshal(js.Metadata["outliers"])
		var outs []struct{ Row, Col int }
		json.Unmarshal(raw, &outs)
		var got []string
		for _, o := range outs {
			got = append(got, fmt.Sprintf("%d,%d", o.Row, o.Col))
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") || js.Metadata["outlier_k"] != k || js.Metadata["view"] != "norm" {
			t.Errorf("layer %s k %s: outliers %v, want %v (metadata %v)", c.layer, c.k, got, want, js.Metadata)
		}
		if m, _ := js.Metadata["median_norm"].(float64); math.Abs(m-med) > 1e-4*med {
			t.Errorf("layer %s: median %v, want %v", c.layer, m, med)
		}
	}
	js := runHeatmapJSON(t, "--demo", "--device", "naive", "--view", "positions", "--patch", "2,3")
	norms, _ := js.Metadata["position_norms"].([]any)
	if js.Values[2*9+3] != 1 || len(norms) != 81 || !strings.Contains(fmt.Sprint(js.Metadata["position_table"]), "resized") {
		t.Errorf("positions: value at the query %v, %d norms, table %v", js.Values[2*9+3], len(norms), js.Metadata["position_table"])
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"heatmap", "--demo", "-o", filepath.Join(t.TempDir(), "x.png"), "--view", "norm", "--outlier-k", "0.5"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "from 1 to 100") {
		t.Errorf("--outlier-k 0.5: exit %d, %q", code, stderr.String())
	}
}

func medianOf(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
