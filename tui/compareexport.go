package tui

import (
	"encoding/json"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/disintegration/imaging"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

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
	Error          string              `json:"error,omitempty"`
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

// settingJSON describes one analysed setting.
func settingJSON(set CompareSetting, modelName string, a *engine.Analysis, labels []engine.Label, scores []engine.Score, prep, vision, text time.Duration) CompareSettingJSON {
	rows, cols := a.Grid()
	s := CompareSettingJSON{Name: set.Name, Model: modelName, Variant: a.Model.Config.Variant.String(),
		GridH: rows, GridW: cols, Patches: rows * cols, Tokens: a.Tokens(),
		Resized: [2]int{a.Prepared.Resized.Width, a.Prepared.Resized.Height}, Layers: a.Layers(),
		TimingsMS:      map[string]float64{"preprocess": ms(prep), "vision": ms(vision), "text": ms(text)},
		InternalsBytes: internalsBytes(a), Scores: []CompareLabelScore{}}
	if a.Model.Config.Variant == engine.NaFlex {
		s.MaxPatches = a.Tokens()
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
func CompareHeadless(cfg CompareConfig) (*CompareJSON, error) {
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
		vis, err := m.EncodeImages([]engine.VisionInput{prepared.Input}, true)
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
		if len(cfg.Labels) > 0 {
			t0 := cfg.now()
			if labels, _, err = m.EncodeLabels(cfg.Labels, cfg.Prompt); err == nil {
				scores, err = m.ScoreLabels(a.ImageEmbedding(), labels)
			}
			text = cfg.now().Sub(t0)
		}
		res = settingJSON(set, cfg.Models[i].Name, a, labels, scores, mid.Sub(start), end.Sub(mid), text)
		if err != nil {
			res.Error = "labels: " + err.Error()
		}
		a.Release()
		out.Settings = append(out.Settings, res)
	}
	return out, nil
}

// json describes the panes as they are now.
func (m *CompareModel) json() *CompareJSON {
	out := &CompareJSON{Image: m.sh.cfg.ImageName, Labels: m.labels.Texts()}
	if m.img != nil {
		out.ImageSize = [2]int{m.img.Width, m.img.Height}
	}
	for _, p := range m.panes {
		name := m.slots[p.set.Model].src.Name
		if p.stage != paneReady {
			s := CompareSettingJSON{Name: p.set.Name, Model: name, MaxPatches: p.set.MaxPatches}
			if p.err != nil {
				s.Error = p.err.Error()
			}
			out.Settings = append(out.Settings, s)
			continue
		}
		var labels []engine.Label
		var scores []engine.Score
		if p.labelGen == m.labels.gen {
			labels, scores = p.labels, p.scores
		}
		out.Settings = append(out.Settings, settingJSON(p.set, name, p.analysis, labels, scores, p.prep, p.vision, p.text))
	}
	return out
}

// exportHeight is the height every pane's picture is scaled to in an
// exported comparison, so patch grids compare at one scale.
const exportHeight = 360

// export saves the whole comparison as one PNG (every pane with its map,
// colour bar and caption, the label table under them) and its numbers as
// JSON.
func (m *CompareModel) export() tea.Cmd {
	ready := m.ready()
	if len(ready) == 0 {
		m.setMessage("nothing to save yet: wait until a pane shows", true)
		return nil
	}
	for _, i := range ready {
		if r, ok := m.request(i); ok && (m.panes[i].cur == nil || m.panes[i].cur.Req.key() != r.key()) {
			m.setMessage("a pane's map is still being computed: press s again when every pane shows it", true)
			return nil
		}
	}
	if m.exporting {
		m.setMessage("still saving the previous comparison…", false)
		return nil
	}
	type paneShot struct {
		pic     *image.NRGBA
		cur     *Map
		patch   viz.Patch
		caption string
	}
	var shots []paneShot
	for _, i := range ready {
		p := m.panes[i]
		shots = append(shots, paneShot{pic: p.pic, cur: p.cur, patch: m.panePatch(i), caption: m.exportCaption(i)})
	}
	header := []string{
		fmt.Sprintf("siglip2-tui compare: %s (%dx%d) - %s", filepath.Base(m.sh.cfg.ImageName), m.img.Width, m.img.Height, m.viewTitle()),
		strings.TrimSpace(m.levelText() + "  cursor at " + m.point.String() + " of the image"),
	}
	if m.sh.cfg.Demo {
		header = append(header, "demo: the built-in toy SigLIP 2, trained on coloured shapes only")
	}
	table := m.exportTable()
	disp := m.disp
	js := m.json()
	view := strings.ToLower(viewNames[m.view])
	base := strings.TrimSuffix(filepath.Base(m.sh.cfg.ImageName), filepath.Ext(m.sh.cfg.ImageName))
	if base == "" || base == "." {
		base = "image"
	}
	base = fmt.Sprintf("%s.compare.%s", base, view)
	if m.kind().UsesLevel() && m.level >= 0 {
		base += fmt.Sprintf(".L%d", m.refLevel(m.kind()))
	}
	dir := m.sh.cfg.ExportDir
	m.exporting = true
	m.setMessage("saving…", false)
	return tea.Batch(func() tea.Msg {
		var pics []*image.NRGBA
		for _, s := range shots {
			w := max(int(math.Round(float64(s.pic.Rect.Dx())*exportHeight/float64(s.pic.Rect.Dy()))), 1)
			scaled := imaging.Resize(s.pic, w, exportHeight, imaging.NearestNeighbor)
			o := viz.ExportOptions{MinLongSide: 1, Caption: viz.Caption{Layer: viz.NoLayer, Head: viz.NoHead, Extra: s.caption},
				Overlay: viz.OverlayOptions{Opacity: disp.opacity, Smooth: disp.smooth, GridLines: disp.grid}}
			patch := s.patch
			o.Overlay.Cursor = &patch
			var pic *image.NRGBA
			var err error
			switch {
			case s.cur == nil:
				o.Overlay.Opacity = 0
				rows, cols := 1, 1
				pic, err = viz.Composite(scaled, viz.Grid{H: rows, W: cols, Values: nanGrid(1)}, disp.cmap, viz.Range{}, viz.ExportOptions{MinLongSide: 1, Caption: o.Caption})
			case s.cur.Colors != nil:
				pic, err = viz.CompositeRGB(scaled, *s.cur.Colors, o)
			default:
				pic, err = viz.Composite(scaled, s.cur.Grid, disp.cmap, s.cur.Range, o)
			}
			if err != nil {
				return exportMsg{err: fmt.Errorf("save: %w", err)}
			}
			pics = append(pics, pic)
		}
		row := viz.HStack(12, pics...)
		w := row.Rect.Dx()
		full := viz.VStack(0, viz.TextImage(header, w), row, viz.TextImage(table, w))
		png := filepath.Join(dir, base+".png")
		jsPath := filepath.Join(dir, base+".json")
		if err := writeAtomic(png, func(f *os.File) error { return viz.WritePNG(f, full) }); err != nil {
			return exportMsg{err: fmt.Errorf("save: %w", err)}
		}
		if err := writeAtomic(jsPath, func(f *os.File) error { return js.Write(f) }); err != nil {
			return exportMsg{err: fmt.Errorf("save: %w", err)}
		}
		return exportMsg{png: png, json: jsPath}
	}, m.spinner.Tick)
}

// exportCaption is pane i's caption in an export.
func (m *CompareModel) exportCaption(i int) string {
	p := m.panes[i]
	rows, cols := p.analysis.Grid()
	parts := []string{fmt.Sprintf("#%d %s", i+1, p.set.Name), fmt.Sprintf("%dx%d grid = %d patches", rows, cols, rows*cols)}
	if t := p.analysis.Tokens(); t > rows*cols {
		parts[1] += fmt.Sprintf(" (+%d padding)", t-rows*cols)
	}
	r := p.analysis.Prepared.Resized
	parts = append(parts, fmt.Sprintf("seen at %dx%d", r.Width, r.Height))
	k := m.kind()
	if k.UsesLevel() {
		parts = append(parts, fmt.Sprintf("layer %d of %d", m.paneLevel(i, k), p.analysis.Layers()))
	}
	if k.UsesPatch() {
		c := m.panePatch(i)
		parts = append(parts, fmt.Sprintf("patch (%d,%d)", c.Row, c.Col))
	}
	if k == MapLabel {
		if l := m.selectedLabel(i); l != nil {
			parts = append(parts, fmt.Sprintf("label %q", l.Text))
		}
	}
	parts = append(parts, fmt.Sprintf("vision %s, internals %s", formatDuration(p.vision), formatBytes(p.internals)))
	return asciiText(strings.Join(parts, " | "))
}

// exportTable is the label table as text lines for the picture.
func (m *CompareModel) exportTable() []string {
	if len(m.labels.items) == 0 {
		return []string{"no labels"}
	}
	head := []string{"label"}
	for i := range m.panes {
		head = append(head, fmt.Sprintf("#%d p (logit)", i+1))
	}
	head = append(head, "spread of logits")
	rows := [][]string{head}
	for k, it := range m.labels.items {
		row := []string{it.text}
		lo, hi, n := math.Inf(1), math.Inf(-1), 0
		for i := range m.panes {
			s := m.labelScores(i)
			if s == nil {
				row = append(row, "-")
				continue
			}
			best := true
			for _, v := range s {
				if v > s[k] {
					best = false
				}
			}
			cell := fmt.Sprintf("%s (%+.2f)", formatProb(m.panes[i].scores[k].Prob), s[k])
			if best {
				cell += " top"
			}
			row = append(row, cell)
			lo, hi = math.Min(lo, s[k]), math.Max(hi, s[k])
			n++
		}
		if n >= 2 {
			row = append(row, fmt.Sprintf("%.2f", hi-lo))
		}
		rows = append(rows, row)
	}
	return append([]string{"Label scores (sigmoid probability, each label on its own; 'top' = the pane's best label)"}, viz.TextTable(rows)...)
}

// baseName is filepath.Base, for messages.
func baseName(p string) string { return filepath.Base(p) }
