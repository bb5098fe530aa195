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
		{"cat.jpg", MapRequest{Kind: MapNorm, Level: 3, Patch: viz.Patch{Row: 1}, OutlierK: 5}, "cat.norm.L3"},
		{"cat.jpg", MapRequest{Kind: MapPositions, Level: 3, Patch: viz.Patch{Row: 1, Col: 2}}, "cat.positions.r1c2"},
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
	if got, want := e.Caption().Text(), "similarity | layer 4 | patch (1,2) | demo - random weights | final LayerNorm"; got != want {
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

// A norm map's JSON says what its values are and lists the outliers with
// the threshold; a position map's adds every position's norm.
func TestExportNormMetadata(t *testing.T) {
	a := testAnalysis(t)
	maps := NewMaps(a)
	rows, cols := maps.Grid()
	nm, err := maps.Compute(MapRequest{Kind: MapNorm, Level: 1, OutlierK: 1.05})
	if err != nil {
		t.Fatal(err)
	}
	meta := (&Export{Map: nm}).Metadata()
	outs, ok := meta["outliers"].([]OutlierJSON)
	if !ok || len(outs) != len(nm.Norm.Outliers) || len(outs) == 0 || meta["outlier_k"] != 1.05 || meta["layer"] != 1 {
		t.Fatalf("norm metadata: %v", meta)
	}
	for i, o := range outs {
		want := nm.Norm.Outliers[i]
		if o.Row != want.Patch.Row || o.Col != want.Patch.Col || float32(o.Norm) != want.Norm || float32(o.Norm) != nm.Grid.Values[o.Row*cols+o.Col] {
			t.Errorf("outlier %d: %+v, want %+v", i, o, want)
		}
	}
	pm, err := maps.Compute(MapRequest{Kind: MapPositions, Patch: viz.Patch{Row: 1, Col: 1}})
	if err != nil {
		t.Fatal(err)
	}
	meta = (&Export{Map: pm}).Metadata()
	if norms, ok := meta["position_norms"].([]viz.JSONFloat); !ok || len(norms) != rows*cols || meta["outlier_k"] != DefaultOutlierK || meta["layer"] != nil {
		t.Errorf("positions metadata: %v", meta)
	}
	if c := (&Export{Map: pm}).Caption().Text(); !strings.Contains(c, "position embeddings") || !strings.Contains(c, "patch (1,1)") {
		t.Errorf("caption %q", c)
	}
}
