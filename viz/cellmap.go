package viz

import "image"

// CellLayout relates the cells an image was drawn into (Cols×Rows, as
// returned by FitCells, counted from the image's top-left cell) to the
// model's patch grid (GridH×GridW), which is stretched over the whole
// image. The TUI uses it to turn a mouse click into a patch and to find
// the cells of the cursor patch.
//
// The mapping is exact integer arithmetic on cell centres: cell column c
// belongs to patch column ⌊(2c+1)·GridW / (2·Cols)⌋ and cell row r to
// patch row ⌊(2r+1)·GridH / (2·Rows)⌋. Column-wise this is the same rule
// Heatmap uses for pixels, so in blocky mode a click lands on the patch
// whose colour the cell shows.
type CellLayout struct {
	Cols, Rows   int
	GridH, GridW int
}

func (l CellLayout) ok() bool {
	return l.Cols > 0 && l.Rows > 0 && l.GridH > 0 && l.GridW > 0
}

// PatchAt returns the patch under cell (col, row); ok is false when the
// cell is outside the layout or the layout is empty.
func (l CellLayout) PatchAt(col, row int) (p Patch, ok bool) {
	if !l.ok() || col < 0 || col >= l.Cols || row < 0 || row >= l.Rows {
		return Patch{}, false
	}
	return Patch{Row: centreIndex(row, l.GridH, l.Rows), Col: centreIndex(col, l.GridW, l.Cols)}, true
}

// PatchCells returns the cells whose PatchAt is p, as a rectangle of cell
// coordinates (Min inclusive, Max exclusive; X is the column, Y the row).
// When patches are smaller than cells, a patch column (or row) may own no
// cell column (row); on that axis the rectangle is then the one cell that
// holds the patch's centre, so the cursor always shows. It is empty only
// for a patch outside the grid or an empty layout.
func (l CellLayout) PatchCells(p Patch) image.Rectangle {
	if !l.ok() || p.Row < 0 || p.Row >= l.GridH || p.Col < 0 || p.Col >= l.GridW {
		return image.Rectangle{}
	}
	x0, x1 := centreSpan(p.Col, l.GridW, l.Cols)
	if x1 <= x0 {
		x0 = (2*p.Col + 1) * l.Cols / (2 * l.GridW)
		x1 = x0 + 1
	}
	y0, y1 := centreSpan(p.Row, l.GridH, l.Rows)
	if y1 <= y0 {
		y0 = (2*p.Row + 1) * l.Rows / (2 * l.GridH)
		y1 = y0 + 1
	}
	return image.Rect(x0, y0, x1, y1)
}
