package viz

import (
	"image"
	"math"
	"testing"
)

// naiveBin is the cell-centre rule in floating point: the bin of n over
// size units that holds the centre of unit x.
func naiveBin(x, n, size int) int {
	return int(math.Floor((float64(x) + 0.5) / float64(size) * float64(n)))
}

func TestCellLayoutOddSizes(t *testing.T) {
	sizes := []struct{ cols, rows int }{{1, 1}, {3, 2}, {7, 5}, {13, 9}, {31, 17}, {100, 50}, {64, 32}}
	grids := []struct{ h, w int }{{1, 1}, {3, 5}, {16, 16}, {27, 37}, {32, 32}, {14, 9}}
	for _, s := range sizes {
		for _, g := range grids {
			l := CellLayout{Cols: s.cols, Rows: s.rows, GridH: g.h, GridW: g.w}
			// Every cell maps to the patch holding its centre.
			owner := map[Patch][]image.Point{}
			for r := range s.rows {
				for c := range s.cols {
					p, ok := l.PatchAt(c, r)
					want := Patch{Row: naiveBin(r, g.h, s.rows), Col: naiveBin(c, g.w, s.cols)}
					if !ok || p != want {
						t.Fatalf("%+v: PatchAt(%d,%d) = %v,%v; want %v", l, c, r, p, ok, want)
					}
					owner[p] = append(owner[p], image.Pt(c, r))
				}
			}
			// PatchCells is exactly the set of cells owned by the patch;
			// on an axis where the patch owns no cells, the cell holding
			// its centre.
			colsOf := func(pc int) (lo, hi int) {
				lo, hi = -1, -1
				for c := range s.cols {
					if naiveBin(c, g.w, s.cols) == pc {
						if lo < 0 {
							lo = c
						}
						hi = c + 1
					}
				}
				if lo < 0 {
					lo = naiveBin(pc, s.cols, g.w)
					hi = lo + 1
				}
				return lo, hi
			}
			rowsOf := func(pr int) (lo, hi int) {
				lo, hi = -1, -1
				for r := range s.rows {
					if naiveBin(r, g.h, s.rows) == pr {
						if lo < 0 {
							lo = r
						}
						hi = r + 1
					}
				}
				if lo < 0 {
					lo = naiveBin(pr, s.rows, g.h)
					hi = lo + 1
				}
				return lo, hi
			}
			for pr := range g.h {
				for pc := range g.w {
					p := Patch{pr, pc}
					got := l.PatchCells(p)
					x0, x1 := colsOf(pc)
					y0, y1 := rowsOf(pr)
					if want := image.Rect(x0, y0, x1, y1); got != want {
						t.Fatalf("%+v: PatchCells(%v) = %v, want %v", l, p, got, want)
					}
					// When the patch owns cells, they are exactly the rectangle.
					if n := len(owner[p]); n > 0 && n != got.Dx()*got.Dy() {
						t.Fatalf("%+v: patch %v owns %d cells, rectangle %v", l, p, n, got)
					}
				}
			}
		}
	}
}

func TestCellLayoutOutside(t *testing.T) {
	l := CellLayout{Cols: 10, Rows: 5, GridH: 4, GridW: 4}
	for _, c := range []image.Point{{-1, 0}, {0, -1}, {10, 0}, {0, 5}} {
		if _, ok := l.PatchAt(c.X, c.Y); ok {
			t.Errorf("PatchAt(%v) ok outside the layout", c)
		}
	}
	for _, p := range []Patch{{-1, 0}, {0, 4}, {4, 0}} {
		if r := l.PatchCells(p); !r.Empty() {
			t.Errorf("PatchCells(%v) = %v, want empty", p, r)
		}
	}
	if _, ok := (CellLayout{}).PatchAt(0, 0); ok {
		t.Error("empty layout maps a cell")
	}
}

func TestFitCells(t *testing.T) {
	cases := []struct {
		w, h, maxC, maxR int
		cols, rows       int
	}{
		{512, 512, 100, 50, 100, 50},  // square: 100×100 pixels
		{512, 512, 200, 50, 100, 50},  // height-limited
		{512, 512, 60, 50, 60, 30},    // width-limited: 60×60 pixels
		{1024, 512, 100, 50, 100, 25}, // wide
		{300, 900, 100, 30, 20, 30},   // tall: 60 pixels high, 20 wide
		{7, 3, 80, 40, 80, 17},        // tiny images are enlarged
		{1, 1000, 10, 10, 1, 10},      // degenerate: at least one column
		{0, 10, 10, 10, 0, 0},
		{10, 10, 0, 10, 0, 0},
	}
	for _, c := range cases {
		cols, rows := FitCells(c.w, c.h, c.maxC, c.maxR)
		if cols != c.cols || rows != c.rows {
			t.Errorf("FitCells(%d,%d,%d,%d) = %d,%d; want %d,%d", c.w, c.h, c.maxC, c.maxR, cols, rows, c.cols, c.rows)
		}
	}
}

// With the terminal's real cell size the picture keeps its shape in
// pixels: a square image in xterm's 6×13 cells takes 13 columns for
// every 6 rows, not 2 for 1.
func TestFitCellsSized(t *testing.T) {
	cases := []struct {
		w, h, maxC, maxR int
		cell             image.Point
		cols, rows       int
	}{
		{512, 512, 100, 50, image.Pt(10, 20), 100, 50}, // 1:2 cells: as FitCells
		{512, 512, 100, 50, image.Pt(6, 13), 100, 46},  // 600×600 px in 6×13 cells
		{512, 512, 100, 30, image.Pt(6, 13), 65, 30},   // height-limited: 390 px
		{1024, 512, 80, 40, image.Pt(8, 16), 80, 20},   // 8×16 is 1:2
		{512, 512, 100, 50, image.Pt(0, 0), 100, 50},   // unknown size: 1:2
	}
	for _, c := range cases {
		cols, rows := FitCellsSized(c.w, c.h, c.maxC, c.maxR, c.cell)
		if cols != c.cols || rows != c.rows {
			t.Errorf("FitCellsSized(%d,%d,%d,%d,%v) = %d,%d; want %d,%d", c.w, c.h, c.maxC, c.maxR, c.cell, cols, rows, c.cols, c.rows)
		}
		if c.cell.X > 0 { // the shape on screen, within a cell's rounding
			got := float64(cols*c.cell.X) / float64(rows*c.cell.Y)
			if want := float64(c.w) / float64(c.h); math.Abs(got-want) > want*(1/float64(rows)+1/float64(cols)) {
				t.Errorf("%v: aspect %.3f on screen, image %.3f", c, got, want)
			}
		}
	}
}
