package viz

import (
	"math/big"
	"testing"
)

// ratPatch finds, by exact rational comparison and a linear search, the
// patch whose pixel span holds point x of an image resized to pix pixels
// with patch-pixel patches: the c with c·patch ≤ x·pix < (c+1)·patch,
// or the last patch when x falls in the dropped margin.
func ratPatch(x *big.Rat, pix, patch, grid int) int {
	pos := new(big.Rat).Mul(x, big.NewRat(int64(pix), 1))
	for c := range grid {
		lo, hi := big.NewRat(int64(c*patch), 1), big.NewRat(int64((c+1)*patch), 1)
		if pos.Cmp(lo) >= 0 && pos.Cmp(hi) < 0 {
			return c
		}
	}
	return grid - 1
}

func TestSharedCursorMapsBetweenGrids(t *testing.T) {
	covers := map[string]PatchCover{
		"fixed 224 (14x14)":               {GridH: 14, GridW: 14, PixH: 224, PixW: 224, Patch: 16},
		"fixed 384 patch14 (27x27, crop)": {GridH: 27, GridW: 27, PixH: 384, PixW: 384, Patch: 14},
		"NaFlex 13x19":                    {GridH: 13, GridW: 19, PixH: 208, PixW: 304, Patch: 16},
		"NaFlex 5x9":                      {GridH: 5, GridW: 9, PixH: 80, PixW: 144, Patch: 16},
		"NaFlex 3x1 tall":                 {GridH: 3, GridW: 1, PixH: 48, PixW: 16, Patch: 16},
		"odd 7x5":                         {GridH: 7, GridW: 5, PixH: 56, PixW: 40, Patch: 8},
		"one patch":                       {GridH: 1, GridW: 1, PixH: 16, PixW: 16, Patch: 16},
	}
	check := func(t *testing.T, what string, pt ImagePoint, to PatchCover) {
		t.Helper()
		x, y := big.NewRat(int64(pt.XNum), int64(pt.XDen)), big.NewRat(int64(pt.YNum), int64(pt.YDen))
		want := Patch{Row: ratPatch(y, to.PixH, to.Patch, to.GridH), Col: ratPatch(x, to.PixW, to.Patch, to.GridW)}
		if got := to.PatchAt(pt); got != want {
			t.Fatalf("%s: point %v (%d/%d, %d/%d) falls in patch %v, want %v", what, pt, pt.XNum, pt.XDen, pt.YNum, pt.YDen, got, want)
		}
	}
	for fromName, from := range covers {
		for toName, to := range covers {
			t.Run(fromName+" to "+toName, func(t *testing.T) {
				for r := range from.GridH {
					for c := range from.GridW {
						pt := from.Centre(Patch{Row: r, Col: c})
						if !pt.Valid() {
							t.Fatalf("centre of (%d,%d) is not on the image: %+v", r, c, pt)
						}
						if back := from.PatchAt(pt); back != (Patch{Row: r, Col: c}) {
							t.Fatalf("the centre of (%d,%d) maps back to %v", r, c, back)
						}
						check(t, "patch centre", pt, to)
					}
				}
				// Every cell of a 23×11-cell picture of the source pane.
				for row := range 11 {
					for col := range 23 {
						pt, ok := from.CellPoint(col, row, 23, 11)
						if !ok || !pt.Valid() {
							t.Fatalf("cell (%d,%d) gave no point", col, row)
						}
						check(t, "cell centre", pt, to)
					}
				}
			})
		}
	}
}

func TestCursorStepsOnePatchOfTheFocusedGrid(t *testing.T) {
	coarse := PatchCover{GridH: 4, GridW: 4, PixH: 64, PixW: 64, Patch: 16}
	fine := PatchCover{GridH: 9, GridW: 13, PixH: 144, PixW: 208, Patch: 16}
	pt := coarse.Centre(Patch{Row: 1, Col: 1})
	if got := fine.PatchAt(pt); got != (Patch{Row: 3, Col: 4}) {
		t.Errorf("coarse (1,1) is fine %v, want (3,4)", got)
	}
	pt = fine.Step(pt, 0, 1)
	if got := fine.PatchAt(pt); got != (Patch{Row: 3, Col: 5}) {
		t.Errorf("one step right in the fine grid: %v", got)
	}
	if got := coarse.PatchAt(pt); got != (Patch{Row: 1, Col: 1}) {
		t.Errorf("a fine step stays in coarse (1,1), got %v", got)
	}
	pt = coarse.Step(pt, 5, 5) // clamped at the corner
	if got := coarse.PatchAt(pt); got != (Patch{Row: 3, Col: 3}) {
		t.Errorf("clamped step: %v", got)
	}
	if got := fine.PatchAt(pt); got != (Patch{Row: 7, Col: 11}) {
		t.Errorf("coarse corner (3,3) centre 7/8 is fine %v, want (7,11)", got)
	}
	if _, ok := coarse.CellPoint(5, 0, 5, 3); ok {
		t.Error("a cell outside the picture gave a point")
	}
	if (PatchCover{GridH: 3, GridW: 3, PixH: 40, PixW: 40, Patch: 16}).Check() == nil {
		t.Error("a grid larger than its image passed Check")
	}
}
