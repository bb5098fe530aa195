package tui

import (
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// TrainedStart is how the Trained view (7) starts, for the globallocal,
// context and correspond commands' interactive form. The zero value is the
// view's defaults.
type TrainedStart struct {
	// Mode is "globallocal" (or ""), "context", "correspond" or "lesson".
	Mode string
	// Crop is the global–local crop in the original image's pixels (nil:
	// the middle of the image, half its width and height).
	Crop *inspect.CropBox
	// DropFraction and Seed choose the masked context's random patches
	// (nil: inspect.DefaultDropFraction).
	DropFraction *float64
	Seed         uint64
	// DropPatches, when not empty, names the dropped patches instead:
	// "ROW,COL;ROW,COL…", checked once the patch grid is known.
	DropPatches string
	// Patch is the correspondence's patch of image A (nil: the centre).
	Patch *viz.Patch
}
