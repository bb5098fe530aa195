package viz

import (
	"fmt"
	"image/color"
)

// Patch is one cell of the model's patch grid: Row counts from the top,
// Col from the left, both from 0. Token index = Row·gridW + Col.
type Patch struct {
	Row, Col int
}

// Grid is a scalar map over the patch grid: Values holds H·W numbers in
// row-major order (the first H·W valid tokens of a map function's
// result).
type Grid struct {
	H, W   int
	Values []float32
}

// check reports a grid whose shape and values disagree.
func (g Grid) check() error {
	if g.H <= 0 || g.W <= 0 {
		return fmt.Errorf("patch grid %d×%d must have positive height and width", g.H, g.W)
	}
	if len(g.Values) != g.H*g.W {
		return fmt.Errorf("patch grid %d×%d needs %d values, got %d", g.H, g.W, g.H*g.W, len(g.Values))
	}
	return nil
}

// ColorGrid is a map that is already coloured, one colour per patch in
// row-major order (for example PCA.RGB). A colour with alpha 0 means "no
// value" and leaves the image uncovered.
type ColorGrid struct {
	H, W   int
	Colors []color.NRGBA
}

func (g ColorGrid) check() error {
	if g.H <= 0 || g.W <= 0 {
		return fmt.Errorf("patch grid %d×%d must have positive height and width", g.H, g.W)
	}
	if len(g.Colors) != g.H*g.W {
		return fmt.Errorf("patch grid %d×%d needs %d colours, got %d", g.H, g.W, g.H*g.W, len(g.Colors))
	}
	return nil
}

// centreIndex maps position x in [0, size) of a line of size units to the
// one of n equal bins that holds the unit's centre:
// floor((2x+1)·n / (2·size)). All pixel↔patch and cell↔patch mappings in
// this package use it, so they agree exactly.
func centreIndex(x, n, size int) int {
	return (2*x + 1) * n / (2 * size)
}

// centreSpan returns the units [lo, hi) whose centreIndex is bin c; it is
// empty when bins are smaller than units.
func centreSpan(c, n, size int) (lo, hi int) {
	lo = ceilDiv(2*c*size-n, 2*n)
	hi = ceilDiv(2*(c+1)*size-n, 2*n)
	return max(lo, 0), min(max(hi, 0), size)
}

// ceilDiv is ⌈a/b⌉ for b > 0 and any sign of a.
func ceilDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}
