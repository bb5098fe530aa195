package inspect

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/internal/testmodel"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

var referenceDir = filepath.Join("..", "testdata", "reference")

// probeGolden is a case of probes.json (transformers' own numbers).
type probeGolden = testmodel.ProbeCase

// goldenProbe loads a probes.json case: the model, the analysis of its
// image and the probe of its token row.
func goldenProbe(t *testing.T, c probeGolden) *Probe {
	t.Helper()
	m, err := engine.Load(filepath.Join(referenceDir, c.Model), engine.Options{Backend: naive.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	img, err := preprocess.Load(filepath.Join(referenceDir, c.Image), preprocess.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Analyze(context.Background(), img, c.MaxNumPatches)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Release)
	txt, err := m.EncodeTexts(context.Background(), [][]int{c.InputIDs}, false)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProbe(a, "ids", txt.Embeds)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadProbeGoldens(t *testing.T) []probeGolden {
	t.Helper()
	cases, err := testmodel.ProbeCases(referenceDir)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func goldenClose(got, want float64) bool { return math.Abs(got-want) <= 5e-4+1e-4*math.Abs(want) }

// The occlusion map and the head grid equal transformers' deltas.
func TestProbesMatchTransformers(t *testing.T) {
	for _, c := range loadProbeGoldens(t) {
		t.Run(c.Model+"/"+filepath.Base(c.Image), func(t *testing.T) {
			p := goldenProbe(t, c)
			if !goldenClose(p.BaseLogit(), c.BaseLogit) {
				t.Fatalf("base logit %v, transformers %v", p.BaseLogit(), c.BaseLogit)
			}
			steps := 0
			o, err := p.Occlude(context.Background(), 1, 3, func(done, total int) { steps++ })
			if err != nil {
				t.Fatal(err)
			}
			if steps < 2 || !o.Complete() {
				t.Errorf("occlusion ran in %d steps, complete %v", steps, o.Complete())
			}
			for r, row := range c.Occlusion {
				for col, want := range row {
					if got := float64(o.Delta[r*o.Cols+col]); !goldenClose(got, want) {
						t.Errorf("occlusion (%d,%d) = %v, transformers %v", r, col, got, want)
					}
				}
			}
			h, err := p.AblateHeads(context.Background(), 4, nil)
			if err != nil {
				t.Fatal(err)
			}
			for l, row := range c.Heads {
				for hd, want := range row {
					if got := float64(h.Delta[l][hd]); !goldenClose(got, want) {
						t.Errorf("head %d of block %d = %v, transformers %v", hd+1, l+1, got, want)
					}
				}
			}
		})
	}
}

// Blocks of K×K patches tile the grid; every patch of a block gets the
// delta of dropping that block, measured here by one engine pass of its own.
func TestBlockOcclusion(t *testing.T) {
	cases := loadProbeGoldens(t)
	p := goldenProbe(t, cases[3]) // the 12×4 NaFlex grid
	o, err := p.Occlude(context.Background(), 3, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Blocks) != 4*2 || len(o.Blocks[1]) != 3 || len(o.Blocks[0]) != 9 {
		t.Fatalf("blocks of a 12×4 grid by 3: %v", o.Blocks)
	}
	a := p.Analysis()
	for _, b := range o.Blocks {
		res, err := a.Ablate(context.Background(), []engine.Ablation{{Drop: b}}, engine.AblateOptions{Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		l, err := a.Model.Logits(res[0].Embed, p.text)
		if err != nil {
			t.Fatal(err)
		}
		want := float64(l[0]) - p.BaseLogit()
		for _, patch := range b {
			if got := float64(o.Delta[patch]); math.Abs(got-want) > 1e-6 {
				t.Fatalf("patch %d of block %v: %v, dropping the block alone gives %v", patch, b, got, want)
			}
		}
	}
}

func TestRankAndCurveSteps(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		values []float32
		want   []int
	}{
		{[]float32{0.1, 0.9, 0.5}, []int{1, 2, 0}},
		{[]float32{nan, 2, 2, 1}, []int{1, 2, 3, 0}}, // ties keep their order, NaN last
		{nil, []int{}},
	} {
		if got := Rank(c.values); !slices.Equal(got, c.want) {
			t.Errorf("Rank(%v) = %v, want %v", c.values, got, c.want)
		}
	}
	for _, c := range []struct {
		kind         CurveKind
		total, steps int
		want         []int
	}{
		{Deletion, 10, 4, []int{0, 3, 6, 9}},
		{Insertion, 10, 4, []int{1, 4, 7, 10}},
		{Deletion, 3, 20, []int{0, 1, 2}},
		{Insertion, 4, 1, []int{1, 4}},
	} {
		if got := CurveSteps(c.kind, c.total, c.steps); !slices.Equal(got, c.want) {
			t.Errorf("CurveSteps(%v, %d, %d) = %v, want %v", c.kind, c.total, c.steps, got, c.want)
		}
	}
	// Area: trapezoids over x = patches/N, divided by the span of x.
	c := &Curve{Patches: []int{0, 5, 10}, Prob: []float64{1, 0.5, 0}}
	if a := c.Area(10); math.Abs(a-0.5) > 1e-12 {
		t.Errorf("area of a straight fall from 1 to 0: %v, want 0.5", a)
	}
}

// Each point of a curve is the logit with exactly the map's top patches
// dropped (deletion) or kept (insertion), recomputed here with a ranking
// written out by hand and one engine pass per point.
func TestCurvePointsDropTheTopPatches(t *testing.T) {
	cases := loadProbeGoldens(t)
	p := goldenProbe(t, cases[2]) // the 6×10 NaFlex grid
	a := p.Analysis()
	vals := make([]float32, a.Valid())
	for i := range vals {
		vals[i] = float32(math.Sin(float64(i) * 1.7)) // an arbitrary map
	}
	cs, err := p.MeasureCurves(context.Background(), []RankedMap{{Name: "sine", Values: vals}}, 6, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Ranking by hand: selection of the largest remaining value.
	var order []int
	used := make([]bool, len(vals))
	for range vals {
		best := -1
		for i, v := range vals {
			if !used[i] && (best < 0 || v > vals[best]) {
				best = i
			}
		}
		used[best] = true
		order = append(order, best)
	}
	for _, c := range cs.Curves {
		for i, k := range c.Patches {
			drop := order[:k]
			if c.Kind == Insertion {
				drop = order[k:]
			}
			var want float64
			if len(drop) == 0 {
				want = p.BaseLogit()
			} else {
				res, err := a.Ablate(context.Background(), []engine.Ablation{{Drop: drop}}, engine.AblateOptions{Batch: 1})
				if err != nil {
					t.Fatal(err)
				}
				l, _ := a.Model.Logits(res[0].Embed, p.text)
				want = float64(l[0])
			}
			if math.Abs(c.Logit[i]-want) > 1e-6 || math.Abs(c.Prob[i]-Sigmoid(want)) > 1e-9 {
				t.Errorf("%v point %d (%d patches): logit %v, want %v", c.Kind, i, k, c.Logit[i], want)
			}
		}
		if a := c.Area(cs.Total); math.IsNaN(a) || a < 0 || a > 1 {
			t.Errorf("%v area %v", c.Kind, a)
		}
	}
	if fmt.Sprint(cs.Curves[0].Kind, cs.Curves[1].Kind) != "deletion insertion" {
		t.Errorf("curve kinds %v %v", cs.Curves[0].Kind, cs.Curves[1].Kind)
	}
}

// A clone is filled in without touching the original (the screen keeps
// drawing the original while a step runs on the clone).
func TestProbeStateClones(t *testing.T) {
	p := goldenProbe(t, loadProbeGoldens(t)[0])
	ctx := context.Background()
	o := p.NewOcclusion(1)
	oc := o.Clone()
	if err := p.OcclusionStep(ctx, oc, 3, 2); err != nil {
		t.Fatal(err)
	}
	if o.Done != 0 || !math.IsNaN(float64(o.Delta[0])) || oc.Done != 3 || math.IsNaN(float64(oc.Delta[0])) {
		t.Errorf("occlusion: original done %d delta %v, clone done %d delta %v", o.Done, o.Delta[0], oc.Done, oc.Delta[0])
	}
	h := p.NewHeadAblation()
	hc := h.Clone()
	if err := p.HeadStep(ctx, hc, 2, 2); err != nil {
		t.Fatal(err)
	}
	if h.Done != 0 || !math.IsNaN(float64(h.Delta[0][0])) || hc.Done != 2 || math.IsNaN(float64(hc.Delta[0][1])) {
		t.Errorf("heads: original done %d, clone done %d", h.Done, hc.Done)
	}
	vals := make([]float32, p.Analysis().Valid())
	for i := range vals {
		vals[i] = float32(i % 5)
	}
	cs, err := p.NewCurves([]RankedMap{{Name: "m", Values: vals}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	cc := cs.Clone()
	before := cs.Remaining()
	if err := p.CurveStep(ctx, cc, 2, 2); err != nil {
		t.Fatal(err)
	}
	if cs.Remaining() != before || cc.Remaining() != before-2 || !math.IsNaN(cs.Curves[0].Logit[1]) || math.IsNaN(cc.Curves[0].Logit[1]) {
		t.Errorf("curves: original %d left, clone %d left", cs.Remaining(), cc.Remaining())
	}
}
