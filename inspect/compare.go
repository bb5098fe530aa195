package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"math"
	"time"

	"github.com/disintegration/imaging"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// A comparison runs one image through several settings (a model at a
// NaFlex patch budget) and reports what each made of it. The compare
// screen and the headless compare command both describe a comparison
// with a CompareSpec.

// CompareSpec is one comparison: the image, the models, the settings
// (panes) and the labels.
type CompareSpec struct {
	// ImageName names the image in the output.
	ImageName string
	// LoadImage decodes it.
	LoadImage func() (*preprocess.Image, error)
	// Models are the models the settings refer to; each is loaded once.
	Models []ModelSource
	// Settings are the panes, in order.
	Settings []CompareSetting
	// Labels are scored in every setting; Prompt says how they become
	// prompts.
	Labels []string
	Prompt engine.PromptOptions
	// Clock measures timings (nil = time.Now).
	Clock func() time.Time
}

func (c *CompareSpec) now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

// Check reports a comparison that cannot run.
func (c *CompareSpec) Check() error {
	switch {
	case len(c.Settings) == 0:
		return fmt.Errorf("compare needs at least one setting (a model, or a NaFlex model with patch budgets)")
	case len(c.Settings) > MaxComparePanes:
		return fmt.Errorf("%d settings to compare; at most %d fit on a screen (and in memory)", len(c.Settings), MaxComparePanes)
	case c.LoadImage == nil:
		return fmt.Errorf("compare: no image")
	}
	for i, s := range c.Settings {
		if s.Model < 0 || s.Model >= len(c.Models) || c.Models[s.Model].Load == nil {
			return fmt.Errorf("compare: setting %d (%s) names no model", i+1, s.Name)
		}
	}
	return nil
}

// CompareLabelScore is one label's score in one setting.
type CompareLabelScore struct {
	Label  string        `json:"label"`
	Prompt string        `json:"prompt"`
	Logit  viz.JSONFloat `json:"logit"`
	Prob   viz.JSONFloat `json:"prob"`
}

// CompareSettingJSON is what one setting made of the image.
type CompareSettingJSON struct {
	Name       string `json:"name"`
	Model      string `json:"model"`
	Variant    string `json:"variant,omitempty"`
	MaxPatches int    `json:"max_patches,omitempty"`
	GridH      int    `json:"grid_h"`
	GridW      int    `json:"grid_w"`
	Patches    int    `json:"patches"`
	// Tokens is the sequence length the tower ran on, NaFlex padding
	// included.
	Tokens int `json:"tokens"`
	// Resized is the size (width, height) the image was resized to.
	Resized        [2]int              `json:"resized"`
	Layers         int                 `json:"layers"`
	Scores         []CompareLabelScore `json:"scores"`
	TimingsMS      map[string]float64  `json:"timings_ms"`
	InternalsBytes int64               `json:"internals_bytes"`
	// VisionOnly says why the setting's model cannot encode labels (no
	// tokenizer, or one the engine does not read); its scores are empty
	// and its image views work.
	VisionOnly string `json:"vision_only,omitempty"`
	Error      string `json:"error,omitempty"`
}

// CompareJSON is the headless compare output and the JSON saved beside an
// exported comparison.
type CompareJSON struct {
	Image     string               `json:"image"`
	ImageSize [2]int               `json:"image_size"`
	Labels    []string             `json:"labels"`
	Settings  []CompareSettingJSON `json:"settings"`
	Meta      map[string]any       `json:"meta,omitempty"`
}

// Write writes c as indented JSON.
func (c *CompareJSON) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("write compare json: %w", err)
	}
	return nil
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// SettingJSON describes one analysed setting: its grid, the label scores
// given (labels and scores pair up), its timings and memory.
func SettingJSON(set CompareSetting, modelName string, a *engine.Analysis, labels []engine.Label, scores []engine.Score, prep, vision, text time.Duration) CompareSettingJSON {
	rows, cols := a.Grid()
	s := CompareSettingJSON{Name: set.Name, Model: modelName, Variant: a.Model.Config.Variant.String(),
		GridH: rows, GridW: cols, Patches: rows * cols, Tokens: a.Tokens(),
		Resized: [2]int{a.Prepared.Resized.Width, a.Prepared.Resized.Height}, Layers: a.Layers(),
		TimingsMS:      map[string]float64{"preprocess": ms(prep), "vision": ms(vision), "text": ms(text)},
		InternalsBytes: InternalsBytes(a), Scores: []CompareLabelScore{}}
	if a.Model.Config.Variant == engine.NaFlex {
		s.MaxPatches = a.Tokens()
	}
	if err := a.Model.CanEncodeText(); err != nil {
		s.VisionOnly = err.Error()
	}
	for k := range min(len(labels), len(scores)) {
		s.Scores = append(s.Scores, CompareLabelScore{Label: labels[k].Text, Prompt: labels[k].Prompt,
			Logit: viz.JSONFloat(scores[k].Logit), Prob: viz.JSONFloat(scores[k].Prob)})
	}
	return s
}

// CompareHeadless runs every setting of cfg one after another, without a
// screen, and reports each one's grid, label scores, timings and memory.
// A setting that fails is reported with its error; the others still run.
func CompareHeadless(ctx context.Context, cfg CompareSpec) (*CompareJSON, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	img, err := cfg.LoadImage()
	if err != nil {
		return nil, err
	}
	out := &CompareJSON{Image: cfg.ImageName, ImageSize: [2]int{img.Width, img.Height}, Labels: append([]string{}, cfg.Labels...)}
	models := make([]*engine.Model, len(cfg.Models))
	errs := make([]error, len(cfg.Models))
	defer func() {
		for _, m := range models {
			if m != nil {
				m.Close()
			}
		}
	}()
	for _, set := range cfg.Settings {
		i := set.Model
		if models[i] == nil && errs[i] == nil {
			models[i], errs[i] = cfg.Models[i].Load()
		}
		res := CompareSettingJSON{Name: set.Name, Model: cfg.Models[i].Name, MaxPatches: set.MaxPatches}
		if errs[i] != nil {
			res.Error = errs[i].Error()
			out.Settings = append(out.Settings, res)
			continue
		}
		m := models[i]
		start := cfg.now()
		prepared, err := m.Prepare(img, set.MaxPatches)
		if err != nil {
			res.Error = err.Error()
			out.Settings = append(out.Settings, res)
			continue
		}
		mid := cfg.now()
		vis, err := m.EncodeImages(ctx, []engine.VisionInput{prepared.Input}, true)
		if err == nil {
			if err = m.CheckVision(ctx, []engine.VisionInput{prepared.Input}, vis); err != nil && vis.Internals != nil {
				vis.Internals.Release()
			}
		}
		if err != nil {
			res.Error = err.Error()
			out.Settings = append(out.Settings, res)
			continue
		}
		end := cfg.now()
		a := &engine.Analysis{Model: m, Source: img, Prepared: prepared, Vision: vis}
		var labels []engine.Label
		var scores []engine.Score
		var text time.Duration
		noText := m.CanEncodeText()
		if len(cfg.Labels) > 0 && noText == nil {
			t0 := cfg.now()
			if labels, _, err = m.EncodeLabels(ctx, cfg.Labels, cfg.Prompt); err == nil {
				scores, err = m.ScoreLabels(a.ImageEmbedding(), labels)
			}
			text = cfg.now().Sub(t0)
		}
		res = SettingJSON(set, cfg.Models[i].Name, a, labels, scores, mid.Sub(start), end.Sub(mid), text)
		if err != nil {
			res.Error = "labels: " + err.Error()
		}
		a.Release()
		out.Settings = append(out.Settings, res)
	}
	return out, nil
}

// MaxComparePanes bounds the number of settings of one comparison.
const MaxComparePanes = 8

// ModelSource is one model of a comparison; several settings may
// share it (it is loaded once).
type ModelSource struct {
	// Name names the model on screen and in exports.
	Name string
	// Load loads it (off the UI loop, through the gate).
	Load func() (*engine.Model, error)
}

// CompareSetting is one pane: a model at a patch budget.
type CompareSetting struct {
	// Name labels the pane ("base-naflex · 256", "fixed 224").
	Name string
	// Model indexes CompareConfig.Models.
	Model int
	// MaxPatches is the NaFlex patch budget (0: the checkpoint's);
	// fixed-resolution models ignore it.
	MaxPatches int
}

// WarmInternals reads every captured tensor the views use once, so later
// reads come from host memory.
func WarmInternals(a *engine.Analysis) error {
	for l := range a.FeatureLevels() {
		if _, err := a.Features(l); err != nil {
			return err
		}
	}
	if _, err := a.AttentionLayers(); err != nil {
		return err
	}
	_, err := a.PoolingAttention()
	return err
}

// ReceivedImage is the image as the model received it (its resized image,
// cropped to whole patches) and how its patch grid covers the original.
func ReceivedImage(a *engine.Analysis) (*image.NRGBA, viz.PatchCover) {
	rows, cols := a.Grid()
	r := a.Prepared.Resized
	p := a.Model.Config.Vision.PatchSize
	pic := NRGBA(r)
	if cols*p < r.Width || rows*p < r.Height {
		pic = pic.SubImage(image.Rect(0, 0, cols*p, rows*p)).(*image.NRGBA)
		pic = cloneNRGBA(pic)
	}
	return pic, viz.PatchCover{GridH: rows, GridW: cols, PixH: r.Height, PixW: r.Width, Patch: p}
}

func cloneNRGBA(src *image.NRGBA) *image.NRGBA {
	b := src.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		copy(out.Pix[y*out.Stride:y*out.Stride+4*b.Dx()], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
	}
	return out
}

// InternalsBytes is the size of what a forward pass captured: hidden
// states after every block, every block's attention probabilities, the
// pooling head's attention, and the final features.
func InternalsBytes(a *engine.Analysis) int64 {
	in := a.Vision.Internals
	if in == nil {
		return 0
	}
	t, d, h, l := int64(in.Tokens), int64(in.Hidden), int64(in.Heads), int64(in.Layers())
	return 4 * int64(in.Batch) * ((l+1)*t*d + l*h*t*t + h*t + t*d)
}

// PaneShot is one pane of a comparison as it is exported: the image as its
// model received it, the map shown over it (nil: none yet), the patch
// under the shared cursor and the pane's caption.
type PaneShot struct {
	Picture *image.NRGBA
	Map     *Map
	Patch   viz.Patch
	Caption string
}

// CompareExportHeight is the height every pane's picture is scaled to in
// an exported comparison, so patch grids compare at one scale.
const CompareExportHeight = 360

// ComparePicture draws an exported comparison: every pane scaled to one
// height (nearest neighbour, so patches stay crisp), shown as display d
// with its own colour bar and caption, side by side, under the header
// lines and over the label table.
func ComparePicture(panes []PaneShot, header, table []string, d viz.Display, cmap viz.Colormap, o viz.OverlayOptions) (*image.NRGBA, error) {
	var pics []*image.NRGBA
	for _, s := range panes {
		w := max(int(math.Round(float64(s.Picture.Rect.Dx())*CompareExportHeight/float64(s.Picture.Rect.Dy()))), 1)
		scaled := imaging.Resize(s.Picture, w, CompareExportHeight, imaging.NearestNeighbor)
		eo := viz.ExportOptions{MinLongSide: 1, Overlay: o, Caption: viz.Caption{Layer: viz.NoLayer, Head: viz.NoHead, Extra: s.Caption}}
		patch := s.Patch
		eo.Overlay.Cursor = &patch
		var layer *viz.MapLayer
		if s.Map != nil {
			layer = &viz.MapLayer{Grid: s.Map.Grid, Colormap: cmap, Range: s.Map.Range, Colors: s.Map.Colors}
		}
		pic, err := viz.CompositeDisplay(scaled, layer, d, eo)
		if err != nil {
			return nil, err
		}
		pics = append(pics, pic)
	}
	row := viz.HStack(12, pics...)
	w := row.Rect.Dx()
	return viz.VStack(0, viz.TextImage(header, w), row, viz.TextImage(table, w)), nil
}
