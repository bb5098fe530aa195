package engine

import (
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/naflex"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// PreparedImage is an image as this checkpoint receives it, with what the
// explorer shows beside it.
type PreparedImage struct {
	// Resized is the 8-bit image after the processor's resize: squashed to a
	// square for fixed resolution, the NaFlex size otherwise.
	Resized *preprocess.Image
	// Input is what the vision tower takes.
	Input VisionInput
	// PixelValues is the normalised image, height × width × channel.
	PixelValues []float32
}

// Prepare resizes, rescales, normalises and patchifies an RGB image as
// Hugging Face's slow (PIL-based) image processor for this checkpoint does.
// maxPatches overrides the NaFlex budget (0 keeps preprocessor_config.json's);
// fixed-resolution checkpoints ignore it.
func (m *Model) Prepare(img *preprocess.Image, maxPatches int) (*PreparedImage, error) {
	if err := img.Validate(); err != nil {
		return nil, err
	}
	pre, vc := m.Preprocessor, m.Config.Vision
	filter, err := preprocess.FilterFromPIL(pre.Resample)
	if err != nil {
		return nil, err
	}
	p := vc.PatchSize
	var width, height, tokens int
	switch m.Config.Variant {
	case FixedRes:
		width, height = pre.Width, pre.Height
	case NaFlex:
		if maxPatches == 0 {
			maxPatches = pre.MaxNumPatches
		}
		if maxPatches < 1 || maxPatches > maxNumPatches {
			return nil, fmt.Errorf("max patches %d is outside [1, %d]", maxPatches, maxNumPatches)
		}
		if height, width, err = naflex.TargetSize(img.Height, img.Width, p, maxPatches); err != nil {
			return nil, err
		}
		tokens = maxPatches
	}
	resized, err := preprocess.Resize(img, width, height, filter)
	if err != nil {
		return nil, fmt.Errorf("resize to %dx%d: %w", width, height, err)
	}
	rescale := pre.RescaleFactor
	if !pre.DoRescale {
		rescale = 1
	}
	mean, std := pre.Mean, pre.Std
	if !pre.DoNormalize {
		mean, std = [3]float32{}, [3]float32{1, 1, 1}
	}
	pix, err := preprocess.Normalize(resized, rescale, mean, std)
	if err != nil {
		return nil, err
	}
	gridH, gridW := height/p, width/p
	if tokens == 0 {
		tokens = gridH * gridW
	}
	// A Conv2d patch embedding with stride p drops the pixels past the last
	// whole patch (so400m-patch14-384: 384 = 27·14 + 6); crop them likewise.
	patchable := pix
	if gridH*p != height || gridW*p != width {
		patchable = make([]float32, 0, gridH*p*gridW*p*3)
		for y := 0; y < gridH*p; y++ {
			patchable = append(patchable, pix[y*width*3:(y*width+gridW*p)*3]...)
		}
	}
	patches, _, gh, gw, err := naflex.Patchify(patchable, gridH*p, gridW*p, p, tokens)
	if err != nil {
		return nil, err
	}
	if gh != gridH || gw != gridW {
		return nil, fmt.Errorf("patchify gave a %dx%d grid, want %dx%d", gh, gw, gridH, gridW)
	}
	return &PreparedImage{
		Resized:     resized,
		Input:       VisionInput{Patches: patches, Tokens: tokens, GridH: gridH, GridW: gridW},
		PixelValues: pix,
	}, nil
}
