package inspect

import (
	"fmt"
	"image/color"
	"strings"
	"sync"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// MapKind is what a heatmap shows; the names are the heatmap command's
// --view values.
type MapKind int

const (
	// MapSimilarity is the cosine similarity of the query patch's features
	// to every patch's, at one feature level.
	MapSimilarity MapKind = iota
	// MapAttention is the query patch's attention to every patch in one
	// block, for one head or the mean over heads.
	MapAttention
	// MapPooling is the attention-pooling head's attention over the
	// patches: what the image embedding is built from.
	MapPooling
	// MapRollout is attention rollout from the query patch through the
	// blocks up to one layer.
	MapRollout
	// MapLabel is each patch's logit against a text label when the patch
	// is passed through the pooling head on its own (an approximation).
	MapLabel
	// MapPCA colours the patches by the first three principal components
	// of their features at one level.
	MapPCA
	// MapNorm is each patch's feature norm at one level, with the
	// outliers above k × the median flagged (Map.Norm).
	MapNorm
	// MapPositions is the cosine similarity of the query patch's position
	// embedding to every patch's, with the position embeddings' norms
	// (Map.Norm): the learned table of a fixed-resolution model, the
	// table resized to the image's grid for NaFlex.
	MapPositions
	numMapKinds
)

var mapKindNames = [numMapKinds]string{"similarity", "attention", "pooling", "rollout", "label", "pca", "norm", "positions"}

// String is the kind's command-line name.
func (k MapKind) String() string {
	if k >= 0 && k < numMapKinds {
		return mapKindNames[k]
	}
	return fmt.Sprintf("mapkind(%d)", int(k))
}

// ParseMapKind reads a --view value.
func ParseMapKind(s string) (MapKind, error) {
	for i, n := range mapKindNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return MapKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown view %q: use one of %s", s, strings.Join(mapKindNames[:], ", "))
}

// UsesPatch tells whether the kind depends on a query patch.
func (k MapKind) UsesPatch() bool {
	return k == MapSimilarity || k == MapAttention || k == MapRollout || k == MapPositions
}

// UsesHead tells whether the kind depends on an attention head.
func (k MapKind) UsesHead() bool { return k == MapAttention || k == MapPooling }

// UsesLevel tells whether the kind depends on a layer.
func (k MapKind) UsesLevel() bool { return k != MapPooling && k != MapLabel && k != MapPositions }

// UsesOutlierK tells whether the kind flags outliers (MapRequest.OutlierK).
func (k MapKind) UsesOutlierK() bool { return k == MapNorm || k == MapPositions }

// BlockLevels tells whether the kind's level counts transformer blocks
// (1…L: block k's attention produces hidden state k) rather than feature
// levels (0 = embeddings … L = last block, L+1 = after the final LayerNorm).
func (k MapKind) BlockLevels() bool { return k == MapAttention || k == MapRollout }

// MapRequest names one heatmap of one analysed image.
type MapRequest struct {
	Kind MapKind
	// Level is a feature level (similarity, PCA: 0…L+1) or a block
	// (attention, rollout: 1…L); see MapKind.BlockLevels.
	Level int
	// Head is an attention head (0-based) or viz.MeanHeads.
	Head int
	// Patch is the query patch.
	Patch viz.Patch
	// Label is the text label of a label map.
	Label *engine.Label
	// OutlierK is the outlier threshold of norm and position maps (a
	// patch is flagged above OutlierK × the median norm); 0 means
	// DefaultOutlierK.
	OutlierK float64
}

// K is the request's outlier threshold, DefaultOutlierK when not set.
func (r MapRequest) K() float64 {
	if r.OutlierK == 0 {
		return DefaultOutlierK
	}
	return r.OutlierK
}

// Numbering says, in every JSON export, how its numbers count: layers
// and heads from 1, as the screens count them; patch rows and columns and
// array indices from 0.
const Numbering = "layers and heads count from 1 (layer 0 = the patch embeddings); patch rows, columns and array indices count from 0"

// MapKey is a MapRequest reduced to what changes the map: screens cache
// computed maps under it.
type MapKey struct {
	kind  MapKind
	level int
	head  int
	patch viz.Patch
	label string
	k     float64
}

// NoMapKey is the key of no map: a screen that wants none compares
// computed maps' keys against it and finds no match.
var NoMapKey = MapKey{kind: -1}

// Key is r reduced to what changes the map.
func (r MapRequest) Key() MapKey {
	k := MapKey{kind: r.Kind}
	if r.Kind.UsesLevel() {
		k.level = r.Level
	}
	if r.Kind.UsesHead() {
		k.head = r.Head
	}
	if r.Kind.UsesPatch() {
		k.patch = r.Patch
	}
	if r.Kind == MapLabel && r.Label != nil {
		k.label = r.Label.Prompt
	}
	if r.Kind.UsesOutlierK() {
		k.k = r.K()
	}
	return k
}

// Map is one computed heatmap: a scalar map with its range, or (PCA) a map
// of colours.
type Map struct {
	Req MapRequest
	// Grid holds the scalar values (for PCA: the first component's scores).
	Grid viz.Grid
	// Range is what the colours span: the finite min and max of Grid,
	// leaving out the query patch's own value for kinds with one (a patch
	// is most similar to itself and attends much to itself, which would
	// wash out the rest of the map; it is drawn at the top colour).
	Range viz.Range
	// Colors is the PCA colouring; nil for scalar maps.
	Colors *viz.ColorGrid
	// PCA is the decomposition behind Colors.
	PCA *viz.PCA
	// Norm holds the norms and outliers of a norm map (the features'
	// norms, which are also Grid) or a position map (the position
	// embeddings' norms); nil for the other kinds.
	Norm *NormStats
}

// Value returns the map's value at patch p, formatted for the screen.
func (m *Map) Value(p viz.Patch) string {
	i := p.Row*m.Grid.W + p.Col
	if p.Row < 0 || p.Col < 0 || p.Row >= m.Grid.H || p.Col >= m.Grid.W {
		return "n/a"
	}
	if m.PCA != nil {
		s := m.PCA.Scores[i]
		return fmt.Sprintf("%s, %s, %s", viz.FormatValue(s[0]), viz.FormatValue(s[1]), viz.FormatValue(s[2]))
	}
	return viz.FormatValue(m.Grid.Values[i])
}

// Maps computes heatmaps from one Analysis. It only reads captured
// internals; the one-off costs (rollout matrices, PCA of a level, patch
// embeddings for label maps) are computed on first use and kept. It is safe
// for concurrent use.
type Maps struct {
	a             *engine.Analysis
	rows, cols    int
	valid         int
	layers        int
	heads         int
	tokens        int
	mu            sync.Mutex
	rollout       *viz.Rollout
	pca           map[int]*viz.PCA
	patchEmbReady bool
	positions     []float32 // the grid's position embeddings, once read
}

// NewMaps prepares map computation for a.
func NewMaps(a *engine.Analysis) *Maps {
	rows, cols := a.Grid()
	return &Maps{a: a, rows: rows, cols: cols, valid: a.Valid(), layers: a.Layers(), heads: a.Heads(),
		tokens: a.Tokens(), pca: map[int]*viz.PCA{}}
}

// Analysis is the analysis the maps read.
func (m *Maps) Analysis() *engine.Analysis { return m.a }

// Grid is the patch grid (rows, columns).
func (m *Maps) Grid() (rows, cols int) { return m.rows, m.cols }

// LevelRange is the range of levels a kind accepts.
func (m *Maps) LevelRange(k MapKind) (lo, hi int) {
	if k.BlockLevels() {
		return 1, m.layers
	}
	return 0, m.layers + 1
}

// Check reports a request outside the analysis (a level, head or patch out
// of range, a missing label), with what the valid values are.
func (m *Maps) Check(r MapRequest) error {
	if r.Kind < 0 || r.Kind >= numMapKinds {
		return fmt.Errorf("unknown map kind %d", int(r.Kind))
	}
	if r.Kind.UsesLevel() {
		lo, hi := m.LevelRange(r.Kind)
		if r.Level < lo || r.Level > hi {
			if r.Kind.BlockLevels() {
				return fmt.Errorf("%s: layer %d is outside %d…%d (1 = first block, %d = last block)", r.Kind, r.Level, lo, hi, hi)
			}
			return fmt.Errorf("%s: layer %d is outside %d…%d (0 = embeddings, %d = last block, %d = after the final LayerNorm)",
				r.Kind, r.Level, lo, hi, m.layers, m.layers+1)
		}
	}
	if r.Kind.UsesHead() && r.Head != viz.MeanHeads && (r.Head < 0 || r.Head >= m.heads) {
		return fmt.Errorf("%s: head %d is outside 1…%d (or the mean over heads)", r.Kind, r.Head+1, m.heads)
	}
	if r.Kind.UsesPatch() && (r.Patch.Row < 0 || r.Patch.Row >= m.rows || r.Patch.Col < 0 || r.Patch.Col >= m.cols) {
		return fmt.Errorf("%s: patch (%d,%d) is outside the %d×%d patch grid (rows 0…%d, columns 0…%d)",
			r.Kind, r.Patch.Row, r.Patch.Col, m.rows, m.cols, m.rows-1, m.cols-1)
	}
	if r.Kind == MapLabel && (r.Label == nil || len(r.Label.Embed) == 0) {
		return fmt.Errorf("label map: no encoded label given")
	}
	if r.Kind.UsesOutlierK() {
		if err := CheckOutlierK(r.K()); err != nil {
			return fmt.Errorf("%s: %w", r.Kind, err)
		}
	}
	return nil
}

// Cheap tells whether Compute answers r without one-off work, quickly
// enough to run inside a key press (≤ a few milliseconds at 1024 patches).
func (m *Maps) Cheap(r MapRequest) bool {
	switch r.Kind {
	case MapSimilarity, MapAttention, MapPooling, MapNorm, MapPositions:
		return true
	case MapLabel:
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.patchEmbReady
	case MapPCA:
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.pca[r.Level] != nil
	}
	return false // rollout rows cost (L+1)·V² even once prepared
}

// Compute returns the map r asks for.
func (m *Maps) Compute(r MapRequest) (*Map, error) {
	if err := m.Check(r); err != nil {
		return nil, err
	}
	query := r.Patch.Row*m.cols + r.Patch.Col
	var vals []float32
	var err error
	switch r.Kind {
	case MapSimilarity:
		var f []float32
		if f, err = m.a.Features(r.Level); err == nil {
			vals, err = viz.SimilarityMap(f, m.a.Hidden(), m.valid, query)
		}
	case MapAttention:
		var attn []float32
		if attn, err = m.a.Attention(r.Level - 1); err == nil {
			vals, err = viz.AttentionRow(attn, m.heads, m.tokens, m.valid, query, r.Head)
		}
	case MapPooling:
		var attn []float32
		if attn, err = m.a.PoolingAttention(); err == nil {
			vals, err = viz.PoolingAttention(attn, m.heads, m.tokens, m.valid, r.Head)
		}
	case MapRollout:
		var ro *viz.Rollout
		if ro, err = m.Rollout(); err == nil {
			vals, err = ro.Row(r.Level-1, query)
		}
	case MapLabel:
		if vals, err = m.a.LabelMap(r.Label.Embed); err == nil {
			m.mu.Lock()
			m.patchEmbReady = true
			m.mu.Unlock()
		}
	case MapPCA:
		return m.pcaMap(r)
	case MapNorm:
		return m.normMap(r)
	case MapPositions:
		return m.positionMap(r)
	}
	if err != nil {
		return nil, err
	}
	g := viz.Grid{H: m.rows, W: m.cols, Values: vals}
	return &Map{Req: r, Grid: g, Range: rangeWithout(vals, query, r.Kind.UsesPatch())}, nil
}

// Rollout returns the rollout over every block, prepared on first use.
func (m *Maps) Rollout() (*viz.Rollout, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rollout != nil {
		return m.rollout, nil
	}
	layers, err := m.a.AttentionLayers()
	if err != nil {
		return nil, err
	}
	ro, err := viz.NewRollout(layers, m.heads, m.tokens, m.valid)
	if err != nil {
		return nil, err
	}
	m.rollout = ro
	return ro, nil
}

// normMap is the features' norms at the request's level, outliers flagged.
func (m *Maps) normMap(r MapRequest) (*Map, error) {
	f, err := m.a.Features(r.Level)
	if err != nil {
		return nil, err
	}
	s, err := ComputeNorms(f, m.a.Hidden(), m.rows, m.cols, r.K())
	if err != nil {
		return nil, err
	}
	return &Map{Req: r, Grid: viz.Grid{H: m.rows, W: m.cols, Values: s.Norms}, Range: viz.MinMax(s.Norms), Norm: s}, nil
}

// positionMap is the query position's cosine similarity to every
// position of the grid, with the positions' norms.
func (m *Maps) positionMap(r MapRequest) (*Map, error) {
	pos, err := m.Positions()
	if err != nil {
		return nil, err
	}
	d := m.a.Hidden()
	query := r.Patch.Row*m.cols + r.Patch.Col
	vals, err := viz.SimilarityMap(pos, d, m.valid, query)
	if err != nil {
		return nil, err
	}
	s, err := ComputeNorms(pos, d, m.rows, m.cols, r.K())
	if err != nil {
		return nil, err
	}
	return &Map{Req: r, Grid: viz.Grid{H: m.rows, W: m.cols, Values: vals}, Range: rangeWithout(vals, query, true), Norm: s}, nil
}

// Positions returns the position embeddings the vision tower added to
// this grid (valid × hidden): the learned table of a fixed-resolution
// model, the table resized to the grid for NaFlex. Read once.
func (m *Maps) Positions() ([]float32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.positions == nil {
		pos, err := m.a.Positions()
		if err != nil {
			return nil, err
		}
		m.positions = pos
	}
	return m.positions, nil
}

func (m *Maps) pcaMap(r MapRequest) (*Map, error) {
	m.mu.Lock()
	p := m.pca[r.Level]
	m.mu.Unlock()
	if p == nil {
		f, err := m.a.Features(r.Level)
		if err != nil {
			return nil, err
		}
		if p, err = viz.PCA3(f, m.a.Hidden(), m.valid); err != nil {
			return nil, err
		}
		m.mu.Lock()
		m.pca[r.Level] = p
		m.mu.Unlock()
	}
	first := make([]float32, len(p.Scores))
	for i, s := range p.Scores {
		first[i] = s[0]
	}
	colors := &viz.ColorGrid{H: m.rows, W: m.cols, Colors: append([]color.NRGBA(nil), p.RGB...)}
	return &Map{Req: r, Grid: viz.Grid{H: m.rows, W: m.cols, Values: first}, Range: viz.MinMax(first), Colors: colors, PCA: p}, nil
}

// rangeWithout is the min and max of vals, leaving out vals[skip] when
// leave is set and there are other values.
func rangeWithout(vals []float32, skip int, leave bool) viz.Range {
	if !leave || len(vals) < 2 {
		return viz.MinMax(vals)
	}
	lo, hi := viz.MinMax(vals[:skip]), viz.MinMax(vals[skip+1:])
	switch {
	case !lo.Valid():
		return hi
	case !hi.Valid():
		return lo
	}
	return viz.Range{Min: min(lo.Min, hi.Min), Max: max(lo.Max, hi.Max)}
}
