package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// TestDumpCommand runs the dump command as a user would and holds the file
// it writes against the reference goldens: same names and shapes, equal
// inputs, close outputs.
func TestDumpCommand(t *testing.T) {
	ref := filepath.Join("testdata", "reference")
	golden, err := safetensors.Open(filepath.Join(ref, "goldens", "naflex_mnp16.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer golden.Close()
	ids, info, _ := golden.Int64("inputs.input_ids")
	rows := make([][]int64, info.Shape[0])
	for r := range rows {
		rows[r] = ids[r*info.Shape[1] : (r+1)*info.Shape[1]]
	}
	js, _ := json.Marshal(rows)
	dir := t.TempDir()
	idsPath := filepath.Join(dir, "ids.json")
	os.WriteFile(idsPath, js, 0o644)
	out := filepath.Join(dir, "out.safetensors")
	args := []string{"dump", "--model", filepath.Join(ref, "siglip2_naflex"), "--max-patches", "16", "--input-ids", idsPath, "-o", out}
	for _, n := range []string{"img0_97x61_rgb.png", "img1_40x120_rgb.png", "img2_64x64_rgb.png", "img3_53x37_rgba.png"} {
		args = append(args, filepath.Join(ref, "images", n))
	}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := safetensors.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	for _, name := range golden.Names() {
		gi, ok := got.Tensors[name]
		if !ok {
			t.Errorf("dump lacks %s", name)
			continue
		}
		wi := golden.Tensors[name]
		if gi.DType != wi.DType || safetensors.ShapeString(gi.Shape) != safetensors.ShapeString(wi.Shape) {
			t.Errorf("%s: %s%v, want %s%v", name, gi.DType, gi.Shape, wi.DType, wi.Shape)
		}
	}
	for _, name := range []string{"inputs.pixel_values", "probs_per_image"} {
		g, _, _ := got.Float32(name)
		w, _, _ := golden.Float32(name)
		for i := range w {
			if d := g[i] - w[i]; d > 1e-4 || d < -1e-4 {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g[i], w[i])
			}
		}
	}
}

func TestDumpCommandErrors(t *testing.T) {
	ref := filepath.Join("testdata", "reference")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"dump", "--model", filepath.Join(ref, "siglip2_fixed"), filepath.Join(ref, "images", "img0_97x61_rgb.png")}, 2, "-o"},
		{[]string{"dump", "--model", filepath.Join(ref, "siglip2_fixed"), "-o", "x.safetensors"}, 2, "IMAGE"},
		{[]string{"dump", "--model", filepath.Join(ref, "siglip2_fixed"), "-o", "x.safetensors", "missing.png"}, 1, "missing.png"},
		{[]string{"dump", "--model", filepath.Join(ref, "siglip2_fixed"), "-o", filepath.Join(t.TempDir(), "x.st"), filepath.Join(ref, "README.md")}, 1, "README.md"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}
