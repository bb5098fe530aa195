package viz

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

func TestTextChartPlacesPointsOnTheScale(t *testing.T) {
	nan := math.NaN()
	c := LineChart{
		XMin: 0, XMax: 3, YMin: 0, YMax: 1,
		Series: []ChartSeries{
			{Name: "ref", Y: []float64{nan, 0, 0, 0}, Mark: 'x'},
			{Name: "main", Y: []float64{nan, 1, 0.5, 0.2}, Lo: []float64{nan, 0.8, 0.3, 0}, Hi: []float64{nan, 1, 0.7, 0.4}, Mark: 'o'},
		},
	}
	const w, h = 20, 8
	tc := c.Text(w, h)
	// Written out from the layout: labels 4 wide ("1.00"), the axis in
	// column 4, the plot in columns 5…19 (15 wide) and rows 0…5 (6 tall).
	col := func(x int) int { return 5 + int(math.Round(float64(x)*14/3)) }
	row := func(y float64) int { return int(math.Round((1 - y) * 5)) }
	at := func(x, y int) rune { return tc.Runes[y*w+x] }
	for i, y := range []float64{1, 0.5, 0.2} {
		x := i + 1
		if got := at(col(x), row(y)); got != 'o' {
			t.Errorf("main point x=%d y=%v: %q at (%d,%d)\n%s", x, y, got, col(x), row(y), dump(tc))
		}
	}
	// Points are drawn over every band: ref's point at x=3 lies inside
	// main's band there and still shows.
	if got := at(col(3), row(0)); got != 'x' {
		t.Errorf("ref point at x=3: %q\n%s", got, dump(tc))
	}
	// The band of x=2 spans rows of 0.7…0.3 around the point.
	for y := row(0.7); y <= row(0.3); y++ {
		if y == row(0.5) {
			continue
		}
		if got := at(col(2), y); got != '░' {
			t.Errorf("band at x=2 row %d: %q\n%s", y, got, dump(tc))
		}
	}
	if got := strings.TrimSpace(tc.Line(0)[:4]); got != "1.00" {
		t.Errorf("top label %q", got)
	}
	if got := strings.TrimSpace(tc.Line(5)[:4]); got != "0.00" {
		t.Errorf("bottom label %q", got)
	}
	if got := tc.Line(h - 1); !strings.Contains(got, "1") || !strings.Contains(got, "3") {
		t.Errorf("x labels %q", got)
	}
	if at(4, 6) != '└' || tc.Class[col(1)+row(1)*w] != ChartSeriesLine+2 {
		t.Errorf("axis corner or class wrong\n%s", dump(tc))
	}
	// Too small: blank, no panic.
	if small := c.Text(8, 3); strings.TrimSpace(string(small.Runes)) != "" {
		t.Errorf("tiny chart drew something")
	}
}

func dump(tc TextChart) string {
	var lines []string
	for y := range tc.H {
		lines = append(lines, tc.Line(y))
	}
	return strings.Join(lines, "\n")
}

func TestChartYRangeFitsTheData(t *testing.T) {
	c := LineChart{XMin: 1, XMax: 2, Series: []ChartSeries{{Y: []float64{0.12, 0.71}, Lo: []float64{0.02, 0.6}, Hi: []float64{0.3, 0.93}}}}
	lo, hi := c.yRange()
	if lo > 0.02 || hi < 0.93 || math.Abs(lo/0.05-math.Round(lo/0.05)) > 1e-9 || hi-lo > 1.2 {
		t.Errorf("range %v…%v does not fit 0.02…0.93 on 0.05 steps", lo, hi)
	}
	flat := LineChart{XMin: 1, XMax: 2, Series: []ChartSeries{{Y: []float64{0.5, 0.5}}}}
	if lo, hi := flat.yRange(); !(lo < 0.5 && hi > 0.5) {
		t.Errorf("flat range %v…%v", lo, hi)
	}
}

func TestChartPicture(t *testing.T) {
	red := color.NRGBA{230, 40, 40, 255}
	c := LineChart{XMin: 1, XMax: 10, Title: "similarity vs distance", XLabel: "distance (patches)",
		Series: []ChartSeries{{Name: "image", Y: []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.38, 0.36, 0.35}, Color: red}}}
	img, err := c.Draw(400, 260)
	if err != nil {
		t.Fatal(err)
	}
	if img.Rect != image.Rect(0, 0, 400, 260) {
		t.Fatalf("size %v", img.Rect)
	}
	reds := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] == red.R && img.Pix[i+1] == red.G && img.Pix[i+2] == red.B {
			reds++
		}
	}
	if reds < 200 {
		t.Errorf("only %d pixels of the series colour: no line drawn?", reds)
	}
	if _, err := c.Draw(50, 40); err == nil {
		t.Error("a 50×40 chart gave no error")
	}
}

func TestHeatRowLine(t *testing.T) {
	vals := []float64{0, 0.5, 1, math.NaN()}
	got := HeatRowLine(vals, Grey, Range{Min: 0, Max: 1}, 2, NoColor)
	ramp := func(u float64) string {
		return strings.Repeat(string(LuminanceRamp[min(int(math.Round(255*u))*len(LuminanceRamp)/256, len(LuminanceRamp)-1)]), 2)
	}
	if want := ramp(0) + ramp(0.5) + ramp(1) + "  "; got != want {
		t.Errorf("NoColor row %q, want %q", got, want)
	}
	col := HeatRowLine(vals, Viridis, Range{Min: 0, Max: 1}, 2, TrueColor)
	if strings.Count(col, "█") != 6 || !strings.HasSuffix(col, sgrReset) {
		t.Errorf("colour row %q", col)
	}
}

func TestComposeAndTables(t *testing.T) {
	a := image.NewNRGBA(image.Rect(0, 0, 30, 20))
	b := image.NewNRGBA(image.Rect(0, 0, 10, 40))
	if h := HStack(5, a, nil, b); h.Rect.Dx() != 45 || h.Rect.Dy() != 40 {
		t.Errorf("HStack %v", h.Rect)
	}
	if v := VStack(5, a, b); v.Rect.Dx() != 30 || v.Rect.Dy() != 65 {
		t.Errorf("VStack %v", v.Rect)
	}
	lines := TextTable([][]string{{"label", "a", "b"}, {"a long label", "0.5", "0.25"}})
	if lines[0] != "label         a    b" || lines[1] != "a long label  0.5  0.25" {
		t.Errorf("table %q", lines)
	}
	if img := TextImage([]string{"one", "", "two"}, 200); img.Rect.Dy() != 2*panelPad+3*lineH {
		t.Errorf("text image height %d", img.Rect.Dy())
	}
	ht := HeatTable{Values: [][]float64{{0, 1}, {0.5, math.NaN()}}, RowLabels: []string{"L0", "L1"}, ColLabels: []string{"1", "2"}, Colormap: Viridis, Range: Range{Min: 0, Max: 1}, Highlight: 1, Title: "t"}
	if img := ht.Draw(12, 10); img.Rect.Dx() < 24 || img.Rect.Dy() < 20 {
		t.Errorf("heat table %v", img.Rect)
	}
}

func TestTextImageKeepsTableSpacing(t *testing.T) {
	rows := TextTable([][]string{{"a", "b"}, {"longer", "c"}})
	got := textLines(append(rows, strings.TrimSpace(strings.Repeat("word ", 6))), 20)
	want := []string{"a       b", "longer  c", "word word word word", "word word"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q, want %q", got, want)
	}
}
