package naflex

import (
	"fmt"
	"math"
)

// TargetSize returns the height and width (multiples of patch) an image of
// height × width pixels is resized to so that it yields at most maxPatches
// patches, exactly as transformers' get_image_size_for_max_num_patches
// (eps = 1e-5) computes it in Python float64:
//
// a scale s is bisected on [1e-5/10, 100] while the interval is ≥ 1e-5;
// each side becomes max(patch, ceil(side·s/patch)·patch); the lower bound is
// kept while (H/patch)·(W/patch) ≤ maxPatches, and the final lower bound
// gives the size. Small images are upscaled, a side is never below one
// patch, and the aspect ratio is only approximately kept.
//
// All four arguments must be positive. The bisection runs a fixed number of
// steps (about 24), so no input can make it loop. The result never holds
// more than maxPatches patches: an image so elongated that even the
// smallest scale exceeds the budget is an error.
func TargetSize(height, width, patch, maxPatches int) (h, w int, err error) {
	if height <= 0 || width <= 0 {
		return 0, 0, fmt.Errorf("naflex target size: image size %dx%d must be positive", width, height)
	}
	if patch <= 0 {
		return 0, 0, fmt.Errorf("naflex target size: patch size %d must be positive", patch)
	}
	if maxPatches <= 0 {
		return 0, 0, fmt.Errorf("naflex target size: max_num_patches %d must be positive", maxPatches)
	}
	// A variable, so that eps/10 is rounded at run time as Python does
	// (1.0000000000000002e-06), not folded exactly by the compiler.
	eps := 1e-5
	p := float64(patch)
	fh, fw := float64(height), float64(width)
	limit := float64(maxPatches)
	// patchesAlong is the side length in patches for scale s:
	// max(1, ceil(side·s/p)). Python's (ceil(x/p)·p)/p is that same integer,
	// exactly, so the float64 product below equals Python's num_patches.
	patchesAlong := func(side, s float64) float64 {
		return math.Max(1, math.Ceil(side*s/p))
	}
	lo, hi := eps/10, 100.0
	for i := 0; hi-lo >= eps && i < 200; i++ {
		s := (lo + hi) / 2
		if patchesAlong(fh, s)*patchesAlong(fw, s) <= limit {
			lo = s
		} else {
			hi = s
		}
	}
	nh, nw := patchesAlong(fh, lo), patchesAlong(fw, lo)
	if nh*p > math.MaxInt32 || nw*p > math.MaxInt32 {
		return 0, 0, fmt.Errorf("naflex target size for %dx%d with patch %d and %d patches is out of range", width, height, patch, maxPatches)
	}
	if nh*nw > limit {
		// Even the smallest scale leaves too many patches along the long
		// side (a very elongated image, a tiny budget). transformers would
		// go on with more patches than max_num_patches; the padded batch
		// cannot hold them, so say so here.
		return 0, 0, fmt.Errorf("naflex target size: a %dx%d image needs at least %.0fx%.0f = %.0f patches of %d pixels, more than max_num_patches %d: raise the patch budget or crop the image",
			width, height, nw, nh, nh*nw, patch, maxPatches)
	}
	return int(nh) * patch, int(nw) * patch, nil
}
