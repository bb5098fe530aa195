package inspect

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// naiveCurve recomputes one level's similarity-vs-distance curve from the
// features, in float64, pair by pair: cosine similarity, distance with
// math.Hypot, bins by floor(d + 0.5); only the valid patches (the first
// rows·cols rows of the features) are paired.
func naiveCurve(f []float32, dim, rows, cols int) (mean map[int]float64, pairs map[int]int, near, far float64) {
	sum := map[int]float64{}
	pairs = map[int]int{}
	var ns, fs float64
	var nn, fn int
	v := rows * cols
	for i := range v {
		for j := i + 1; j < v; j++ {
			s := naiveCosine(f, dim, i, j)
			d := math.Hypot(float64(i/cols-j/cols), float64(i%cols-j%cols))
			b := int(math.Floor(d + 0.5))
			sum[b] += s
			pairs[b]++
			if d == 1 {
				ns += s
				nn++
			}
			if d >= 4 {
				fs += s
				fn++
			}
		}
	}
	mean = map[int]float64{}
	for b, s := range sum {
		mean[b] = s / float64(pairs[b])
	}
	return mean, pairs, ns / float64(nn), fs / float64(fn)
}

func TestLocalityReportMatchesNaiveComputation(t *testing.T) {
	a := testAnalysis(t)
	if a.Tokens() <= a.Valid() {
		t.Fatalf("the test image should be padded: %d tokens, %d valid", a.Tokens(), a.Valid())
	}
	r, err := ComputeLocality(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete() || r.MirrorErr != nil || !r.HasPositions || !r.HasPooling {
		t.Fatalf("report incomplete: %+v", r)
	}
	rows, cols := a.Grid()
	for level := range a.FeatureLevels() {
		lv := r.Levels[level]
		f, _ := a.Features(level)
		mean, pairs, near, far := naiveCurve(f, a.Hidden(), rows, cols)
		for b := 1; b < lv.Curve.Bins(); b++ {
			if lv.Curve.Pairs[b] != pairs[b] || (pairs[b] > 0 && !closeTo(lv.Curve.Mean[b], mean[b], 2e-6, 0)) {
				t.Fatalf("level %d bin %d: %d pairs mean %v, want %d and %v", level, b, lv.Curve.Pairs[b], lv.Curve.Mean[b], pairs[b], mean[b])
			}
		}
		if !closeTo(lv.Stats.Near, near, 2e-6, 0) || !closeTo(lv.Stats.Far, far, 2e-6, 0) || !closeTo(lv.Stats.Index, near-far, 4e-6, 0) {
			t.Errorf("level %d: near %v far %v index %v, want %v %v %v", level, lv.Stats.Near, lv.Stats.Far, lv.Stats.Index, near, far, near-far)
		}
		if !lv.HasMirror {
			t.Fatalf("level %d has no mirror comparison", level)
		}
	}
	// The mirror image is the image flipped: its level-0 features at
	// (r, W-1-c) come from the same pixels as the image's at (r, c) (the
	// resize commutes with the flip up to rounding), plus a different
	// position embedding; and the mirrored image's own curve at the last
	// level is a real curve.
	if m := r.Levels[0].Match; !(m.Content > -1 && m.Content <= 1 && m.Position > -1 && m.Position <= 1) {
		t.Errorf("mirror match out of range: %+v", m)
	}
	// Position embeddings' curve against the naive computation.
	pos, _ := a.Positions()
	mean, _, near, _ := naiveCurve(pos, a.Hidden(), rows, cols)
	if !closeTo(r.PositionCurve.Mean[1], mean[1], 2e-6, 0) || !closeTo(r.PositionStats.Near, near, 2e-6, 0) {
		t.Errorf("positions: bin 1 %v near %v, want %v %v", r.PositionCurve.Mean[1], r.PositionStats.Near, mean[1], near)
	}
	if r.Pooling.Effective < 1 || r.Pooling.Effective > float64(a.Valid()) {
		t.Errorf("pooling head looks at %v patches of %d", r.Pooling.Effective, a.Valid())
	}
}

func TestMirrorImageFlipsLeftToRight(t *testing.T) {
	img := testImage(5, 3)
	m := MirrorImage(img)
	for y := range 3 {
		for x := range 5 {
			for c := range 3 {
				if got, want := m.Pix[3*(y*5+x)+c], img.Pix[3*(y*5+4-x)+c]; got != want {
					t.Fatalf("(%d,%d,%d) = %d, want %d", x, y, c, got, want)
				}
			}
		}
	}
}

func TestLocalityJSONAndCSV(t *testing.T) {
	r, err := ComputeLocality(context.Background(), testAnalysis(t))
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js, map[string]any{"image": "scene.png"}); err != nil {
		t.Fatal(err)
	}
	var back struct {
		GridH  int `json:"grid_h"`
		GridW  int `json:"grid_w"`
		Levels []struct {
			Level        int
			Index        *float64
			ContentMatch *float64 `json:"content_match"`
			Curve        []struct {
				Distance, Pairs int
				Mean            *float64
			}
		}
		Definitions map[string]string
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.GridH != 6 || back.GridW != 8 || len(back.Levels) != 5 || back.Definitions["index"] == "" {
		t.Fatalf("json: %+v", back)
	}
	if back.Levels[2].Curve[0].Distance != 1 || back.Levels[2].Curve[0].Pairs != r.Levels[2].Curve.Pairs[1] || back.Levels[2].ContentMatch == nil {
		t.Errorf("json level 2: %+v", back.Levels[2])
	}
	var cs bytes.Buffer
	if err := r.WriteCSV(&cs); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "source,level,level_name,distance,pairs,mean,std" {
		t.Errorf("csv header %v", recs[0])
	}
	bins := r.Bins() - 1
	if want := 1 + 2*5*bins + bins; len(recs) != want {
		t.Errorf("%d csv rows, want %d (image and mirror for 5 levels, positions, a row per distance)", len(recs), want)
	}
	if recs[1][0] != "image" || recs[1][1] != "0" || recs[1][2] != "embeddings" || recs[1][3] != "1" {
		t.Errorf("first row %v", recs[1])
	}
}

func TestLessonNumbersComeFromTheReport(t *testing.T) {
	r, err := ComputeLocality(context.Background(), testAnalysis(t))
	if err != nil {
		t.Fatal(err)
	}
	pages := LessonPages(r, true)
	if len(pages) != 6 {
		t.Fatalf("%d pages", len(pages))
	}
	all := func(p LessonPage) string { return strings.Join(p.Text, " ") }
	if !strings.Contains(all(pages[0]), "6×8 grid: 48 patches") || !strings.Contains(all(pages[0]), "toy SigLIP 2") {
		t.Errorf("intro: %s", all(pages[0]))
	}
	l0 := r.Levels[0].Stats
	if want := FormatSigned(l0.Index); !strings.Contains(all(pages[1]), "locality index "+want) {
		t.Errorf("embeddings page lacks index %s: %s", want, all(pages[1]))
	}
	if want := FormatSigned(r.Levels[3].Stats.Index); !strings.Contains(all(pages[3]), "locality index "+want) {
		t.Errorf("last-block page lacks index %s: %s", want, all(pages[3]))
	}
	if !strings.Contains(all(pages[4]), "of the 48 patches") {
		t.Errorf("pooling page: %s", all(pages[4]))
	}
	_ = viz.FarDistance
}
