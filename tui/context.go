package tui

import (
	"context"
	"image"
	"time"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Config is what the explorer starts from. LoadImage and LoadModel run off
// the UI loop, so the screen comes up at once and shows their progress.
type Config struct {
	// ImageName names the image on screen and in export file names.
	ImageName string
	// LoadImage decodes the image.
	LoadImage func() (*preprocess.Image, error)
	// LoadModel loads the model's weights.
	LoadModel func() (*engine.Model, error)
	// ModelName names the model on screen and in exports.
	ModelName string
	// Demo marks the built-in toy model (trained on coloured shapes only):
	// the screen says so.
	Demo bool
	// MaxPatches overrides the NaFlex patch budget (0 keeps the model's).
	MaxPatches int
	// Labels are the initial text labels.
	Labels []string
	// Prompt says how labels become prompts.
	Prompt engine.PromptOptions
	// ColorMode is how many colours the terminal shows.
	ColorMode viz.ColorMode
	// Graphics is the image protocol; viz.ProtocolNone draws half-block cells.
	Graphics viz.Protocol
	// CellPixels is the size of one terminal cell in pixels, for graphics
	// and to keep pictures' shape (zero: unknown, a 10×20 guess until the
	// terminal answers CSI 16 t).
	CellPixels image.Point
	// CellSize reads the cell size again (after a resize, or a font-size
	// change); nil or a zero result asks the terminal instead.
	CellSize func() image.Point
	// AskSixel asks the terminal for its device attributes (CSI c) when
	// the environment named no graphics protocol; a terminal that says it
	// draws sixel (attribute 4) gets sixel pictures.
	AskSixel bool
	// Colormap is the initial colormap.
	Colormap viz.Colormap
	// ExportDir is where s writes files ("" = the current folder).
	ExportDir string
	// StartView is the view the explorer opens in: "similarity" (or ""),
	// "attention", "labels", "pca" or "locality".
	StartView string
	// StartLesson opens the locality view in its lesson (with StartView
	// "locality").
	StartLesson bool
	// Trained is how the Trained view starts (mode, crop, dropped
	// patches, patch); the zero value is its defaults.
	Trained TrainedStart
	// PairName and LoadPair are the second image the Trained view's
	// correspondence compares with (explore --pair); nil: none.
	PairName string
	LoadPair func() (*preprocess.Image, error)
	// Clock measures stage timings (nil = time.Now); tests fix it.
	Clock func() time.Time
	// Context, when cancelled, stops the work running in the background
	// and ends the program (nil = never).
	Context context.Context
	// Notice is said once in the status line when the screen opens (for
	// example that colours dropped to 256 inside tmux).
	Notice string
}

// ctx is the context the background work runs under.
func (c *Config) ctx() context.Context {
	if c.Context != nil {
		return c.Context
	}
	return context.Background()
}

func (c *Config) now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

// shared is the context every component reads: the terminal's size and
// capabilities, the styles and the key map.
type shared struct {
	cfg           Config
	width, height int
	mode          viz.ColorMode
	graphics      viz.Protocol
	cellPx        image.Point
	cellKnown     bool // cellPx was read from the system or the terminal
	styles        styles
	keys          KeyMap
}

func newShared(cfg Config) *shared {
	px, known := cfg.CellPixels, true
	if px.X <= 0 || px.Y <= 0 {
		px, known = image.Pt(10, 20), false
	}
	return &shared{cfg: cfg, mode: cfg.ColorMode, graphics: cfg.Graphics, cellPx: px, cellKnown: known,
		styles: newStyles(cfg.ColorMode), keys: DefaultKeyMap()}
}
