package inspect

import (
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"image"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Export is one view written to files: the picture at the image's full
// resolution (heatmap, colour bar, caption) and the map's values as JSON.
type Export struct {
	// Image is the original image, at full resolution.
	Image image.Image
	// Map is what is painted over it.
	Map *Map
	// Colormap, Overlay, Display: how it is painted (Overlay.Cursor is
	// set from the request's patch for kinds that have one; Display is
	// map, overlay, side by side or image, as on screen).
	Colormap viz.Colormap
	Overlay  viz.OverlayOptions
	Display  viz.Display
	// Model names the checkpoint in the caption and the JSON.
	Model string
	// LevelName names the request's level ("block 3", "final LayerNorm").
	LevelName string
	// Score is the label's score against the whole image (label maps):
	// the JSON gives its logit and probability beside the map.
	Score *engine.Score
	// Meta is added to the JSON metadata (image file, grid, ...).
	Meta map[string]any
}

// Caption is the text written under the exported picture.
func (e *Export) Caption() viz.Caption {
	r := e.Map.Req
	c := viz.Caption{View: r.Kind.String(), Layer: viz.NoLayer, Head: viz.NoHead, Model: e.Model}
	if r.Kind.UsesLevel() {
		c.Layer = r.Level
	}
	if r.Kind.UsesHead() {
		c.Head = r.Head
	}
	if r.Kind.UsesPatch() {
		p := r.Patch
		c.Patch = &p
	}
	var extra []string
	if r.Kind.UsesLevel() && !r.Kind.BlockLevels() && e.LevelName != "" && e.LevelName != "layer "+strconv.Itoa(r.Level) {
		extra = append(extra, e.LevelName)
	}
	if r.Kind == MapLabel && r.Label != nil {
		extra = append(extra, fmt.Sprintf("label %q (approximation: each patch pooled on its own)", r.Label.Text))
	}
	if n := e.Map.Norm; n != nil && r.Kind == MapNorm {
		extra = append(extra, fmt.Sprintf("feature norms, median %s; %d outliers above %g x median", viz.FormatValue(n.Median), len(n.Outliers), n.K))
	}
	if n := e.Map.Norm; n != nil && r.Kind == MapPositions {
		extra = append(extra, fmt.Sprintf("position embeddings: cosine to this patch's; %d norm outliers above %g x median", len(n.Outliers), n.K))
	}
	if r.Kind == MapPCA && e.Map.PCA != nil {
		x := e.Map.PCA.ExplainedRatio
		extra = append(extra, fmt.Sprintf("RGB = PC1 %.0f%%, PC2 %.0f%%, PC3 %.0f%% of variance", 100*x[0], 100*x[1], 100*x[2]))
	}
	c.Extra = strings.Join(extra, " | ")
	c.Model, c.Extra = ASCIIText(c.Model), ASCIIText(c.Extra)
	return c
}

// Picture draws the exported picture.
func (e *Export) Picture() (*image.NRGBA, error) {
	o := viz.ExportOptions{Overlay: e.Overlay, Caption: e.Caption()}
	if e.Map.Req.Kind.UsesPatch() {
		p := e.Map.Req.Patch
		o.Overlay.Cursor = &p
	} else {
		o.Overlay.Cursor = nil
	}
	layer := &viz.MapLayer{Grid: e.Map.Grid, Colormap: e.Colormap, Range: e.Map.Range, Colors: e.Map.Colors}
	return viz.CompositeDisplay(e.Image, layer, e.Display, o)
}

// Metadata is the JSON metadata of the export: what the map is, of which
// image and model.
func (e *Export) Metadata() map[string]any {
	r := e.Map.Req
	meta := map[string]any{"view": r.Kind.String(), "model": e.Model, "caption": e.Caption().Text(),
		"numbering": Numbering, "display": e.Display.String()}
	if r.Kind.UsesLevel() {
		meta["layer"] = r.Level
		meta["level_name"] = e.LevelName
	}
	if r.Kind.UsesHead() {
		if r.Head == viz.MeanHeads {
			meta["head"] = "mean"
		} else {
			meta["head"] = r.Head + 1
		}
	}
	if r.Kind.UsesPatch() {
		meta["patch"] = map[string]int{"row": r.Patch.Row, "col": r.Patch.Col}
	}
	if r.Kind == MapLabel && r.Label != nil {
		meta["label"] = r.Label.Text
		meta["prompt"] = r.Label.Prompt
		meta["approximation"] = "each patch's final features passed through the pooling head on its own (MaskCLIP-style), compared with the label's text embedding; values are logits"
		if e.Score != nil {
			meta["logit"] = viz.JSONFloat(e.Score.Logit)
			meta["probability"] = viz.JSONFloat(e.Score.Prob)
		}
		if len(r.Label.Unknown) > 0 {
			meta["unknown_words"] = r.Label.Unknown
			meta["unknown_words_note"] = "the model cannot know these words: this label's score and map say nothing about the image"
		}
	}
	if p := e.Map.PCA; p != nil {
		meta["values_are"] = "scores along the first principal component; all three are in pca_scores"
		scores := make([][3]viz.JSONFloat, len(p.Scores))
		for i, s := range p.Scores {
			scores[i] = [3]viz.JSONFloat{viz.JSONFloat(s[0]), viz.JSONFloat(s[1]), viz.JSONFloat(s[2])}
		}
		meta["pca_scores"] = scores
		meta["pca_explained_ratio"] = p.ExplainedRatio
	}
	if n := e.Map.Norm; n != nil {
		normMetadata(meta, r.Kind, n)
	}
	for k, v := range e.Meta {
		meta[k] = v
	}
	return meta
}

// OutlierJSON is one flagged patch in JSON.
type OutlierJSON struct {
	Row   int           `json:"row"`
	Col   int           `json:"col"`
	Norm  viz.JSONFloat `json:"norm"`
	Ratio viz.JSONFloat `json:"ratio"`
}

// OutliersJSON lists s's outliers for JSON (an empty list, not null,
// when there are none).
func OutliersJSON(s *NormStats) []OutlierJSON {
	out := []OutlierJSON{}
	for _, o := range s.Outliers {
		out = append(out, OutlierJSON{Row: o.Patch.Row, Col: o.Patch.Col, Norm: viz.JSONFloat(o.Norm), Ratio: viz.JSONFloat(o.Ratio)})
	}
	return out
}

// normMetadata adds what a norm or position map's JSON says beyond its
// values: the threshold, the median and the outliers (for positions also
// every position's norm).
func normMetadata(meta map[string]any, k MapKind, n *NormStats) {
	meta["outlier_k"] = n.K
	meta["median_norm"] = viz.JSONFloat(n.Median)
	meta["max_norm"] = viz.JSONFloat(n.Max)
	meta["outliers"] = OutliersJSON(n)
	switch k {
	case MapNorm:
		meta["values_are"] = "the L2 norm of each patch's features at this level"
		meta["outliers_are"] = fmt.Sprintf("patches whose norm exceeds outlier_k × median_norm (%g × %s), largest first", n.K, viz.FormatValue(n.Median))
	case MapPositions:
		meta["values_are"] = "the cosine similarity of the patch's position embedding to each position's"
		meta["outliers_are"] = fmt.Sprintf("positions whose embedding's norm exceeds outlier_k × median_norm (%g × %s), largest first", n.K, viz.FormatValue(n.Median))
		norms := make([]viz.JSONFloat, len(n.Norms))
		for i, v := range n.Norms {
			norms[i] = viz.JSONFloat(v)
		}
		meta["position_norms"] = norms
	}
}

// Write writes the picture to pngPath and, when jsonPath is not empty, the
// values to jsonPath, by internal/outfile's rule: a regular file is
// replaced whole or not at all, a device or pipe is written in place.
func (e *Export) Write(pngPath, jsonPath string) error {
	pic, err := e.Picture()
	if err != nil {
		return err
	}
	if err := outfile.Write(pngPath, func(w io.Writer) error { return viz.WritePNG(w, pic) }); err != nil {
		return err
	}
	if jsonPath == "" {
		return nil
	}
	return outfile.Write(jsonPath, func(w io.Writer) error { return viz.WriteHeatmapJSON(w, e.Map.Grid, e.Metadata()) })
}

// ExportBaseName is the file name (without extension) an export of r gets:
// the image's name, the view and what was selected, e.g.
// "cat.similarity.L3.r4c7" or "cat.label.cat-on-a-mat".
func ExportBaseName(image string, r MapRequest) string {
	base := strings.TrimSuffix(filepath.Base(image), filepath.Ext(image))
	if base == "" || base == "." || base == string(filepath.Separator) {
		base = "image"
	}
	parts := []string{base, r.Kind.String()}
	if r.Kind.UsesLevel() {
		parts = append(parts, "L"+strconv.Itoa(r.Level))
	}
	if r.Kind.UsesHead() {
		if r.Head == viz.MeanHeads {
			parts = append(parts, "hmean")
		} else {
			parts = append(parts, "h"+strconv.Itoa(r.Head+1))
		}
	}
	if r.Kind.UsesPatch() {
		parts = append(parts, fmt.Sprintf("r%dc%d", r.Patch.Row, r.Patch.Col))
	}
	if r.Kind == MapLabel && r.Label != nil {
		parts = append(parts, slug(r.Label.Text))
	}
	return strings.Join(parts, ".")
}

// slug keeps letters and digits of s, joined by '-', at most 40 bytes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		switch {
		case ok:
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	if b.Len() == 0 {
		return "label"
	}
	return b.String()
}

// ASCIIText replaces the typography the PNG caption font lacks.
var ASCIIText = strings.NewReplacer("—", "-", "–", "-", "…", "...", "×", "x", "→", "->", "≈", "~", "·", "-", "µ", "u", "−", "-", "≥", ">=").Replace

// FreeName returns the first of dir/base, dir/base-2, dir/base-3, … for
// which no file with any of the extensions exists, so a save never
// overwrites an earlier one: the caller adds each extension to it.
func FreeName(dir, base string, exts ...string) string {
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		taken := false
		for _, ext := range exts {
			if _, err := os.Lstat(filepath.Join(dir, name+ext)); err == nil {
				taken = true
				break
			}
		}
		if !taken {
			return filepath.Join(dir, name)
		}
	}
}
