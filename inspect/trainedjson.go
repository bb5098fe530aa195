package inspect

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The JSON forms of the global–local, masked-context and correspondence
// reports (the globallocal, context and correspond commands' --json, and
// the file the explorer saves beside each picture). Levels are numbered as
// everywhere: 0 = the patch embeddings, 1…L = the blocks, L+1 = after the
// final LayerNorm; patches are [row, column] counted from 0.

// TrainedDefinitions say what each number of the three reports is.
var TrainedDefinitions = map[string]string{
	"crop":       "the box [X0, X1) x [Y0, Y1) of the original image in pixels, cut exactly as PIL's Image.crop and then processed as an image of its own (the model's own resize for fixed resolution, NaFlex sizing at the same patch budget for NaFlex)",
	"match":      "for crop patch (i, j): the whole image's patch (floor(y*rows_full/H), floor(x*cols_full/W)) that holds the crop patch's centre x = X0 + (j + 0.5)*(X1 - X0)/cols_crop, y = Y0 + (i + 0.5)*(Y1 - Y0)/rows_crop mapped back into the W x H original image",
	"cosine":     "cosine similarity of two patches' feature vectors at one level",
	"baseline":   "mean cosine similarity of a crop patch to every patch of the whole image: what a match by chance gives",
	"dropped":    "patches whose tokens are removed from the sequence, so no layer and not the pooling head can attend to them; kept patches keep their own position embeddings",
	"dependence": "most_dependent lists the kept patches whose features changed most (lowest cosine to their features in the whole image) at that level",
	"similarity": "cosine similarity of the chosen patch of A to every patch of B at the chosen level",
	"best":       "the patch of B most similar to the chosen patch of A",
	"mutual":     "the number of patches of A whose best match in B has that patch of A as its own best match (mutual nearest neighbours), out of mutual_of",
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any, what string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write %s json: %w", what, err)
	}
	return nil
}

// GlobalLocalLevelJSON is one level of GlobalLocalJSON.
type GlobalLocalLevelJSON struct {
	Layer    int               `json:"layer"`
	Name     string            `json:"name"`
	Mean     viz.JSONFloat     `json:"mean"`
	Baseline viz.JSONFloat     `json:"baseline"`
	Cosine   [][]viz.JSONFloat `json:"cosine"`
}

// GlobalLocalJSON is the JSON form of a GlobalLocalReport.
type GlobalLocalJSON struct {
	Meta        map[string]any         `json:"meta"`
	Numbering   string                 `json:"numbering"`
	Definitions map[string]string      `json:"definitions"`
	ImageSize   [2]int                 `json:"image_size"`
	Crop        [4]int                 `json:"crop"`
	CropResized [2]int                 `json:"crop_resized"`
	GridFull    [2]int                 `json:"grid_full"`
	GridCrop    [2]int                 `json:"grid_crop"`
	Match       [][][2]int             `json:"match"`
	Layers      []GlobalLocalLevelJSON `json:"layers"`
	Labels      []map[string]any       `json:"labels,omitempty"`
}

// JSON returns the report's JSON form with meta (image, model, …).
func (r *GlobalLocalReport) JSON(meta map[string]any) GlobalLocalJSON {
	out := GlobalLocalJSON{Meta: meta, Numbering: Numbering, Definitions: pick(TrainedDefinitions, "crop", "match", "cosine", "baseline"),
		ImageSize: [2]int{r.ImageW, r.ImageH}, Crop: [4]int{r.Box.X0, r.Box.Y0, r.Box.X1, r.Box.Y1}, CropResized: [2]int{r.CropW, r.CropH},
		GridFull: [2]int{r.FullRows, r.FullCols}, GridCrop: [2]int{r.CropRows, r.CropCols}}
	for i := range r.CropRows {
		row := make([][2]int, r.CropCols)
		for j := range row {
			p := r.Match[i*r.CropCols+j]
			row[j] = [2]int{p.Row, p.Col}
		}
		out.Match = append(out.Match, row)
	}
	for _, l := range r.Levels {
		out.Layers = append(out.Layers, GlobalLocalLevelJSON{Layer: l.Level, Name: l.Name, Mean: viz.JSONFloat(l.Mean),
			Baseline: viz.JSONFloat(l.Baseline), Cosine: gridRows(l.Cosine, r.CropCols)})
	}
	if len(r.Labels) > 0 {
		out.Labels = shiftsJSON(r.Labels, "crop")
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r *GlobalLocalReport) WriteJSON(w io.Writer, meta map[string]any) error {
	return writeJSON(w, r.JSON(meta), "global-local")
}

// ContextLevelJSON is one level of ContextJSON.
type ContextLevelJSON struct {
	Layer         int               `json:"layer"`
	Name          string            `json:"name"`
	Mean          viz.JSONFloat     `json:"mean"`
	Cosine        [][]viz.JSONFloat `json:"cosine"`
	MostDependent []PatchValueJSON  `json:"most_dependent"`
}

// PatchValueJSON is a patch and a value at it.
type PatchValueJSON struct {
	Patch [2]int        `json:"patch"`
	Value viz.JSONFloat `json:"cosine"`
}

// ContextJSON is the JSON form of a ContextReport.
type ContextJSON struct {
	Meta        map[string]any     `json:"meta"`
	Numbering   string             `json:"numbering"`
	Definitions map[string]string  `json:"definitions"`
	Grid        [2]int             `json:"grid"`
	Dropped     [][2]int           `json:"dropped"`
	Kept        int                `json:"kept"`
	Layers      []ContextLevelJSON `json:"layers"`
	Labels      []map[string]any   `json:"labels,omitempty"`
}

// MostDependentShown is how many patches each level of the JSON lists as
// most dependent on the dropped context.
const MostDependentShown = 5

// JSON returns the report's JSON form with meta (image, model, how the
// patches were chosen, …).
func (r *ContextReport) JSON(meta map[string]any) ContextJSON {
	out := ContextJSON{Meta: meta, Numbering: Numbering, Definitions: pick(TrainedDefinitions, "dropped", "cosine", "dependence"),
		Grid: [2]int{r.GridH, r.GridW}, Dropped: [][2]int{}, Kept: len(r.Kept)}
	for _, p := range r.Dropped {
		out.Dropped = append(out.Dropped, [2]int{p / r.GridW, p % r.GridW})
	}
	for _, l := range r.Levels {
		lj := ContextLevelJSON{Layer: l.Level, Name: l.Name, Mean: viz.JSONFloat(l.Mean), Cosine: gridRows(l.Cosine, r.GridW), MostDependent: []PatchValueJSON{}}
		for _, p := range r.MostDependent(l.Level, MostDependentShown) {
			lj.MostDependent = append(lj.MostDependent, PatchValueJSON{Patch: [2]int{p / r.GridW, p % r.GridW}, Value: viz.JSONFloat(l.Cosine[p])})
		}
		out.Layers = append(out.Layers, lj)
	}
	if len(r.Labels) > 0 {
		out.Labels = shiftsJSON(r.Labels, "masked")
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r *ContextReport) WriteJSON(w io.Writer, meta map[string]any) error {
	return writeJSON(w, r.JSON(meta), "masked-context")
}

// CorrespondJSON is the JSON form of a correspondence from one patch of A.
type CorrespondJSON struct {
	Meta           map[string]any    `json:"meta"`
	Numbering      string            `json:"numbering"`
	Definitions    map[string]string `json:"definitions"`
	GridA          [2]int            `json:"grid_a"`
	GridB          [2]int            `json:"grid_b"`
	Layer          int               `json:"layer"`
	Name           string            `json:"name"`
	Patch          [2]int            `json:"patch"`
	Similarity     [][]viz.JSONFloat `json:"similarity"`
	Best           [2]int            `json:"best"`
	BestSimilarity viz.JSONFloat     `json:"best_similarity"`
	BestIsMutual   bool              `json:"best_is_mutual"`
	Mutual         int               `json:"mutual"`
	MutualOf       int               `json:"mutual_of"`
}

// JSON returns the correspondence from A's patch p (row-major) in JSON
// form, with meta (images, model, …).
func (r *CorrespondReport) JSON(p viz.Patch, meta map[string]any) (CorrespondJSON, error) {
	if p.Row < 0 || p.Row >= r.RowsA || p.Col < 0 || p.Col >= r.ColsA {
		return CorrespondJSON{}, fmt.Errorf("patch %d,%d is outside image A's %d×%d patch grid", p.Row, p.Col, r.RowsA, r.ColsA)
	}
	i := p.Row*r.ColsA + p.Col
	row := r.Row(i)
	vals := make([]float64, len(row))
	for j, v := range row {
		vals[j] = float64(v)
	}
	best := r.Best(i)
	return CorrespondJSON{Meta: meta, Numbering: Numbering, Definitions: pick(TrainedDefinitions, "cosine", "similarity", "best", "mutual"),
		GridA: [2]int{r.RowsA, r.ColsA}, GridB: [2]int{r.RowsB, r.ColsB}, Layer: r.Level, Name: r.Name,
		Patch: [2]int{p.Row, p.Col}, Similarity: gridRows(vals, r.ColsB), Best: [2]int{best.Row, best.Col},
		BestSimilarity: viz.JSONFloat(row[r.BestA[i]]), BestIsMutual: r.IsMutual(i), Mutual: r.Mutual, MutualOf: r.RowsA * r.ColsA}, nil
}

// WriteJSON writes the correspondence from A's patch p as indented JSON.
func (r *CorrespondReport) WriteJSON(w io.Writer, p viz.Patch, meta map[string]any) error {
	j, err := r.JSON(p, meta)
	if err != nil {
		return err
	}
	return writeJSON(w, j, "correspondence")
}

// pick returns the entries of m named by keys.
func pick(m map[string]string, keys ...string) map[string]string {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}
