package inspect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

func TestExportBaseName(t *testing.T) {
	label := &engine.Label{Text: "A Cat, on a mat!", Prompt: "this is a photo of a cat, on a mat!."}
	cases := []struct {
		image string
		r     MapRequest
		want  string
	}{
		{"photos/cat.jpg", MapRequest{Kind: MapSimilarity, Level: 3, Patch: viz.Patch{Row: 4, Col: 7}}, "cat.similarity.L3.r4c7"},
		{"cat.jpg", MapRequest{Kind: MapAttention, Level: 12, Head: viz.MeanHeads, Patch: viz.Patch{Row: 0, Col: 1}}, "cat.attention.L12.hmean.r0c1"},
		{"cat.jpg", MapRequest{Kind: MapPooling, Head: 5, Level: 9, Patch: viz.Patch{Row: 2}}, "cat.pooling.h6"}, // head index 5 is the sixth head
		{"cat.jpg", MapRequest{Kind: MapRollout, Level: 2, Head: 3, Patch: viz.Patch{Row: 1, Col: 1}}, "cat.rollout.L2.r1c1"},
		{"cat.jpg", MapRequest{Kind: MapLabel, Label: label, Level: 4}, "cat.label.a-cat-on-a-mat"},
		{"my.photo.png", MapRequest{Kind: MapPCA, Level: 0}, "my.photo.pca.L0"},
		{"", MapRequest{Kind: MapPCA, Level: 1}, "image.pca.L1"},
		{"x.png", MapRequest{Kind: MapLabel, Label: &engine.Label{Text: "日本"}}, "x.label.label"},
	}
	for _, c := range cases {
		if got := ExportBaseName(c.image, c.r); got != c.want {
			t.Errorf("ExportBaseName(%q, %v) = %q, want %q", c.image, c.r.Kind, got, c.want)
		}
	}
}

func TestExportCaptionAndFiles(t *testing.T) {
	a := testAnalysis(t)
	maps := NewMaps(a)
	m, err := maps.Compute(MapRequest{Kind: MapSimilarity, Level: a.Layers() + 1, Patch: viz.Patch{Row: 1, Col: 2}})
	if err != nil {
		t.Fatal(err)
	}
	e := &Export{Image: NRGBA(testImage(64, 48)), Map: m, Model: "demo — random weights", LevelName: a.FeatureLevelName(a.Layers() + 1)}
	if got, want := e.Caption().Text(), "similarity | layer 4 | patch (1,2) | demo - random weights | post-LN output"; got != want {
		t.Errorf("caption %q, want %q", got, want)
	}
	dir := t.TempDir()
	if err := e.Write(filepath.Join(dir, "x.png"), filepath.Join(dir, "x.json")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left: %v (temporary files must be renamed away)", entries)
	}
	// A folder that does not exist gives an error naming the file.
	err = e.Write(filepath.Join(dir, "nope", "x.png"), "")
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("write into a missing folder: %v", err)
	}
	// The cursor is drawn for patch views: a white outline in the picture.
	pic, err := e.Picture()
	if err != nil {
		t.Fatal(err)
	}
	if b := pic.Bounds(); b.Dx() != 512 {
		t.Fatalf("picture %v", b)
	}
	// Patch (1,2) of an 8-wide, 6-high grid over 512×384: x 128…191, y 64…127.
	if c := pic.NRGBAAt(128, 64); c.R != 255 || c.G != 255 || c.B != 255 {
		t.Errorf("cursor corner is %v, want white", c)
	}
}
