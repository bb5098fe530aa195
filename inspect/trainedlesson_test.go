package inspect

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// TestTrainedLessonQuotesTheImage: every screen quotes the numbers of the
// reports it is written from, and says how to get the ones not measured.
func TestTrainedLessonQuotesTheImage(t *testing.T) {
	ctx := context.Background()
	m := testModel(t)
	a, err := m.Analyze(ctx, testImage(64, 48), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := m.Analyze(ctx, MirrorImage(testImage(48, 48)), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	labels, _, err := m.EncodeLabels(ctx, []string{"cat", "a b c"}, engine.PromptOptions{Template: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	box := CropBox{8, 4, 40, 36}
	gl, err := GlobalLocal(ctx, a, box, labels)
	if err != nil {
		t.Fatal(err)
	}
	drop, _ := RandomDrop(a.Valid(), 0.5, 1)
	cx, err := MaskedContext(ctx, a, drop, labels)
	if err != nil {
		t.Fatal(err)
	}
	var co []*CorrespondReport
	for l := range a.FeatureLevels() {
		r, err := Correspond(a, b, l)
		if err != nil {
			t.Fatal(err)
		}
		co = append(co, r)
	}
	L := a.Layers()
	lesson := &TrainedLesson{GlobalLocal: gl, Context: cx, DropRule: "half of them at random (seed 1)", Correspond: co, Patch: viz.Patch{Row: 1, Col: 2}, PairName: "b.png", Demo: true}
	pages := lesson.Pages()
	if len(pages) != 5 {
		t.Fatalf("%d pages", len(pages))
	}
	text := func(i int) string { return strings.Join(pages[i].Text, "\n") }
	best := co[L].Best(1*co[L].ColsA + 2)
	for _, c := range []struct {
		page int
		want []string
	}{
		{0, []string{"global–local", "masked prediction", "toy SigLIP 2"}},
		{1, []string{box.String(), plain(gl.Levels[0].Mean), plain(gl.Levels[0].Baseline), plain(gl.Levels[L].Mean), plain(gl.Levels[L+1].Mean), fmt.Sprintf("%d×%d patches", gl.CropRows, gl.CropCols), "on the crop"}},
		{2, []string{fmt.Sprintf("%d of the %d patches were dropped (half of them at random (seed 1))", len(cx.Dropped), a.Valid()), plain(cx.Levels[0].Mean), plain(cx.Levels[L].Mean), "touch a dropped patch"}},
		{3, []string{"b.png", fmt.Sprintf("patch (1,2) of A is most like patch (%d,%d) of B", best.Row, best.Col), fmt.Sprintf("%d are mutual nearest neighbours", co[0].Mutual), fmt.Sprintf("%d at %s", co[L+1].Mutual, co[L+1].Name)}},
		{4, []string{plain(gl.Levels[L].Mean), fmt.Sprintf("with %d of %d patches dropped", len(cx.Dropped), a.Valid()), fmt.Sprintf("%d of %d patches of A", co[L].Mutual, a.Valid())}},
	} {
		for _, w := range c.want {
			if !strings.Contains(text(c.page), w) {
				t.Errorf("page %d lacks %q:\n%s", c.page+1, w, text(c.page))
			}
		}
	}
	for _, k := range []TrainedChart{GlobalLocalChart, ContextChart, CorrespondChart} {
		ch, ok := lesson.TrainedLevelChart(k)
		if !ok || ch.XMax != L+1 || len(ch.Series[len(ch.Series)-1].Y) != L+2 {
			t.Errorf("chart %d: %v, %+v", k, ok, ch)
		}
	}
	// Nothing measured, no second image.
	empty := (&TrainedLesson{}).Pages()
	for i, want := range map[int]string{1: "Not measured yet", 2: "Not measured yet", 3: "--pair IMAGE_B"} {
		if !strings.Contains(strings.Join(empty[i].Text, " "), want) {
			t.Errorf("empty lesson, page %d: %q lacks %q", i+1, empty[i].Text, want)
		}
	}
	if strings.Contains(strings.Join(empty[0].Text, " "), "toy") {
		t.Error("the toy model paragraph without --demo")
	}
	if _, ok := (&TrainedLesson{}).TrainedLevelChart(ContextChart); ok {
		t.Error("a chart without its report")
	}
}
