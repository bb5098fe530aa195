package inspect

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Global–local: SigLIP 2's self-distillation shows a student a small crop
// and asks it to produce, there, the features a teacher computed from the
// whole image. Here the crop is cut from the original image exactly as
// PIL's Image.crop cuts it, then processed as an image of its own (the
// model's own resize for fixed resolution, NaFlex sizing at the same patch
// budget for NaFlex), and every patch of the crop's grid is compared with
// the whole image's patch at the same spot.

// CropBox is a rectangle of the original image in pixels, [X0, X1) ×
// [Y0, Y1): the box PIL's Image.crop((X0, Y0, X1, Y1)) takes.
type CropBox struct {
	X0, Y0, X1, Y1 int
}

// String is the box as the --crop flag takes it: "X0,Y0,X1,Y1".
func (b CropBox) String() string { return fmt.Sprintf("%d,%d,%d,%d", b.X0, b.Y0, b.X1, b.Y1) }

// Dx and Dy are the box's width and height in pixels.
func (b CropBox) Dx() int { return b.X1 - b.X0 }

// Dy is the box's height in pixels.
func (b CropBox) Dy() int { return b.Y1 - b.Y0 }

// ParseCropBox reads "X0,Y0,X1,Y1" (spaces allowed).
func ParseCropBox(s string) (CropBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return CropBox{}, fmt.Errorf("crop %q: want four pixel coordinates X0,Y0,X1,Y1 (the box [X0, X1) × [Y0, Y1) of the original image)", s)
	}
	var v [4]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return CropBox{}, fmt.Errorf("crop %q: %q is not a whole number of pixels", s, strings.TrimSpace(p))
		}
		v[i] = n
	}
	return CropBox{v[0], v[1], v[2], v[3]}, nil
}

// Check reports a box that is empty or leaves a w × h image, saying what
// would fit.
func (b CropBox) Check(w, h int) error {
	if b.X0 < 0 || b.Y0 < 0 || b.X1 > w || b.Y1 > h || b.X0 >= b.X1 || b.Y0 >= b.Y1 {
		return fmt.Errorf("crop %s does not fit the %d×%d image: want 0 ≤ X0 < X1 ≤ %d and 0 ≤ Y0 < Y1 ≤ %d", b, w, h, w, h)
	}
	return nil
}

// DefaultCrop is the crop the explorer starts with: the middle of the
// image, half its width and height (at least one pixel).
func DefaultCrop(w, h int) CropBox {
	cw, ch := max(w/2, 1), max(h/2, 1)
	x0, y0 := (w-cw)/2, (h-ch)/2
	return CropBox{x0, y0, x0 + cw, y0 + ch}
}

// CropImage cuts box out of img, pixel for pixel (PIL's Image.crop inside
// the image).
func CropImage(img *preprocess.Image, box CropBox) (*preprocess.Image, error) {
	if err := img.Validate(); err != nil {
		return nil, err
	}
	if err := box.Check(img.Width, img.Height); err != nil {
		return nil, err
	}
	out, err := preprocess.NewImage(box.Dx(), box.Dy())
	if err != nil {
		return nil, err
	}
	for y := range box.Dy() {
		src := img.Pix[3*((box.Y0+y)*img.Width+box.X0):]
		copy(out.Pix[3*y*box.Dx():3*(y+1)*box.Dx()], src[:3*box.Dx()])
	}
	return out, nil
}

// CropMatch returns, for every patch (i, j) of the crop's rows × cols grid
// (row-major), the whole image's patch that contains the centre of crop
// patch (i, j) mapped back into the original image: x = X0 + (j + ½)·(X1 −
// X0)/cols, y = Y0 + (i + ½)·(Y1 − Y0)/rows, and the whole image's patch
// (⌊y·fullRows/H⌋, ⌊x·fullCols/W⌋) for a W × H original image. It counts
// in integers, so a centre on a patch border goes to the patch below or to
// the right, as the formula says, with no rounding in the way.
func CropMatch(box CropBox, w, h, rows, cols, fullRows, fullCols int) []viz.Patch {
	// ⌊y·fullRows/H⌋ with y = (2·rows·Y0 + (2i+1)·(Y1−Y0)) / (2·rows).
	at := func(lo, span, k, n, full, size int) int {
		num := (int64(2*n)*int64(lo) + int64(2*k+1)*int64(span)) * int64(full)
		return min(int(num/(int64(2*n)*int64(size))), full-1)
	}
	out := make([]viz.Patch, 0, rows*cols)
	for i := range rows {
		r := at(box.Y0, box.Dy(), i, rows, fullRows, h)
		for j := range cols {
			out = append(out, viz.Patch{Row: r, Col: at(box.X0, box.Dx(), j, cols, fullCols, w)})
		}
	}
	return out
}

// GlobalLocalLevel is one feature level's comparison of the crop with the
// whole image.
type GlobalLocalLevel struct {
	Level int
	Name  string
	// Cosine is each crop patch's cosine similarity to its counterpart in
	// the whole image, row-major over the crop's grid.
	Cosine []float64
	// Mean is Cosine's mean.
	Mean float64
	// Baseline is the mean cosine of a crop patch to every patch of the
	// whole image: what a match by chance would give.
	Baseline float64
}

// GlobalLocalReport compares a crop, run as an image of its own, with the
// whole image, patch by patch and level by level.
type GlobalLocalReport struct {
	Box CropBox
	// ImageW and ImageH are the original image's size.
	ImageW, ImageH int
	// FullRows × FullCols is the whole image's patch grid, CropRows ×
	// CropCols the crop's.
	FullRows, FullCols int
	CropRows, CropCols int
	// CropW × CropH is the crop as the model received it (after resizing).
	CropW, CropH int
	// Match[i] is the whole image's patch at crop patch i (CropMatch).
	Match []viz.Patch
	// Levels are 0 (the patch embeddings) … L+1 (after the final
	// LayerNorm).
	Levels []GlobalLocalLevel
	// Labels are the labels' scores on the whole image and on the crop
	// (empty without labels).
	Labels []LabelShift
	// Embed is the crop's image embedding (for scoring other labels).
	Embed []float32
}

// Layers is the number of blocks (levels run 0…Layers+1).
func (r *GlobalLocalReport) Layers() int { return len(r.Levels) - 2 }

// AnalyzeCrop cuts box out of the image full analysed and runs it through
// the same model as an image of its own, at full's NaFlex patch budget.
// Release the result when done.
func AnalyzeCrop(ctx context.Context, full *engine.Analysis, box CropBox) (*engine.Analysis, error) {
	img, err := CropImage(full.Source, box)
	if err != nil {
		return nil, err
	}
	a, err := full.Model.Analyze(ctx, img, full.Prepared.Input.Tokens)
	if err != nil {
		return nil, fmt.Errorf("crop %s through the vision tower: %w", box, err)
	}
	return a, nil
}

// CompareCrop measures how well crop, the analysis of box cut out of the
// image full analysed, keeps full's features at every level.
func CompareCrop(full, crop *engine.Analysis, box CropBox) (*GlobalLocalReport, error) {
	if err := sameModel(full, crop); err != nil {
		return nil, err
	}
	src := full.Source
	if err := box.Check(src.Width, src.Height); err != nil {
		return nil, err
	}
	fr, fc := full.Grid()
	cr, cc := crop.Grid()
	r := &GlobalLocalReport{Box: box, ImageW: src.Width, ImageH: src.Height, FullRows: fr, FullCols: fc, CropRows: cr, CropCols: cc,
		CropW: crop.Prepared.Resized.Width, CropH: crop.Prepared.Resized.Height}
	r.Match = CropMatch(box, src.Width, src.Height, cr, cc, fr, fc)
	d := full.Hidden()
	for level := range full.FeatureLevels() {
		f, err := full.Features(level)
		if err != nil {
			return nil, err
		}
		g, err := crop.Features(level)
		if err != nil {
			return nil, err
		}
		lv := GlobalLocalLevel{Level: level, Name: full.FeatureLevelName(level), Cosine: make([]float64, len(r.Match))}
		var base float64
		for i, p := range r.Match {
			q := p.Row*fc + p.Col
			lv.Cosine[i] = cosine(g[i*d:(i+1)*d], f[q*d:(q+1)*d])
		}
		// The chance level: every crop patch against every whole-image
		// patch, through unit vectors so it costs one pass over each.
		mean := unitMean(f, full.Valid(), d)
		for i := range r.Match {
			base += dotUnit(g[i*d:(i+1)*d], mean)
		}
		lv.Mean = meanOf(lv.Cosine)
		lv.Baseline = base / float64(len(r.Match))
		r.Levels = append(r.Levels, lv)
	}
	return r, nil
}

// unitMean is the mean of the n rows of x (n × d) after scaling each to
// unit length: the mean cosine of a vector v to every row is then
// <v/|v|, unitMean>.
func unitMean(x []float32, n, d int) []float64 {
	out := make([]float64, d)
	for i := range n {
		row := x[i*d : (i+1)*d]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		if ss == 0 {
			continue
		}
		inv := 1 / math.Sqrt(ss)
		for k, v := range row {
			out[k] += float64(v) * inv
		}
	}
	for k := range out {
		out[k] /= float64(n)
	}
	return out
}

// dotUnit is <v/|v|, u> (0 for a zero v).
func dotUnit(v []float32, u []float64) float64 {
	var dot, ss float64
	for k, x := range v {
		dot += float64(x) * u[k]
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return 0
	}
	return dot / math.Sqrt(ss)
}

// GlobalLocal is the whole measurement for the headless command and tests:
// the crop analysed, compared with full, and labels scored on both (nil
// labels: none).
func GlobalLocal(ctx context.Context, full *engine.Analysis, box CropBox, labels []engine.Label) (*GlobalLocalReport, error) {
	crop, err := AnalyzeCrop(ctx, full, box)
	if err != nil {
		return nil, err
	}
	defer crop.Release()
	r, err := CompareCrop(full, crop, box)
	if err != nil {
		return nil, err
	}
	r.Embed = append([]float32(nil), crop.ImageEmbedding()...)
	if r.Labels, err = ShiftScores(full.Model, full.ImageEmbedding(), r.Embed, labels); err != nil {
		return nil, err
	}
	return r, nil
}

// BestLevel is the level whose mean cosine is highest (-1 when none is a
// number).
func (r *GlobalLocalReport) BestLevel() int {
	best, bestV := -1, math.Inf(-1)
	for i, l := range r.Levels {
		if !math.IsNaN(l.Mean) && l.Mean > bestV {
			best, bestV = i, l.Mean
		}
	}
	return best
}
