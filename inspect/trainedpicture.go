package inspect

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The exported pictures of the global–local, masked-context and
// correspondence views: the images with their maps at one level, a chart
// of every level's mean, the numbers and the labels' scores.

// pictureSide is the long side the pictures' images are enlarged to.
const pictureSide = 384

// enlarge scales img by the smallest whole factor that brings its long
// side to at least side pixels (nearest neighbour, so patches stay crisp);
// it returns the factor too.
func enlarge(img image.Image, side int) (*image.NRGBA, int) {
	b := img.Bounds()
	k := max(1, (side+max(b.Dx(), b.Dy())-1)/max(b.Dx(), b.Dy()))
	return imaging.Resize(img, b.Dx()*k, b.Dy()*k, imaging.NearestNeighbor), k
}

// drawFrame outlines r on img in c, t pixels thick, inside r.
func drawFrame(img *image.NRGBA, r image.Rectangle, c color.NRGBA, t int) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if x < r.Min.X+t || x >= r.Max.X-t || y < r.Min.Y+t || y >= r.Max.Y-t {
				img.SetNRGBA(x, y, c)
			}
		}
	}
}

// cosineRange is the colour scale of a cosine map: 0 to 1, or −1 to 1
// when a value is negative, so maps of different levels share a scale.
func cosineRange(vals []float32) viz.Range {
	r := viz.MinMax(vals)
	if r.Valid() && r.Min < 0 {
		return viz.Range{Min: -1, Max: 1}
	}
	return viz.Range{Min: 0, Max: 1}
}

// toF32 converts for viz grids.
func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// shiftLines is a table of label scores on the whole image and a changed
// one.
func shiftLines(shifts []LabelShift, changed string) []string {
	if len(shifts) == 0 {
		return nil
	}
	rows := [][]string{{"label", "whole prob", "logit", changed + " prob", "logit"}}
	for _, s := range shifts {
		rows = append(rows, []string{s.Label, fmt.Sprintf("%.2f", s.Whole.Prob), fmt.Sprintf("%+.2f", s.Whole.Logit),
			fmt.Sprintf("%.2f", s.Changed.Prob), fmt.Sprintf("%+.2f", s.Changed.Logit)})
	}
	return viz.TextTable(rows)
}

// levelChart draws a per-level chart of the given series.
func levelChart(title string, levels int, series ...viz.ChartSeries) (*image.NRGBA, error) {
	return viz.LineChart{XMin: 0, XMax: levels - 1, Title: title, Limits: &[2]float64{-1, 1},
		XLabel: fmt.Sprintf("level (0 = embeddings, %d = final LayerNorm)", levels-1), Series: series}.Draw(560, 300)
}

// GlobalLocalPicture draws a global–local report for export: the whole
// image with the crop box, the crop with each patch's cosine to its
// counterpart at level, the mean by level against the chance baseline,
// and the labels' scores. whole is the original image; title heads it.
func GlobalLocalPicture(r *GlobalLocalReport, whole image.Image, level int, cm viz.Colormap, title []string) (*image.NRGBA, error) {
	if level < 0 || level >= len(r.Levels) {
		return nil, fmt.Errorf("global-local picture: level %d is outside 0…%d", level, len(r.Levels)-1)
	}
	lv := r.Levels[level]
	big, k := enlarge(whole, pictureSide)
	drawFrame(big, image.Rect(r.Box.X0*k, r.Box.Y0*k, r.Box.X1*k, r.Box.Y1*k), color.NRGBA{255, 255, 255, 255}, max(2, k/2))
	left := viz.VStack(0, big, viz.TextImage([]string{fmt.Sprintf("whole image %dx%d, %dx%d patches; crop %s", r.ImageW, r.ImageH, r.FullRows, r.FullCols, r.Box)}, big.Rect.Dx()))
	cropImg := imaging.Crop(whole, image.Rect(r.Box.X0, r.Box.Y0, r.Box.X1, r.Box.Y1))
	vals := toF32(lv.Cosine)
	right, err := greyOverlay(cropImg, viz.Grid{H: r.CropRows, W: r.CropCols, Values: vals}, cm, cosineRange(vals), viz.ExportOptions{
		MinLongSide: pictureSide, Overlay: viz.OverlayOptions{Opacity: 0.7},
		Caption: viz.Caption{Layer: viz.NoLayer, Head: viz.NoHead, Extra: fmt.Sprintf("crop as its own image (%dx%d patches): cosine to the whole image's patch there, %s", r.CropRows, r.CropCols, lv.Name)}})
	if err != nil {
		return nil, err
	}
	n := len(r.Levels)
	mean, base := make([]float64, n), make([]float64, n)
	for i, l := range r.Levels {
		mean[i], base[i] = l.Mean, l.Baseline
	}
	chart, err := levelChart("Crop vs whole image: mean cosine of matching patches", n,
		viz.ChartSeries{Name: "chance (any patch)", Y: base, Color: positionsColor},
		viz.ChartSeries{Name: "matching patch", Y: mean, Color: imageColor})
	if err != nil {
		return nil, err
	}
	top := viz.HStack(12, left, right, chart)
	text := []string{fmt.Sprintf("%s: mean cosine %s (chance %s); best level: %s", lv.Name, plain(lv.Mean), plain(lv.Baseline), r.Levels[max(r.BestLevel(), 0)].Name)}
	text = append(text, shiftLines(r.Labels, "crop")...)
	text = append(text, "match: "+TrainedDefinitions["match"]+".")
	head := append(append([]string(nil), title...), "Global-local: does a crop, seen alone, keep the whole image's features?")
	w := top.Rect.Dx()
	return viz.VStack(0, viz.TextImage(head, w), top, viz.TextImage(text, w)), nil
}

// ContextPicture draws a masked-context report for export: the image with
// the dropped patches blacked out and each kept patch's cosine to its
// features in the whole image at level, the mean by level, the most
// dependent patches and the labels' scores.
func ContextPicture(r *ContextReport, img image.Image, level int, cm viz.Colormap, title []string) (*image.NRGBA, error) {
	if level < 0 || level >= len(r.Levels) {
		return nil, fmt.Errorf("masked-context picture: level %d is outside 0…%d", level, len(r.Levels)-1)
	}
	lv := r.Levels[level]
	big, _ := enlarge(img, pictureSide)
	masked := blackOut(big, r.Dropped, r.GridH, r.GridW)
	vals := toF32(lv.Cosine)
	pic, err := greyOverlay(masked, viz.Grid{H: r.GridH, W: r.GridW, Values: vals}, cm, cosineRange(vals), viz.ExportOptions{
		MinLongSide: pictureSide, Overlay: viz.OverlayOptions{Opacity: 0.7},
		Caption: viz.Caption{Layer: viz.NoLayer, Head: viz.NoHead, Extra: fmt.Sprintf("%d of %d patches dropped (black); kept: cosine to the whole image's features, %s", len(r.Dropped), len(r.Dropped)+len(r.Kept), lv.Name)}})
	if err != nil {
		return nil, err
	}
	n := len(r.Levels)
	mean := make([]float64, n)
	for i, l := range r.Levels {
		mean[i] = l.Mean
	}
	chart, err := levelChart("Kept patches: mean cosine to their features in the whole image", n,
		viz.ChartSeries{Name: "kept patches", Y: mean, Color: imageColor})
	if err != nil {
		return nil, err
	}
	top := viz.HStack(12, pic, chart)
	var deps []string
	for _, p := range r.MostDependent(level, MostDependentShown) {
		deps = append(deps, fmt.Sprintf("(%d,%d) %.2f", p/r.GridW, p%r.GridW, lv.Cosine[p]))
	}
	text := []string{fmt.Sprintf("%s: mean cosine of the kept patches %s; most dependent on the dropped context: %s", lv.Name, plain(lv.Mean), strings.Join(deps, ", "))}
	text = append(text, shiftLines(r.Labels, "masked")...)
	text = append(text, "dropped: "+TrainedDefinitions["dropped"]+".")
	head := append(append([]string(nil), title...), "Masked context: do the kept patches keep their features when the others are gone?")
	w := top.Rect.Dx()
	return viz.VStack(0, viz.TextImage(head, w), top, viz.TextImage(text, w)), nil
}

// blackOut returns a copy of img with the given patches of a rows × cols
// grid stretched over it painted black.
func blackOut(img *image.NRGBA, patches []int, rows, cols int) *image.NRGBA {
	out := imaging.Clone(img)
	w, h := out.Rect.Dx(), out.Rect.Dy()
	for _, p := range patches {
		r, c := p/cols, p%cols
		x0, x1 := c*w/cols, (c+1)*w/cols
		y0, y1 := r*h/rows, (r+1)*h/rows
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				out.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 255})
			}
		}
	}
	return out
}

// CorrespondPicture draws a correspondence for export: image A with the
// chosen patch outlined, image B with its similarity to every patch and
// the best match outlined, and the numbers.
func CorrespondPicture(r *CorrespondReport, a, b image.Image, p viz.Patch, cm viz.Colormap, title []string) (*image.NRGBA, error) {
	if p.Row < 0 || p.Row >= r.RowsA || p.Col < 0 || p.Col >= r.ColsA {
		return nil, fmt.Errorf("patch %d,%d is outside image A's %d×%d patch grid", p.Row, p.Col, r.RowsA, r.ColsA)
	}
	i := p.Row*r.ColsA + p.Col
	best := r.Best(i)
	nan := make([]float32, r.RowsA*r.ColsA)
	for k := range nan {
		nan[k] = float32(math.NaN())
	}
	outline := &viz.MapLayer{Grid: viz.Grid{H: r.RowsA, W: r.ColsA, Values: nan}, Colormap: cm}
	left, err := viz.CompositeDisplay(a, outline, viz.DisplayImage, viz.ExportOptions{
		MinLongSide: pictureSide, Overlay: viz.OverlayOptions{Opacity: 0.7, Cursor: &p},
		Caption: viz.Caption{Layer: viz.NoLayer, Head: viz.NoHead, Extra: fmt.Sprintf("image A (%dx%d patches): patch (%d,%d)", r.RowsA, r.ColsA, p.Row, p.Col)}})
	if err != nil {
		return nil, err
	}
	row := r.Row(i)
	right, err := greyOverlay(b, viz.Grid{H: r.RowsB, W: r.ColsB, Values: row}, cm, viz.MinMax(row), viz.ExportOptions{
		MinLongSide: pictureSide, Overlay: viz.OverlayOptions{Opacity: 0.7, Cursor: &best},
		Caption: viz.Caption{Layer: viz.NoLayer, Head: viz.NoHead, Extra: fmt.Sprintf("image B (%dx%d patches): cosine to A's patch, %s; best (%d,%d)", r.RowsB, r.ColsB, r.Name, best.Row, best.Col)}})
	if err != nil {
		return nil, err
	}
	top := viz.HStack(12, left, right)
	mutual := "not mutual"
	if r.IsMutual(i) {
		mutual = "mutual"
	}
	text := []string{
		fmt.Sprintf("%s: A's patch (%d,%d) best matches B's (%d,%d) at %.2f (%s); %d of A's %d patches are mutual nearest neighbours with a patch of B",
			r.Name, p.Row, p.Col, best.Row, best.Col, row[r.BestA[i]], mutual, r.Mutual, r.RowsA*r.ColsA),
		"mutual nearest neighbours: a patch of A and a patch of B that are each other's best match.",
	}
	head := append(append([]string(nil), title...), "Correspondence: does the same thing get alike features in another image?")
	w := top.Rect.Dx()
	return viz.VStack(0, viz.TextImage(head, w), top, viz.TextImage(text, w)), nil
}

// plain prints x with two decimals, or n/a.
func plain(x float64) string { return strings.TrimSpace(FormatPlain(x)) }

// greyOverlay draws an export picture of the map g over img turned grey
// (viz.DisplayOverlay): the picture keeps the image's shapes, and every
// hue on it is the colour bar's, where a blend with the image's own
// colours would make colours the bar does not have.
func greyOverlay(img image.Image, g viz.Grid, cm viz.Colormap, r viz.Range, o viz.ExportOptions) (*image.NRGBA, error) {
	return viz.CompositeDisplay(img, &viz.MapLayer{Grid: g, Colormap: cm, Range: r}, viz.DisplayOverlay, o)
}
