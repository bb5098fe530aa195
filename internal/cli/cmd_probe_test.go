package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/internal/testmodel"
)

// The probe command, given the token ids transformers used, prints
// transformers' occlusion map and head grid (JSON, arrays from 0).
func TestProbeCommandMatchesTransformers(t *testing.T) {
	cases, err := testmodel.ProbeCases(filepath.Join("testdata", "reference"))
	if err != nil {
		t.Fatal(err)
	}
	close := func(got, want float64) bool { return math.Abs(got-want) <= 5e-4+1e-4*math.Abs(want) }
	for i, c := range cases {
		t.Run(fmt.Sprintf("%s/%d", c.Model, i), func(t *testing.T) {
			ids := filepath.Join(t.TempDir(), "ids.json")
			row, _ := json.Marshal(c.InputIDs)
			if i%2 == 1 { // both shapes --input-ids takes
				row, _ = json.Marshal([][]int{c.InputIDs})
			}
			os.WriteFile(ids, row, 0o644)
			args := []string{"--model", filepath.Join("testdata", "reference", c.Model), "--input-ids", ids, "--json"}
			if c.MaxNumPatches > 0 {
				args = append(args, "--max-patches", fmt.Sprint(c.MaxNumPatches))
			}
			image := filepath.Join("testdata", "reference", c.Image)

			var out, errb bytes.Buffer
			if code := run(append(append([]string{"probe", "--method", "occlusion"}, args...), image), &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var occ struct {
				BaseLogit float64     `json:"base_logit"`
				Grid      [2]int      `json:"grid"`
				Occlusion [][]float64 `json:"occlusion"`
				Complete  bool        `json:"complete"`
			}
			if err := json.Unmarshal(out.Bytes(), &occ); err != nil {
				t.Fatalf("%v in %s", err, out.String())
			}
			if !close(occ.BaseLogit, c.BaseLogit) || occ.Grid != c.Grid || !occ.Complete || len(occ.Occlusion) != c.Grid[0] {
				t.Fatalf("base %v grid %v complete %v rows %d; transformers: base %v grid %v", occ.BaseLogit, occ.Grid, occ.Complete, len(occ.Occlusion), c.BaseLogit, c.Grid)
			}
			for r := range c.Occlusion {
				for col, want := range c.Occlusion[r] {
					if got := occ.Occlusion[r][col]; !close(got, want) {
						t.Errorf("patch (%d,%d) dropped: %v, transformers %v", r, col, got, want)
					}
				}
			}

			out.Reset()
			if code := run(append(append([]string{"probe", "--method", "heads"}, args...), image), &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var heads struct {
				Heads     [][]float64 `json:"heads"`
				Numbering string      `json:"numbering"`
			}
			if err := json.Unmarshal(out.Bytes(), &heads); err != nil {
				t.Fatal(err)
			}
			if len(heads.Heads) != len(c.Heads) || !strings.Contains(heads.Numbering, "from 0") {
				t.Fatalf("%d blocks, numbering %q", len(heads.Heads), heads.Numbering)
			}
			for l := range c.Heads {
				for h, want := range c.Heads[l] {
					if got := heads.Heads[l][h]; !close(got, want) {
						t.Errorf("block %d head %d silenced: %v, transformers %v", l+1, h+1, got, want)
					}
				}
			}
		})
	}
}

// On the toy model: the summary names the label and its top patches, the
// curves JSON has one entry per map with both curves and their areas,
// and -o writes a picture for each method.
func TestProbeCommandOnTheDemo(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"probe", "--demo", "--method", "occlusion", "--label", "a blue circle", "-o", filepath.Join(dir, "occ.png"), "one-shape.png"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{`label "a blue circle": logit`, "dropping these lowers it most", "map (rows top to bottom"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"probe", "--demo", "--method", "curves", "--steps", "6", "--json", "-o", filepath.Join(dir, "curves.png")}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var cs struct {
		Label   string `json:"label"`
		Patches int    `json:"patches"`
		Curves  []struct {
			Map                 string
			Deletion, Insertion struct {
				Patches          []int
				Logit            []float64
				Area, Area_Logit float64
			}
		} `json:"curves"`
	}
	if err := json.Unmarshal(out.Bytes(), &cs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs.Curves {
		names = append(names, c.Map)
		d, in := c.Deletion, c.Insertion
		if len(d.Patches) != 6 || d.Patches[0] != 0 || in.Patches[len(in.Patches)-1] != cs.Patches || len(d.Logit) != 6 || !(d.Area > 0 && d.Area < 1) {
			t.Errorf("%s: deletion %+v insertion %+v", c.Map, d, in)
		}
	}
	if got := strings.Join(names, ","); got != "pooling head,attention, last block,rollout,label map,occlusion" || cs.Label == "" {
		t.Errorf("label %q, maps %s", cs.Label, got)
	}
	for _, m := range []string{"heads"} {
		if code := run([]string{"probe", "--demo", "--method", m, "-o", filepath.Join(dir, m+".png")}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", m, code, errb.String())
		}
	}
	for _, f := range []string{"occ.png", "curves.png", "heads.png"} {
		r, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(r); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		r.Close()
	}
}

func TestProbeCommandRefusals(t *testing.T) {
	ids := filepath.Join(t.TempDir(), "ids.json")
	os.WriteFile(ids, []byte(`[[1,2],[3,4]]`), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--demo", "--method", "saliency"}, `--method "saliency": want one of occlusion, heads, curves`},
		{[]string{"--demo", "--block", "0"}, "--block 0"},
		{[]string{"--demo", "--steps", "1", "--method", "curves"}, "--steps 1"},
		{[]string{"--demo", "--label", "a red square", "--input-ids", ids}, "give one"},
		{[]string{"--demo", "--input-ids", ids}, "want one row of token ids, found 2 rows"},
		{[]string{"--demo", "--display", "sideways"}, "--display"},
		{[]string{"--demo", "--block", "9"}, "--block 9 covers the whole 9×9 patch grid"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		if code := run(append([]string{"probe"}, c.args...), &out, &errb); code == 0 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errb.String(), c.want)
		}
	}
}
