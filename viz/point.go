package viz

import "fmt"

// ImagePoint is a point on an image as exact fractions of its width and
// height: x = XNum/XDen and y = YNum/YDen, each in [0, 1). The compare
// view keeps its one cursor as an ImagePoint, so every pane, whatever its
// patch grid, finds the patch under the same spot with integer arithmetic
// and no rounding drift.
type ImagePoint struct {
	XNum, XDen, YNum, YDen int
}

// Valid reports whether the point lies on the image.
func (p ImagePoint) Valid() bool {
	return p.XDen > 0 && p.YDen > 0 && p.XNum >= 0 && p.XNum < p.XDen && p.YNum >= 0 && p.YNum < p.YDen
}

// String prints the point as percentages of the width and height.
func (p ImagePoint) String() string {
	if !p.Valid() {
		return "(off the image)"
	}
	return fmt.Sprintf("(%.1f%%, %.1f%%)", 100*float64(p.XNum)/float64(p.XDen), 100*float64(p.YNum)/float64(p.YDen))
}

// PatchCover says how a model's patch grid covers the image it was given:
// the image was resized to PixW × PixH pixels and cut into Patch × Patch
// squares. The GridH × GridW grid covers the top-left GridW·Patch ×
// GridH·Patch pixels; when the resized size is not a multiple of the
// patch, the pixels past the last whole patch are dropped (as a stride-
// Patch Conv2d drops them). Fixed-resolution models squash the whole image
// to PixW = PixH; NaFlex models keep its aspect ratio. Either way a
// fraction of the original image's width is the same fraction of the
// resized one.
type PatchCover struct {
	GridH, GridW int
	PixH, PixW   int
	Patch        int
}

// Check reports a cover whose numbers disagree.
func (c PatchCover) Check() error {
	if c.GridH <= 0 || c.GridW <= 0 || c.Patch <= 0 || c.GridH*c.Patch > c.PixH || c.GridW*c.Patch > c.PixW {
		return fmt.Errorf("a %d×%d grid of %d-pixel patches does not fit a %d×%d image", c.GridH, c.GridW, c.Patch, c.PixW, c.PixH)
	}
	return nil
}

// PatchAt returns the patch that covers pt: column ⌊x·PixW / Patch⌋ and
// row ⌊y·PixH / Patch⌋, clamped into the grid (a point in a dropped margin
// takes the nearest patch). An invalid point or cover gives patch (0, 0).
func (c PatchCover) PatchAt(pt ImagePoint) Patch {
	if !pt.Valid() || c.Check() != nil {
		return Patch{}
	}
	col := pt.XNum * c.PixW / (pt.XDen * c.Patch)
	row := pt.YNum * c.PixH / (pt.YDen * c.Patch)
	return Patch{Row: min(row, c.GridH-1), Col: min(col, c.GridW-1)}
}

// Centre returns the point at the centre of patch p (clamped into the
// grid): x = (2·col+1)·Patch / (2·PixW).
func (c PatchCover) Centre(p Patch) ImagePoint {
	if c.Check() != nil {
		return ImagePoint{XNum: 0, XDen: 1, YNum: 0, YDen: 1}
	}
	col, row := min(max(p.Col, 0), c.GridW-1), min(max(p.Row, 0), c.GridH-1)
	return ImagePoint{XNum: (2*col + 1) * c.Patch, XDen: 2 * c.PixW, YNum: (2*row + 1) * c.Patch, YDen: 2 * c.PixH}
}

// CellPoint returns the point at the centre of cell (col, row) of a
// picture of cols × rows cells that shows the area the grid covers
// (GridW·Patch × GridH·Patch pixels). Cells outside give ok = false.
func (c PatchCover) CellPoint(col, row, cols, rows int) (ImagePoint, bool) {
	if c.Check() != nil || cols <= 0 || rows <= 0 || col < 0 || col >= cols || row < 0 || row >= rows {
		return ImagePoint{}, false
	}
	return ImagePoint{
		XNum: (2*col + 1) * c.GridW * c.Patch, XDen: 2 * cols * c.PixW,
		YNum: (2*row + 1) * c.GridH * c.Patch, YDen: 2 * rows * c.PixH,
	}, true
}

// Step returns the centre of the patch dr rows and dc columns from the
// patch under pt, clamped into the grid: how arrow keys move a shared
// cursor one patch of this grid at a time.
func (c PatchCover) Step(pt ImagePoint, dr, dc int) ImagePoint {
	p := c.PatchAt(pt)
	return c.Centre(Patch{Row: p.Row + dr, Col: p.Col + dc})
}
