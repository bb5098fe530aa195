package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The three reports' JSON, read back and held against an independent
// recomputation on both reference checkpoints and two random
// configurations (fixed resolution, and NaFlex with padding): see
// trained_helpers_test.go for what is recomputed and how.

// testPicture is the image a model's tests run on: a reference image for
// the reference checkpoints, a drawn scene for the random ones.
func testPicture(t *testing.T, tm *trainedModel) *preprocess.Image {
	t.Helper()
	if tm.w != nil && tm.budget > 0 {
		img, err := preprocess.Load(filepath.Join(referenceDir, "images", "img0_97x61_rgb.png"), preprocess.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	return scene(37, 29)
}

// cropByHand copies box out of img one pixel at a time.
func cropByHand(img *preprocess.Image, b CropBox) *preprocess.Image {
	out, _ := preprocess.NewImage(b.X1-b.X0, b.Y1-b.Y0)
	for y := b.Y0; y < b.Y1; y++ {
		for x := b.X0; x < b.X1; x++ {
			for c := range 3 {
				out.Pix[3*((y-b.Y0)*out.Width+(x-b.X0))+c] = img.Pix[3*(y*img.Width+x)+c]
			}
		}
	}
	return out
}

// matchRat is the formula in exact rational arithmetic: crop
// patch (i, j)'s centre x = X0 + (j + ½)(X1 − X0)/cols, y likewise, and
// the whole image's patch (⌊y·fullRows/H⌋, ⌊x·fullCols/W⌋).
func matchRat(b CropBox, w, h, rows, cols, fullRows, fullCols, i, j int) [2]int {
	floor := func(lo, hi, k, n, full, size int) int {
		c := new(big.Rat).SetFrac64(int64(2*k+1), int64(2*n))
		c.Mul(c, big.NewRat(int64(hi-lo), 1))
		c.Add(c, big.NewRat(int64(lo), 1))
		c.Mul(c, big.NewRat(int64(full), int64(size)))
		q := new(big.Int).Quo(c.Num(), c.Denom()) // non-negative: truncation is the floor
		return int(q.Int64())
	}
	return [2]int{floor(b.Y0, b.Y1, i, rows, fullRows, h), floor(b.X0, b.X1, j, cols, fullCols, w)}
}

// jsonOf writes v with write and reads it back into out.
func jsonOf(t *testing.T, write func(*bytes.Buffer) error, out any) {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), out); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
}

// num reads a JSON number or null (NaN).
type num float64

func (n *num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = num(math.NaN())
		return nil
	}
	var f float64
	err := json.Unmarshal(b, &f)
	*n = num(f)
	return err
}

type scoreJSON struct{ Logit, Prob num }

func TestGlobalLocalJSONRecomputedFromDumps(t *testing.T) {
	ctx := context.Background()
	for _, tm := range trainedModels(t) {
		img := testPicture(t, tm)
		W, H := img.Width, img.Height
		boxes := []CropBox{
			{W / 5, H / 4, W * 4 / 5, H - 3},
			{3, 2, 3 + W/3, 2 + H/2},
			{0, 0, W, H}, // the whole image: every patch should match itself
		}
		labels := tm.labels(t)
		a, err := tm.m.Analyze(ctx, img, tm.budget)
		if err != nil {
			t.Fatal(err)
		}
		full := dumpImage(t, tm.m, img, tm.budget)
		for _, box := range boxes {
			t.Run(tm.name+"/"+box.String(), func(t *testing.T) {
				r, err := GlobalLocal(ctx, a, box, labels)
				if err != nil {
					t.Fatal(err)
				}
				var got struct {
					GridFull [2]int     `json:"grid_full"`
					GridCrop [2]int     `json:"grid_crop"`
					Match    [][][2]int `json:"match"`
					Crop     [4]int     `json:"crop"`
					Layers   []struct {
						Layer  int     `json:"layer"`
						Mean   num     `json:"mean"`
						Cosine [][]num `json:"cosine"`
					} `json:"layers"`
					Labels []struct {
						Label string    `json:"label"`
						Whole scoreJSON `json:"whole"`
						Crop  scoreJSON `json:"crop"`
					} `json:"labels"`
				}
				jsonOf(t, func(b *bytes.Buffer) error { return r.WriteJSON(b, nil) }, &got)

				crop := dumpImage(t, tm.m, cropByHand(img, box), tm.budget)
				if got.GridFull != [2]int{full.rows, full.cols} || got.GridCrop != [2]int{crop.rows, crop.cols} {
					t.Fatalf("grids %v and %v, dumps %d×%d and %d×%d", got.GridFull, got.GridCrop, full.rows, full.cols, crop.rows, crop.cols)
				}
				if got.Crop != [4]int{box.X0, box.Y0, box.X1, box.Y1} {
					t.Errorf("crop %v, asked %v", got.Crop, box)
				}
				if len(got.Match) != crop.rows {
					t.Fatalf("match has %d rows, want %d", len(got.Match), crop.rows)
				}
				for i := range crop.rows {
					for j := range crop.cols {
						want := matchRat(box, W, H, crop.rows, crop.cols, full.rows, full.cols, i, j)
						if got.Match[i][j] != want {
							t.Errorf("crop patch (%d,%d) matched %v, want %v", i, j, got.Match[i][j], want)
						}
					}
				}
				if len(got.Layers) != tm.m.Config.Vision.Layers+2 {
					t.Fatalf("%d layers", len(got.Layers))
				}
				for l, lv := range got.Layers {
					if lv.Layer != l {
						t.Errorf("layers[%d] says layer %d", l, lv.Layer)
					}
					var sum float64
					for i := range crop.rows {
						for j := range crop.cols {
							m := matchRat(box, W, H, crop.rows, crop.cols, full.rows, full.cols, i, j)
							want := naiveCos(crop.levels[l][i*crop.cols+j], full.levels[l][m[0]*full.cols+m[1]])
							sum += want
							if g := float64(lv.Cosine[i][j]); !closeTo(g, want, 2e-6, 0) {
								t.Errorf("layer %d, crop patch (%d,%d): cosine %v, recomputed %v", l, i, j, g, want)
							}
						}
					}
					if want := sum / float64(crop.rows*crop.cols); !closeTo(float64(lv.Mean), want, 2e-6, 0) {
						t.Errorf("layer %d: mean %v, recomputed %v", l, lv.Mean, want)
					}
					if box == (CropBox{0, 0, W, H}) && !closeTo(float64(lv.Mean), 1, 1e-5, 0) {
						t.Errorf("the whole image as its own crop: layer %d mean %v, want 1", l, lv.Mean)
					}
				}
				if len(got.Labels) != len(labels) {
					t.Fatalf("%d label rows, want %d", len(got.Labels), len(labels))
				}
				for k, lb := range labels {
					if w := naiveLogit(tm.m, full.embed, lb.Embed); !closeTo(float64(got.Labels[k].Whole.Logit), w, 1e-4, 1e-5) {
						t.Errorf("%s on the whole image: logit %v, recomputed %v", lb.Text, got.Labels[k].Whole.Logit, w)
					}
					w := naiveLogit(tm.m, crop.embed, lb.Embed)
					if !closeTo(float64(got.Labels[k].Crop.Logit), w, 1e-4, 1e-5) {
						t.Errorf("%s on the crop: logit %v, recomputed %v", lb.Text, got.Labels[k].Crop.Logit, w)
					}
					if p := 1 / (1 + math.Exp(-w)); !closeTo(float64(got.Labels[k].Crop.Prob), p, 1e-5, 1e-4) {
						t.Errorf("%s on the crop: prob %v, recomputed %v", lb.Text, got.Labels[k].Crop.Prob, p)
					}
				}
			})
		}
		a.Release()
	}
}

func TestMaskedContextAgainstAnIndependentForward(t *testing.T) {
	ctx := context.Background()
	for _, tm := range trainedModels(t) {
		t.Run(tm.name, func(t *testing.T) {
			img := testPicture(t, tm)
			a, err := tm.m.Analyze(ctx, img, tm.budget)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release()
			rows, cols := a.Grid()
			valid := rows * cols
			pos, err := a.Positions()
			if err != nil {
				t.Fatal(err)
			}
			full := dumpImage(t, tm.m, img, tm.budget)
			labels := tm.labels(t)
			for _, seed := range []uint64{1, 2} {
				drop, err := RandomDrop(valid, 0.5, seed)
				if err != nil {
					t.Fatal(err)
				}
				r, err := MaskedContext(ctx, a, drop, labels)
				if err != nil {
					t.Fatal(err)
				}
				var got struct {
					Grid    [2]int   `json:"grid"`
					Dropped [][2]int `json:"dropped"`
					Kept    int      `json:"kept"`
					Layers  []struct {
						Layer         int     `json:"layer"`
						Mean          num     `json:"mean"`
						Cosine        [][]num `json:"cosine"`
						MostDependent []struct {
							Patch  [2]int `json:"patch"`
							Cosine num    `json:"cosine"`
						} `json:"most_dependent"`
					} `json:"layers"`
					Labels []struct {
						Whole  scoreJSON `json:"whole"`
						Masked scoreJSON `json:"masked"`
					} `json:"labels"`
				}
				jsonOf(t, func(b *bytes.Buffer) error { return r.WriteJSON(b, nil) }, &got)
				dropped := map[int]bool{}
				var keep []int
				for _, p := range drop {
					dropped[p] = true
				}
				for p := range valid {
					if !dropped[p] {
						keep = append(keep, p)
					}
				}
				if got.Grid != [2]int{rows, cols} || len(got.Dropped) != len(drop) || got.Kept != len(keep) || len(drop) != int(math.Round(0.5*float64(valid))) {
					t.Fatalf("grid %v, %d dropped (asked %d of %d), %d kept", got.Grid, len(got.Dropped), len(drop), valid, got.Kept)
				}
				for k, p := range drop {
					if got.Dropped[k] != [2]int{p / cols, p % cols} {
						t.Errorf("dropped[%d] = %v, want patch %d", k, got.Dropped[k], p)
					}
				}
				levels, embed := forward64(t, tm, a.Prepared.Input.Patches, pos, keep)
				for l, lv := range got.Layers {
					want := map[int]float64{}
					var sum float64
					for ti, p := range keep {
						want[p] = cos64(levels[l][ti], full.levels[l][p])
						sum += want[p]
					}
					for p := range valid {
						g := float64(lv.Cosine[p/cols][p%cols])
						switch {
						case dropped[p] && !math.IsNaN(g):
							t.Errorf("layer %d: dropped patch %d has cosine %v, want null", l, p, g)
						case !dropped[p] && !closeTo(g, want[p], 2e-4, 0):
							t.Errorf("layer %d, patch %d: cosine %v, independent forward %v", l, p, g, want[p])
						case l == 0 && !dropped[p] && !closeTo(g, 1, 1e-6, 0):
							t.Errorf("the embeddings of a kept patch cannot depend on the others: cosine %v", g)
						}
					}
					if !closeTo(float64(lv.Mean), sum/float64(len(keep)), 2e-4, 0) {
						t.Errorf("layer %d: mean %v, independent %v", l, lv.Mean, sum/float64(len(keep)))
					}
					// The listed patches are the lowest, in order.
					listed := map[int]bool{}
					last := math.Inf(-1)
					for _, md := range lv.MostDependent {
						p := md.Patch[0]*cols + md.Patch[1]
						listed[p] = true
						if dropped[p] || float64(md.Cosine) < last-1e-12 {
							t.Errorf("layer %d: most dependent %v (cosine %v) is dropped or out of order", l, md.Patch, md.Cosine)
						}
						last = float64(md.Cosine)
					}
					if len(lv.MostDependent) != min(MostDependentShown, len(keep)) {
						t.Errorf("layer %d lists %d most dependent patches", l, len(lv.MostDependent))
					}
					for _, p := range keep {
						if !listed[p] && want[p] < last-2e-4 {
							t.Errorf("layer %d: patch %d (cosine %v) is below the listed most dependent ones (last %v)", l, p, want[p], last)
						}
					}
				}
				for k, lb := range labels {
					w := naiveLogit(tm.m, toF32(embed), lb.Embed)
					if !closeTo(float64(got.Labels[k].Masked.Logit), w, 5e-4, 1e-4) {
						t.Errorf("%s with patches dropped: logit %v, independent %v", lb.Text, got.Labels[k].Masked.Logit, w)
					}
				}
			}
			// Dropping nothing is the image itself.
			none, err := RandomDrop(valid, 0, 9)
			if err != nil || len(none) != 0 {
				t.Fatalf("drop 0: %v, %v", none, err)
			}
			r, err := MaskedContext(ctx, a, none, labels)
			if err != nil {
				t.Fatal(err)
			}
			for _, lv := range r.Levels {
				if !closeTo(lv.Mean, 1, 1e-5, 0) {
					t.Errorf("nothing dropped: %s mean %v, want 1", lv.Name, lv.Mean)
				}
			}
			for _, s := range r.Labels {
				if !closeTo(float64(s.Changed.Logit), float64(s.Whole.Logit), 1e-4, 1e-5) {
					t.Errorf("nothing dropped: %s logit %v, whole image %v", s.Label, s.Changed.Logit, s.Whole.Logit)
				}
			}
		})
	}
}

func TestCorrespondJSONRecomputedFromDumps(t *testing.T) {
	ctx := context.Background()
	for _, tm := range trainedModels(t) {
		t.Run(tm.name, func(t *testing.T) {
			imgA := testPicture(t, tm)
			imgB := MirrorImage(scene(imgA.Width*3/4, imgA.Height))
			a, err := tm.m.Analyze(ctx, imgA, tm.budget)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release()
			b, err := tm.m.Analyze(ctx, imgB, tm.budget)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			da, db := dumpImage(t, tm.m, imgA, tm.budget), dumpImage(t, tm.m, imgB, tm.budget)
			na, nb := da.rows*da.cols, db.rows*db.cols
			for l := range a.FeatureLevels() {
				r, err := Correspond(a, b, l)
				if err != nil {
					t.Fatal(err)
				}
				sim := make([][]float64, na)
				bestA, bestB := make([]int, na), make([]int, nb)
				for i := range na {
					sim[i] = make([]float64, nb)
					for j := range nb {
						sim[i][j] = naiveCos(da.levels[l][i], db.levels[l][j])
						if sim[i][j] > sim[i][bestA[i]] {
							bestA[i] = j
						}
					}
				}
				for j := range nb {
					for i := range na {
						if sim[i][j] > sim[bestB[j]][j] {
							bestB[j] = i
						}
					}
				}
				mutual := 0
				for i := range na {
					if bestB[bestA[i]] == i {
						mutual++
					}
				}
				for _, p := range []viz.Patch{{Row: 0, Col: 0}, {Row: da.rows / 2, Col: da.cols - 1}, {Row: da.rows - 1, Col: da.cols / 3}} {
					var got struct {
						GridA      [2]int  `json:"grid_a"`
						GridB      [2]int  `json:"grid_b"`
						Layer      int     `json:"layer"`
						Similarity [][]num `json:"similarity"`
						Best       [2]int  `json:"best"`
						Mutual     int     `json:"mutual"`
					}
					jsonOf(t, func(buf *bytes.Buffer) error { return r.WriteJSON(buf, p, nil) }, &got)
					i := p.Row*da.cols + p.Col
					if got.GridA != [2]int{da.rows, da.cols} || got.GridB != [2]int{db.rows, db.cols} || got.Layer != l {
						t.Fatalf("grids %v %v layer %d; dumps %d×%d %d×%d layer %d", got.GridA, got.GridB, got.Layer, da.rows, da.cols, db.rows, db.cols, l)
					}
					for j := range nb {
						if g := float64(got.Similarity[j/db.cols][j%db.cols]); !closeTo(g, sim[i][j], 2e-6, 0) {
							t.Errorf("layer %d, A %v, B patch %d: %v, recomputed %v", l, p, j, g, sim[i][j])
						}
					}
					if want := [2]int{bestA[i] / db.cols, bestA[i] % db.cols}; got.Best != want {
						t.Errorf("layer %d, A %v: best %v, recomputed %v", l, p, got.Best, want)
					}
					if got.Mutual != mutual {
						t.Errorf("layer %d: %d mutual nearest neighbours, recomputed %d", l, got.Mutual, mutual)
					}
				}
			}
			// An image against itself: every patch is its own best match.
			self, err := Correspond(a, a, a.Layers())
			if err != nil {
				t.Fatal(err)
			}
			if self.Mutual != na {
				t.Errorf("an image against itself: %d of %d mutual", self.Mutual, na)
			}
		})
	}
}

func TestParseCropBox(t *testing.T) {
	for _, c := range []struct {
		in   string
		want CropBox
		ok   bool
	}{
		{"0,0,10,20", CropBox{0, 0, 10, 20}, true},
		{" 3, 4 ,5,6", CropBox{3, 4, 5, 6}, true},
		{"1,2,3", CropBox{}, false},
		{"1,2,3,x", CropBox{}, false},
		{"", CropBox{}, false},
		{"1.5,2,3,4", CropBox{}, false},
	} {
		got, err := ParseCropBox(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseCropBox(%q) = %v, %v", c.in, got, err)
		}
	}
}

func TestCropBoxCheck(t *testing.T) {
	for _, c := range []struct {
		b  CropBox
		ok bool
	}{
		{CropBox{0, 0, 72, 72}, true},
		{CropBox{10, 10, 11, 11}, true},
		{CropBox{-1, 0, 10, 10}, false},
		{CropBox{0, 0, 73, 10}, false},
		{CropBox{5, 5, 5, 10}, false},
		{CropBox{5, 9, 10, 8}, false},
	} {
		if err := c.b.Check(72, 72); (err == nil) != c.ok {
			t.Errorf("%v.Check(72, 72) = %v", c.b, err)
		}
	}
	if _, err := CropImage(scene(10, 10), CropBox{0, 0, 20, 5}); err == nil {
		t.Error("a crop past the image's edge was accepted")
	}
}

// TestCropMatchByHand works a few matches out on paper.
func TestCropMatchByHand(t *testing.T) {
	for _, c := range []struct {
		box                      CropBox
		w, h, rows, cols, fr, fc int
		want                     []viz.Patch
	}{
		// The left half of a 72×72 image, seen as 2×2, in a 9×9 grid:
		// centres x = 9, 27 and y = 18, 54 → columns 1, 3 and rows 2, 6.
		{CropBox{0, 0, 36, 72}, 72, 72, 2, 2, 9, 9, []viz.Patch{{Row: 2, Col: 1}, {Row: 2, Col: 3}, {Row: 6, Col: 1}, {Row: 6, Col: 3}}},
		// A centre exactly on a border goes below: x = 0 + ½·16/1 = 8 in a
		// 16-wide image with 2 columns → column ⌊8·2/16⌋ = 1.
		{CropBox{0, 0, 16, 4}, 16, 4, 1, 1, 1, 2, []viz.Patch{{Row: 0, Col: 1}}},
		// The whole image on the same grid: identity.
		{CropBox{0, 0, 30, 20}, 30, 20, 2, 3, 2, 3, []viz.Patch{{Row: 0, Col: 0}, {Row: 0, Col: 1}, {Row: 0, Col: 2}, {Row: 1, Col: 0}, {Row: 1, Col: 1}, {Row: 1, Col: 2}}},
	} {
		got := CropMatch(c.box, c.w, c.h, c.rows, c.cols, c.fr, c.fc)
		if !slices.Equal(got, c.want) {
			t.Errorf("CropMatch(%v, %d×%d, %d×%d → %d×%d) = %v, want %v", c.box, c.w, c.h, c.rows, c.cols, c.fr, c.fc, got, c.want)
		}
	}
}

func TestRandomDrop(t *testing.T) {
	for _, c := range []struct {
		valid    int
		fraction float64
		want     int
		ok       bool
	}{
		{81, 0.5, 41, true},
		{81, 0, 0, true},
		{10, 0.25, 3, true}, // 2.5 rounds away from zero
		{4, 0.99, 3, true},  // at least one patch is kept
		{1, 0.5, 0, true},
		{10, 1, 0, false},
		{10, -0.1, 0, false},
		{10, math.NaN(), 0, false},
		{0, 0.5, 0, false},
	} {
		got, err := RandomDrop(c.valid, c.fraction, 7)
		if (err == nil) != c.ok || len(got) != c.want {
			t.Errorf("RandomDrop(%d, %v) = %v, %v; want %d patches, ok %v", c.valid, c.fraction, got, err, c.want, c.ok)
			continue
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("RandomDrop(%d, %v) = %v: not sorted and distinct", c.valid, c.fraction, got)
		}
		for _, p := range got {
			if p < 0 || p >= c.valid {
				t.Errorf("patch %d outside %d", p, c.valid)
			}
		}
	}
	a, _ := RandomDrop(81, 0.5, 3)
	b, _ := RandomDrop(81, 0.5, 3)
	d, _ := RandomDrop(81, 0.5, 4)
	if !slices.Equal(a, b) || slices.Equal(a, d) {
		t.Errorf("seed 3 twice: %v and %v; seed 4: %v", a, b, d)
	}
}

func TestParsePatches(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"0,0", []int{0}, true},
		{"1,2; 0,1;1,2", []int{1, 7}, true},
		{"2,4", []int{14}, true},
		{"3,0", nil, false}, // row 3 of 3 rows
		{"0,5", nil, false},
		{"a,b", nil, false},
		{";", nil, false},
		{"1", nil, false},
	} {
		got, err := ParsePatches(c.in, 3, 5)
		if (err == nil) != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("ParsePatches(%q) = %v, %v", c.in, got, err)
		}
	}
}

// TestTrainedReportsRefuseMismatches: analyses of different models are not
// compared, and a level out of range is named.
func TestTrainedReportsRefuseMismatches(t *testing.T) {
	ms := trainedModels(t)
	ctx := context.Background()
	a, err := ms[0].m.Analyze(ctx, scene(64, 64), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := ms[2].m.Analyze(ctx, scene(20, 20), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if _, err := Correspond(a, b, 0); err == nil {
		t.Error("two models compared")
	}
	if _, err := CompareCrop(a, b, CropBox{0, 0, 10, 10}); err == nil {
		t.Error("a crop through another model compared")
	}
	if _, err := Correspond(a, a, a.FeatureLevels()); err == nil {
		t.Error(fmt.Sprintf("level %d accepted", a.FeatureLevels()))
	}
	if _, err := MaskedContext(ctx, a, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, nil); err == nil {
		t.Error("every patch dropped")
	}
}
