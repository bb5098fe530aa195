package cli

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGlobalLocalJSONOfTheDemo: the shape the issue asks for, on the toy
// model: the whole scene as its own crop matches itself exactly, and a
// corner crop maps onto that corner of the whole image's grid.
func TestGlobalLocalJSONOfTheDemo(t *testing.T) {
	type out struct {
		GridFull [2]int     `json:"grid_full"`
		GridCrop [2]int     `json:"grid_crop"`
		Match    [][][2]int `json:"match"`
		Layers   []struct {
			Layer  int         `json:"layer"`
			Mean   float64     `json:"mean"`
			Cosine [][]float64 `json:"cosine"`
		} `json:"layers"`
		Labels []struct {
			Label string                 `json:"label"`
			Whole struct{ Prob float64 } `json:"whole"`
			Crop  struct{ Prob float64 } `json:"crop"`
		} `json:"labels"`
		Meta map[string]any `json:"meta"`
	}
	var whole, corner out
	runJSON(t, &whole, "globallocal", "--demo", "--device", "naive", "--crop", "0,0,72,72", "--json")
	runJSON(t, &corner, "globallocal", "--demo", "--device", "naive", "--crop", "0,0,36,36", "--json")
	if whole.GridFull != [2]int{9, 9} || whole.GridCrop != [2]int{9, 9} || len(whole.Layers) != 6 || whole.Meta["image"] != "three-shapes.png" {
		t.Fatalf("grids %v %v, %d layers, meta %v", whole.GridFull, whole.GridCrop, len(whole.Layers), whole.Meta)
	}
	for l, lv := range whole.Layers {
		if lv.Layer != l || lv.Mean < 0.99999 {
			t.Errorf("the whole scene as its own crop: layer %d mean %v", lv.Layer, lv.Mean)
		}
	}
	if len(whole.Labels) != 4 || whole.Labels[0].Whole.Prob != whole.Labels[0].Crop.Prob {
		t.Errorf("labels %+v", whole.Labels)
	}
	// The top-left quarter, enlarged to 9×9 patches: crop patch (i, j)
	// lies in the whole image's patch (⌊(i+½)/2⌋, ⌊(j+½)/2⌋).
	if corner.GridCrop != [2]int{9, 9} {
		t.Fatalf("corner crop grid %v", corner.GridCrop)
	}
	for i, row := range corner.Match {
		for j, m := range row {
			if m != [2]int{(2*i + 1) / 4, (2*j + 1) / 4} {
				t.Errorf("crop patch (%d,%d) → %v", i, j, m)
			}
		}
	}
	if len(corner.Layers[0].Cosine) != 9 || len(corner.Layers[0].Cosine[0]) != 9 {
		t.Errorf("cosine rows %d", len(corner.Layers[0].Cosine))
	}
}

// TestContextJSONOfTheDemo: half the patches dropped by seed, or the
// patches named; the embeddings of kept patches are untouched.
func TestContextJSONOfTheDemo(t *testing.T) {
	type out struct {
		Grid    [2]int   `json:"grid"`
		Dropped [][2]int `json:"dropped"`
		Kept    int      `json:"kept"`
		Layers  []struct {
			Mean          float64      `json:"mean"`
			Cosine        [][]*float64 `json:"cosine"`
			MostDependent []struct {
				Patch [2]int `json:"patch"`
			} `json:"most_dependent"`
		} `json:"layers"`
		Labels []map[string]any `json:"labels"`
		Meta   map[string]any   `json:"meta"`
	}
	var seeded, again, named out
	runJSON(t, &seeded, "context", "--demo", "--device", "naive", "--seed", "4", "--json")
	runJSON(t, &again, "context", "--demo", "--device", "naive", "--seed", "4", "--json")
	runJSON(t, &named, "context", "--demo", "--device", "naive", "--patches", "0,0;8,8;0,0", "--json")
	if seeded.Grid != [2]int{9, 9} || len(seeded.Dropped) != 41 || seeded.Kept != 40 || seeded.Meta["seed"] != 4.0 {
		t.Fatalf("grid %v, %d dropped, %d kept, meta %v", seeded.Grid, len(seeded.Dropped), seeded.Kept, seeded.Meta)
	}
	if len(again.Dropped) != 41 || again.Dropped[0] != seeded.Dropped[0] || again.Dropped[40] != seeded.Dropped[40] {
		t.Errorf("the same seed dropped other patches: %v vs %v", again.Dropped, seeded.Dropped)
	}
	if len(named.Dropped) != 2 || named.Dropped[0] != [2]int{0, 0} || named.Dropped[1] != [2]int{8, 8} || named.Kept != 79 {
		t.Errorf("--patches: dropped %v, kept %d", named.Dropped, named.Kept)
	}
	for _, d := range seeded.Dropped {
		if seeded.Layers[3].Cosine[d[0]][d[1]] != nil {
			t.Errorf("dropped patch %v has a cosine", d)
		}
	}
	if seeded.Layers[0].Mean < 0.99999 || len(seeded.Layers) != 6 || len(seeded.Layers[5].MostDependent) != 5 || len(seeded.Labels) != 4 {
		t.Errorf("layer 0 mean %v, %d layers, %d most dependent, %d labels", seeded.Layers[0].Mean, len(seeded.Layers), len(seeded.Layers[5].MostDependent), len(seeded.Labels))
	}
}

// TestCorrespondJSONOfTheDemo: the default scene and its partner: the
// centre of the red square finds the red square in the partner.
func TestCorrespondJSONOfTheDemo(t *testing.T) {
	var got struct {
		GridA      [2]int      `json:"grid_a"`
		GridB      [2]int      `json:"grid_b"`
		Layer      int         `json:"layer"`
		Patch      [2]int      `json:"patch"`
		Similarity [][]float64 `json:"similarity"`
		Best       [2]int      `json:"best"`
		Mutual     int         `json:"mutual"`
		Meta       map[string]any
	}
	runJSON(t, &got, "correspond", "--demo", "--device", "naive", "--json")
	if got.Meta["image_a"] != "three-shapes.png" || got.Meta["image_b"] != "three-shapes-moved.png" || got.Layer != 4 || got.Patch != [2]int{4, 4} {
		t.Fatalf("meta %v, layer %d, patch %v", got.Meta, got.Layer, got.Patch)
	}
	if got.GridA != [2]int{9, 9} || got.GridB != [2]int{9, 9} || len(got.Similarity) != 9 || got.Mutual < 1 || got.Mutual > 81 {
		t.Fatalf("grids %v %v, %d rows, %d mutual", got.GridA, got.GridB, len(got.Similarity), got.Mutual)
	}
	// three-shapes-moved.png has its red square on the left: rows 3–5,
	// columns 0–2 of the 9×9 grid.
	if got.Best[0] < 3 || got.Best[0] > 5 || got.Best[1] > 2 {
		t.Errorf("the red square's centre matched patch %v of the partner, not its red square", got.Best)
	}
	var other struct {
		GridB [2]int `json:"grid_b"`
		Meta  map[string]any
	}
	runJSON(t, &other, "correspond", "--demo", "--device", "naive", "--json", "--patch", "1,4", "--layer", "0", "one-shape.png")
	if other.Meta["image_b"] != "wide-three.png" || other.GridB != [2]int{6, 12} {
		t.Errorf("one-shape.png's partner: %v, grid %v", other.Meta["image_b"], other.GridB)
	}
}

func TestTrainedPictures(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"globallocal", "--crop", "0,0,36,36", "--layer", "0"}, "crop 0,0,36,36 as 9×9 patches, embeddings"},
		{[]string{"context", "--drop", "0.25"}, "20 of 81 patches dropped, block 4"},
		{[]string{"correspond", "--patch", "1,1"}, "A's patch (1,1) best matches"},
	} {
		out := filepath.Join(dir, c.args[0]+".png")
		args := append([]string{c.args[0], "--demo", "--device", "naive", "-o", out}, c.args[1:]...)
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), c.want) {
			t.Errorf("%v: %q, want %q", args, stdout.String(), c.want)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 700 || img.Bounds().Dy() < 400 {
			t.Errorf("%s: %v, %v", out, img.Bounds(), err)
		}
	}
}

func TestTrainedUsageErrors(t *testing.T) {
	dir := t.TempDir()
	scene := filepath.Join(dir, "scene.png")
	if err := os.WriteFile(scene, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"globallocal", "--demo", "--json", "-o", "x.png"}, 2, "give one of them"},
		{[]string{"globallocal", "--demo", "--crop", "1,2,3"}, 2, "want four pixel coordinates"},
		{[]string{"globallocal", "--demo", "--device", "naive", "--crop", "0,0,80,20", "--json"}, 2, "does not fit the 72×72 image"},
		{[]string{"globallocal", "--demo", "--device", "naive", "--layer", "6", "--json"}, 2, "--layer 6 is outside 0…5"},
		{[]string{"globallocal", "--demo"}, 1, "must be a terminal"},
		{[]string{"globallocal", "--json"}, 2, "give an IMAGE"},
		{[]string{"globallocal", "-o", scene, scene}, 2, "scene.png"},
		{[]string{"context", "--demo", "--patches", "0,0", "--seed", "3", "--json"}, 2, "leave out --drop and --seed"},
		{[]string{"context", "--demo", "--drop", "1", "--json"}, 2, "--drop 1"},
		{[]string{"context", "--demo", "--device", "naive", "--patches", "9,0", "--json"}, 2, "outside the 9×9 patch grid"},
		{[]string{"context", "--demo"}, 1, "must be a terminal"},
		{[]string{"correspond", "--demo", "--json", "a.png", "b.png", "c.png"}, 2, "give two images"},
		{[]string{"correspond", "--json", "a.png"}, 2, "give two images"},
		{[]string{"correspond", "--demo", "--labels", "a", "--json"}, 2, "scores no labels"},
		{[]string{"correspond", "--demo", "--device", "naive", "--patch", "9,9", "--json"}, 2, "outside image A's 9×9 patch grid"},
		{[]string{"correspond", "--demo", "--patch", "x", "--json"}, 2, "--patch"},
		{[]string{"correspond", "--demo"}, 1, "must be a terminal"},
		{[]string{"explore", "--demo", "--pair", "nope.png"}, 1, "--pair: image: stat nope.png"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}
