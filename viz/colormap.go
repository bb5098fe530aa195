package viz

import (
	"fmt"
	"image/color"
	"math"
	"strings"
)

// Colormap names one of the built-in 256-entry colour tables used to paint
// scalar maps. The zero value is Viridis, a safe perceptually uniform
// default.
type Colormap int

// The built-in colormaps, in the order Next cycles through them.
const (
	// Viridis is matplotlib's perceptually uniform blue-green-yellow map,
	// readable by colour-blind viewers and monotonic in lightness.
	Viridis Colormap = iota
	// Inferno is matplotlib's perceptually uniform black-red-yellow map,
	// monotonic in lightness; good on dark backgrounds.
	Inferno
	// Turbo is Google's rainbow map: high contrast for spotting detail,
	// but not monotonic in lightness.
	Turbo
	// Grey is a linear black-to-white ramp, for printing and NO_COLOR
	// terminals.
	Grey
	// Coolwarm is a diverging blue-pale-red map for signed values (the
	// probes' logit changes): blue below the middle, red above, pale at
	// it. Pair it with a range symmetric about zero (SymmetricRange) so
	// the pale middle means "no change".
	Coolwarm
	numColormaps
)

var colormapNames = [numColormaps]string{"viridis", "inferno", "turbo", "grey", "coolwarm"}

// Colormaps lists every built-in colormap in cycling order, for menus and
// help text.
func Colormaps() []Colormap {
	out := make([]Colormap, numColormaps)
	for i := range out {
		out[i] = Colormap(i)
	}
	return out
}

// ParseColormap returns the colormap with the given name (case-insensitive;
// "gray" is accepted for Grey), so flags and config files can name one.
func ParseColormap(name string) (Colormap, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "gray" {
		n = "grey"
	}
	for i, s := range colormapNames {
		if s == n {
			return Colormap(i), nil
		}
	}
	return Viridis, fmt.Errorf("unknown colormap %q: use one of %s", name, strings.Join(colormapNames[:], ", "))
}

// String returns the colormap's lower-case name ("viridis", ...), or
// "colormap(N)" for a value outside the built-in set.
func (c Colormap) String() string {
	if c.valid() {
		return colormapNames[c]
	}
	return fmt.Sprintf("colormap(%d)", int(c))
}

// Next returns the sequential colormap after c, wrapping around, so a key
// press can step through the maps made for unsigned values (Coolwarm,
// for signed changes, is chosen by the views that show them).
func (c Colormap) Next() Colormap {
	if !c.valid() || c >= Grey {
		return Viridis
	}
	return c + 1
}

func (c Colormap) valid() bool { return c >= 0 && c < numColormaps }

// Table returns the 256-entry colour table of c (index 0 is the low end).
// An unknown colormap falls back to Viridis.
func (c Colormap) Table() *[256]color.NRGBA {
	if c.valid() {
		return &tables[c]
	}
	return &tables[Viridis]
}

// Index returns entry i of the colour table of c.
func (c Colormap) Index(i uint8) color.NRGBA { return c.Table()[i] }

// At returns the colour for t in [0,1] (clamped; the nearest of the 256
// entries). NaN maps to the low end's colour; callers that want to show
// "no value" should test for NaN first.
func (c Colormap) At(t float64) color.NRGBA {
	return c.Table()[lutIndex(t)]
}

// lutIndex maps t in [0,1] to the nearest of 256 table entries; NaN and
// values below 0 give 0, values above 1 give 255.
func lutIndex(t float64) uint8 {
	if !(t > 0) { // also NaN
		return 0
	}
	if t >= 1 {
		return 255
	}
	return uint8(math.Floor(t*255 + 0.5))
}

var tables = buildTables()

func buildTables() [numColormaps][256]color.NRGBA {
	var out [numColormaps][256]color.NRGBA
	src := [...]*[256][3]uint8{&viridisTable, &infernoTable, &turboTable}
	for m, tab := range src {
		for i, rgb := range tab {
			out[m][i] = color.NRGBA{rgb[0], rgb[1], rgb[2], 255}
		}
	}
	for i := range 256 {
		out[Grey][i] = color.NRGBA{uint8(i), uint8(i), uint8(i), 255}
		out[Coolwarm][i] = diverging(float64(i) / 255)
	}
	return out
}

// coolwarmStops are the control colours of Coolwarm at t = 0, 1/8, …, 1:
// saturated blue through a pale neutral grey to saturated red, each side
// rising (blue) or falling (red) in lightness evenly.
var coolwarmStops = [9][3]float64{
	{59, 76, 192}, {86, 116, 226}, {122, 157, 248}, {167, 194, 253}, {221, 221, 221},
	{245, 193, 168}, {245, 152, 121}, {222, 96, 77}, {180, 4, 38},
}

// diverging is Coolwarm at t in [0,1], interpolated linearly between its
// stops.
func diverging(t float64) color.NRGBA {
	x := t * float64(len(coolwarmStops)-1)
	i := min(int(x), len(coolwarmStops)-2)
	f := x - float64(i)
	var c [3]uint8
	for k := range c {
		c[k] = uint8(math.Round(coolwarmStops[i][k]*(1-f) + coolwarmStops[i+1][k]*f))
	}
	return color.NRGBA{c[0], c[1], c[2], 255}
}
