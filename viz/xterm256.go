package viz

// cubeLevels are the channel values of the xterm 6×6×6 colour cube
// (palette indices 16–231).
var cubeLevels = [6]int{0, 95, 135, 175, 215, 255}

// nearestLevel[v] is the index of the cube level closest to v.
var nearestLevel = func() [256]uint8 {
	var t [256]uint8
	for v := range 256 {
		best, bd := 0, 1<<30
		for i, l := range cubeLevels {
			if d := (v - l) * (v - l); d < bd {
				best, bd = i, d
			}
		}
		t[v] = uint8(best)
	}
	return t
}()

// XtermIndex returns the xterm 256-colour palette index (16–255) nearest
// to the colour in RGB distance: the nearest of the 6×6×6 cube (each
// channel to its nearest level) and the nearest of the 24 greys (8, 18,
// …, 238), whichever is closer; the cube wins ties. Indices 0–15 are never
// used because terminals theme them.
func XtermIndex(r, g, b uint8) uint8 {
	ri, gi, bi := nearestLevel[r], nearestLevel[g], nearestLevel[b]
	cr, cg, cb := cubeLevels[ri], cubeLevels[gi], cubeLevels[bi]
	dc := sq(int(r)-cr) + sq(int(g)-cg) + sq(int(b)-cb)
	// The grey nearest in RGB distance is the one nearest the mean.
	mean := (int(r) + int(g) + int(b) + 1) / 3
	k := min(max((mean-8+5)/10, 0), 23)
	gv := 8 + 10*k
	dg := sq(int(r)-gv) + sq(int(g)-gv) + sq(int(b)-gv)
	// The integer mean may sit between two greys: check the neighbour.
	for _, k2 := range [2]int{k - 1, k + 1} {
		if k2 < 0 || k2 > 23 {
			continue
		}
		v := 8 + 10*k2
		if d := sq(int(r)-v) + sq(int(g)-v) + sq(int(b)-v); d < dg {
			k, dg = k2, d
		}
	}
	if dg < dc {
		return uint8(232 + k)
	}
	return uint8(16 + 36*int(ri) + 6*int(gi) + int(bi))
}

// XtermColor returns the RGB value of xterm palette index i for i ≥ 16
// (cube and greys); for 0–15 it returns xterm's default colours.
func XtermColor(i uint8) (r, g, b uint8) {
	switch {
	case i >= 232:
		v := uint8(8 + 10*(int(i)-232))
		return v, v, v
	case i >= 16:
		c := int(i) - 16
		return uint8(cubeLevels[c/36]), uint8(cubeLevels[c/6%6]), uint8(cubeLevels[c%6])
	}
	base := [16][3]uint8{
		{0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0}, {0, 0, 238}, {205, 0, 205}, {0, 205, 205}, {229, 229, 229},
		{127, 127, 127}, {255, 0, 0}, {0, 255, 0}, {255, 255, 0}, {92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
	}
	c := base[i]
	return c[0], c[1], c[2]
}

func sq(x int) int { return x * x }
