package viz

import (
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/disintegration/imaging"
)

// Display is how a map is shown with its image. A blend of a map's
// colours with the image's own colours makes colours that are not on the
// colour bar (an orange cross under a blue map looks "high"); each display
// keeps the colours a reader compares with the bar honest.
type Display int

const (
	// DisplayMap shows the map alone: every colour is the colour bar's.
	// Patches without a value show the image in grey.
	DisplayMap Display = iota
	// DisplayOverlay shows the map over the image turned grey, at the
	// overlay's opacity: the hues stay the map's, the image adds only
	// light and shade.
	DisplayOverlay
	// DisplaySide shows the image and the map side by side.
	DisplaySide
	// DisplayImage shows the image alone (with the patch grid and cursor).
	DisplayImage
	numDisplays
)

var displayNames = [numDisplays]string{"map", "overlay", "side", "image"}

// String is the display's command-line name.
func (d Display) String() string {
	if d >= 0 && d < numDisplays {
		return displayNames[d]
	}
	return fmt.Sprintf("display(%d)", int(d))
}

// Next is the display after d, in the order map, overlay, side, image.
func (d Display) Next() Display { return (d + 1) % numDisplays }

// ParseDisplay reads a --display value.
func ParseDisplay(s string) (Display, error) {
	for i, n := range displayNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Display(i), nil
		}
	}
	return 0, fmt.Errorf("unknown display %q: use one of %s", s, strings.Join(displayNames[:], ", "))
}

// MapLayer is a map to draw: scalar values placed on a colormap by a
// range, or (Colors set) a map that is already coloured, such as PCA.
type MapLayer struct {
	Grid     Grid
	Colormap Colormap
	Range    Range
	Colors   *ColorGrid
}

// Greyscale returns img's luminance (Rec. 709 weights) as an opaque grey
// picture starting at (0,0).
func Greyscale(img image.Image) *image.NRGBA {
	n := toNRGBA(img)
	w, h := n.Rect.Dx(), n.Rect.Dy()
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		src := n.Pix[y*n.Stride : y*n.Stride+4*w]
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := 0; x < 4*w; x += 4 {
			l := uint8((2126*int(src[x]) + 7152*int(src[x+1]) + 722*int(src[x+2]) + 5000) / 10000)
			dst[x], dst[x+1], dst[x+2], dst[x+3] = l, l, l, 255
		}
	}
	return out
}

// ShowMap draws what display d shows of img with the map m over it, at
// img's size (twice its width and a gap for DisplaySide): o.Opacity is the
// overlay's, o.GridLines, o.Smooth and o.Cursor apply to every display.
// A nil m draws the image alone, as DisplayImage does.
func ShowMap(img image.Image, m *MapLayer, d Display, o OverlayOptions) (*image.NRGBA, error) {
	if img == nil {
		return nil, fmt.Errorf("show map: no image")
	}
	if m == nil {
		d = DisplayImage
	}
	switch d {
	case DisplayMap, DisplayOverlay:
		if d == DisplayMap {
			o.Opacity = 1
		}
		return paint(Greyscale(img), m, o)
	case DisplayImage:
		return plain(img, m, o)
	case DisplaySide:
		left, err := plain(img, m, o)
		if err != nil {
			return nil, err
		}
		o.Opacity = 1
		right, err := paint(Greyscale(img), m, o)
		if err != nil {
			return nil, err
		}
		return SideBySide(left, right), nil
	}
	return nil, fmt.Errorf("show map: unknown display %v", d)
}

// SideGap is the gap between the two pictures of DisplaySide, in pixels
// per 16 of the picture's width (at least 1).
func SideGap(width int) int { return max(width/16, 1) }

// SideBySide puts a and b next to each other with SideGap between them.
func SideBySide(a, b *image.NRGBA) *image.NRGBA {
	return HStack(SideGap(a.Rect.Dx()), a, b)
}

// paint blends m over base.
func paint(base *image.NRGBA, m *MapLayer, o OverlayOptions) (*image.NRGBA, error) {
	if m.Colors != nil {
		return HeatmapRGB(base, *m.Colors, o)
	}
	return Heatmap(base, m.Grid, m.Colormap, m.Range, o)
}

// plain draws img with only the grid lines and the cursor of m's grid.
func plain(img image.Image, m *MapLayer, o OverlayOptions) (*image.NRGBA, error) {
	if m == nil || (!o.GridLines && o.Cursor == nil) {
		return imaging.Clone(img), nil
	}
	h, w := m.Grid.H, m.Grid.W
	if m.Colors != nil {
		h, w = m.Colors.H, m.Colors.W
	}
	o.Opacity = 0
	empty := Grid{H: h, W: w, Values: make([]float32, h*w)}
	for i := range empty.Values {
		empty.Values[i] = float32(math.NaN())
	}
	return Heatmap(img, empty, Grey, Range{}, o)
}
