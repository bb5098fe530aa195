package inspect

import (
	"context"
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// The locality numbers of one image: for every feature level, how the
// cosine similarity of patch pairs depends on their distance on the patch
// grid (see viz.LocalityStats for the definitions), the same for the
// image's left-right mirror (which tells content from position), and for
// the position embeddings alone as a reference. The locality view, its
// lesson and the headless locality command all read a LocalityReport.

// LocalityLevel is one feature level's numbers.
type LocalityLevel struct {
	Level int
	Name  string
	Curve viz.DistanceCurve
	Stats viz.Locality
	// MirrorCurve and MirrorStats are the same numbers for the mirrored
	// image; Match compares the two images patch by patch. HasMirror is
	// false when the mirror could not be analysed (MirrorErr says why).
	HasMirror   bool
	MirrorCurve viz.DistanceCurve
	MirrorStats viz.Locality
	Match       viz.MirrorMatch
}

// LocalityReport is everything known so far about one analysed image.
type LocalityReport struct {
	GridH, GridW int
	// Layers is the number of blocks; levels run 0…Layers+1.
	Layers int
	// Levels[l] is level l's numbers, nil until computed.
	Levels []*LocalityLevel
	// HasPositions tells whether the position reference is computed.
	HasPositions  bool
	PositionCurve viz.DistanceCurve
	PositionStats viz.Locality
	// Pooling is where the pooling head looks (mean over heads);
	// HasPooling tells whether it is computed.
	HasPooling bool
	Pooling    viz.PoolingFocus
	// MirrorErr is why the mirrored image could not be compared, if so.
	MirrorErr error
	// Done counts the finished steps of the job that fills the report.
	Done, Steps int
}

// Complete tells whether every step has finished.
func (r *LocalityReport) Complete() bool { return r != nil && r.Steps > 0 && r.Done >= r.Steps }

// Bins is the number of distance bins of the curves (the largest over the
// computed levels).
func (r *LocalityReport) Bins() int {
	n := 0
	for _, l := range r.Levels {
		if l != nil {
			n = max(n, l.Curve.Bins())
		}
	}
	if r.HasPositions {
		n = max(n, r.PositionCurve.Bins())
	}
	return n
}

// LocalityJob fills a LocalityReport in steps small enough to show
// progress: the mirrored image's forward pass, then one step per feature
// level (two similarity matrices on the backend and their statistics),
// then the position embeddings and the pooling head. Run the steps in
// order, one at a time (each may take a while: run them off the UI loop),
// and fold each result into the report with Apply.
type LocalityJob struct {
	a      *engine.Analysis
	mirror *engine.Analysis
}

// LocalityStep is the result of one step of a LocalityJob.
type LocalityStep struct {
	Index int
	level *LocalityLevel
	// position reference and pooling (last step)
	positions bool
	posCurve  viz.DistanceCurve
	posStats  viz.Locality
	pooling   *viz.PoolingFocus
	mirrorErr error
}

// NewLocalityJob prepares the job for a, and the empty report it fills.
func NewLocalityJob(a *engine.Analysis) (*LocalityJob, *LocalityReport) {
	rows, cols := a.Grid()
	r := &LocalityReport{GridH: rows, GridW: cols, Layers: a.Layers(), Levels: make([]*LocalityLevel, a.FeatureLevels())}
	r.Steps = 1 + a.FeatureLevels() + 1
	return &LocalityJob{a: a}, r
}

// StepName says what step i does, for progress lines.
func (j *LocalityJob) StepName(i int) string {
	switch {
	case i == 0:
		return "mirrored image through the vision tower"
	case i <= j.a.FeatureLevels():
		return "similarities at " + j.a.FeatureLevelName(i-1)
	}
	return "position embeddings and pooling head"
}

// Run computes step i. A mirrored image that cannot be analysed is not an
// error: the report then lacks the mirror comparison and says why.
func (j *LocalityJob) Run(ctx context.Context, i int) (LocalityStep, error) {
	a := j.a
	st := LocalityStep{Index: i}
	rows, cols := a.Grid()
	switch {
	case i == 0:
		mirror, err := a.Model.Analyze(ctx, MirrorImage(a.Source), a.Prepared.Input.Tokens)
		if err == nil {
			if mr, mc := mirror.Grid(); mr != rows || mc != cols {
				mirror.Release()
				mirror, err = nil, fmt.Errorf("the mirrored image got a %d×%d grid, the image %d×%d", mr, mc, rows, cols)
			}
		}
		j.mirror = mirror
		st.mirrorErr = err
		return st, nil
	case i <= a.FeatureLevels():
		level := i - 1
		sim, err := a.SimilarityMatrix(level)
		if err != nil {
			return st, err
		}
		lv := &LocalityLevel{Level: level, Name: a.FeatureLevelName(level)}
		if lv.Curve, lv.Stats, err = viz.LocalityStats(sim, a.Valid(), rows, cols); err != nil {
			return st, err
		}
		if j.mirror != nil {
			msim, err := j.mirror.SimilarityMatrix(level)
			if err != nil {
				return st, err
			}
			if lv.MirrorCurve, lv.MirrorStats, err = viz.LocalityStats(msim, a.Valid(), rows, cols); err != nil {
				return st, err
			}
			f, err := a.Features(level)
			if err != nil {
				return st, err
			}
			g, err := j.mirror.Features(level)
			if err != nil {
				return st, err
			}
			if lv.Match, err = viz.MatchMirror(f, g, a.Hidden(), rows, cols); err != nil {
				return st, err
			}
			lv.HasMirror = true
		}
		st.level = lv
		if level == a.FeatureLevels()-1 && j.mirror != nil {
			j.mirror.Release() // the last level: the mirror's internals are no longer needed
			j.mirror = nil
		}
		return st, nil
	}
	psim, err := a.PositionSimilarity()
	if err != nil {
		return st, err
	}
	if st.posCurve, st.posStats, err = viz.LocalityStats(psim, a.Valid(), rows, cols); err != nil {
		return st, err
	}
	st.positions = true
	attn, err := a.PoolingAttention()
	if err != nil {
		return st, err
	}
	w, err := viz.PoolingAttention(attn, a.Heads(), a.Tokens(), a.Valid(), viz.MeanHeads)
	if err != nil {
		return st, err
	}
	focus, err := viz.FocusOf(w)
	if err != nil {
		return st, err
	}
	st.pooling = &focus
	return st, nil
}

// Apply folds a step's result into r.
func (r *LocalityReport) Apply(st LocalityStep) {
	if st.Index == 0 {
		r.MirrorErr = st.mirrorErr
	}
	if st.level != nil && st.level.Level < len(r.Levels) {
		r.Levels[st.level.Level] = st.level
	}
	if st.positions {
		r.HasPositions, r.PositionCurve, r.PositionStats = true, st.posCurve, st.posStats
	}
	if st.pooling != nil {
		r.HasPooling, r.Pooling = true, *st.pooling
	}
	r.Done = max(r.Done, st.Index+1)
}

// Release frees the mirrored image's internals if a step failed midway.
func (j *LocalityJob) Release() {
	if j.mirror != nil {
		j.mirror.Release()
		j.mirror = nil
	}
}

// ComputeLocality runs every step of a job at once (for the headless
// command and tests).
func ComputeLocality(ctx context.Context, a *engine.Analysis) (*LocalityReport, error) {
	j, r := NewLocalityJob(a)
	defer j.Release()
	for i := range r.Steps {
		st, err := j.Run(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("locality, %s: %w", j.StepName(i), err)
		}
		r.Apply(st)
	}
	return r, nil
}

// MirrorImage returns img flipped left to right.
func MirrorImage(img *preprocess.Image) *preprocess.Image {
	out := &preprocess.Image{Width: img.Width, Height: img.Height, Pix: make([]uint8, len(img.Pix))}
	for y := range img.Height {
		row := img.Pix[3*y*img.Width : 3*(y+1)*img.Width]
		dst := out.Pix[3*y*img.Width : 3*(y+1)*img.Width]
		for x := range img.Width {
			copy(dst[3*(img.Width-1-x):3*(img.Width-x)], row[3*x:3*x+3])
		}
	}
	return out
}
