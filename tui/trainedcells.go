package tui

import (
	"image"
	"image/color"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cellPic is a picture fitted into an area of terminal cells (two pixel
// rows per cell, as imagePane draws), kept so a redraw only paints over
// the small copy, and so a cell can be turned back into a pixel of the
// original picture.
type cellPic struct {
	src        *image.NRGBA
	small      *image.NRGBA
	w, h       int // the area it was fitted into
	cols, rows int // the cells it fills
}

// fit makes src the picture, fitted into w × h cells (cached).
func (c *cellPic) fit(src *image.NRGBA, w, h int) {
	if src == c.src && w == c.w && h == c.h && c.small != nil {
		return
	}
	c.src, c.w, c.h, c.small, c.cols, c.rows = src, w, h, nil, 0, 0
	if src == nil || w <= 0 || h <= 0 {
		return
	}
	small, err := viz.CellImage(src, w, h)
	if err != nil {
		return
	}
	c.small, c.cols, c.rows = small, small.Rect.Dx(), (small.Rect.Dy()+1)/2
}

// cellDecor is what is drawn over a cell picture besides its map.
type cellDecor struct {
	layer  *viz.MapLayer
	cursor *viz.Patch
	// black lists patches of the map's grid painted black (dropped).
	black []int
	// box, in the original picture's pixels, is outlined.
	box *image.Rectangle
}

// lines draws the picture: the map over it as d says, black patches, the
// box and the cursor; cols cells wide, rows lines.
func (c *cellPic) lines(d displayOpts, dec cellDecor, mode viz.ColorMode) []string {
	if c.small == nil {
		return nil
	}
	display := d.display
	if display == viz.DisplaySide {
		display = viz.DisplayMap // one picture per image here: the map, over the image in grey
	}
	if dec.layer == nil {
		display = viz.DisplayImage
	}
	pic, err := viz.ShowMap(c.small, dec.layer, display, d.overlay(dec.cursor))
	if err != nil {
		pic = imaging.Clone(c.small)
	}
	if len(dec.black) > 0 && dec.layer != nil {
		blackPatches(pic, dec.black, dec.layer.Grid.H, dec.layer.Grid.W)
		if dec.cursor != nil { // keep the cursor visible on a black patch
			pic, _ = viz.ShowMap(pic, &viz.MapLayer{Grid: viz.Grid{H: dec.layer.Grid.H, W: dec.layer.Grid.W, Values: nanGrid(dec.layer.Grid.H * dec.layer.Grid.W)}}, viz.DisplayImage, viz.OverlayOptions{Cursor: dec.cursor})
		}
	}
	if dec.box != nil {
		frame(pic, c.scale(*dec.box))
	}
	return viz.Cells(pic, mode)
}

// scale maps a rectangle of the original picture's pixels onto the small
// copy, covering every small pixel it touches.
func (c *cellPic) scale(r image.Rectangle) image.Rectangle {
	sw, sh := c.small.Rect.Dx(), c.small.Rect.Dy()
	W, H := c.src.Rect.Dx(), c.src.Rect.Dy()
	return image.Rect(r.Min.X*sw/W, r.Min.Y*sh/H, (r.Max.X*sw+W-1)/W, (r.Max.Y*sh+H-1)/H)
}

// pixelAt is the original picture's pixel under cell (x, y) of the
// picture (the cell's centre); inside is false off the picture, where the
// pixel is clamped to the nearest edge.
func (c *cellPic) pixelAt(x, y int) (image.Point, bool) {
	if c.small == nil {
		return image.Point{}, false
	}
	inside := x >= 0 && y >= 0 && x < c.cols && y < c.rows
	x, y = min(max(x, 0), c.cols-1), min(max(y, 0), c.rows-1)
	W, H := c.src.Rect.Dx(), c.src.Rect.Dy()
	return image.Pt((2*x+1)*W/(2*c.cols), (2*y+1)*H/(2*c.rows)), inside
}

// cellBox is the rectangle of original pixels covered by the cells of
// pixels a and b and every cell between them.
func (c *cellPic) cellBox(a, b image.Point) image.Rectangle {
	W, H := c.src.Rect.Dx(), c.src.Rect.Dy()
	cell := func(p image.Point) (int, int) { return p.X * c.cols / W, p.Y * c.rows / H }
	ax, ay := cell(a)
	bx, by := cell(b)
	x0, x1 := min(ax, bx), max(ax, bx)+1
	y0, y1 := min(ay, by), max(ay, by)+1
	return image.Rect(x0*W/c.cols, y0*H/c.rows, min((x1*W+c.cols-1)/c.cols, W), min((y1*H+c.rows-1)/c.rows, H))
}

// blackPatches paints the listed patches of a rows × cols grid stretched
// over img black, by the rule the maps use: pixel (x, y) belongs to patch
// (⌊(2y+1)·rows/(2H)⌋, ⌊(2x+1)·cols/(2W)⌋).
func blackPatches(img *image.NRGBA, patches []int, rows, cols int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	black := make(map[int]bool, len(patches))
	for _, p := range patches {
		black[p] = true
	}
	for y := range h {
		r := (2*y + 1) * rows / (2 * h)
		for x := range w {
			if black[r*cols+(2*x+1)*cols/(2*w)] {
				i := y*img.Stride + 4*x
				img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 0, 0, 0
			}
		}
	}
}

// frame outlines r on img in white, one pixel wide, inside r.
func frame(img *image.NRGBA, r image.Rectangle) {
	r = r.Intersect(img.Rect)
	white := color.NRGBA{255, 255, 255, 255}
	for x := r.Min.X; x < r.Max.X; x++ {
		img.SetNRGBA(x, r.Min.Y, white)
		img.SetNRGBA(x, r.Max.Y-1, white)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		img.SetNRGBA(r.Min.X, y, white)
		img.SetNRGBA(r.Max.X-1, y, white)
	}
}

// padCells places picture lines (cols wide) in an area w × h: centred
// across, from the top; it returns the lines and the picture's offset.
func padCells(cells []string, cols, w, h int) ([]string, image.Point) {
	left := max((w-cols)/2, 0)
	out := make([]string, h)
	for i := range out {
		if i < len(cells) {
			out[i] = strings.Repeat(" ", left) + cells[i] + strings.Repeat(" ", max(w-cols-left, 0))
		} else {
			out[i] = strings.Repeat(" ", w)
		}
	}
	return out, image.Pt(left, 0)
}
