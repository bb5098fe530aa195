package tui

import (
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Drawing the Trained view: each mode's pictures on the left (the side
// panel's numbers on the right, or one line below on small screens), and
// the lesson.

// bodyTop is the screen row of the page's first line (under the tabs).
const bodyTop = 1

// Lines draws the view's body: w × h cells.
func (p *trainedPage) Lines(m *Model, w, h int, compact bool) []string {
	if m.analysis == nil || !p.started {
		lines := fitLines(nil, w, h)
		if h > 0 {
			lines[h/2] = center(m.spinner.View()+" waiting for the vision tower…", w)
		}
		return lines
	}
	if p.mode == tLesson {
		return p.lessonLines(m, w, h, compact)
	}
	leftW, sideW := w, 0
	if !compact {
		sideW = min(max(w/3, 30), 48)
		leftW = w - sideW - 1
	}
	var left, side []string
	switch p.mode {
	case tGlobalLocal:
		left, side = p.glLines(m, leftW, h), p.glSide(m, sideW, h)
	case tContext:
		left, side = p.ctxLines(m, leftW, h), p.ctxSide(m, sideW, h)
	case tCorrespond:
		left, side = p.coLines(m, leftW, h), p.coSide(m, sideW, h)
	}
	left = fitLines(left, leftW, h)
	if compact {
		return left
	}
	side = fitLines(side, sideW, h)
	out := make([]string, h)
	for i := range out {
		out[i] = left[i] + " " + side[i]
	}
	return out
}

// level is the feature level the view shows (0…L+1).
func (p *trainedPage) level(m *Model) int { return m.levelFor(inspect.MapSimilarity) }

// cosineLayer is a cosine map as a layer over a rows × cols grid, its
// scale from the lowest value to 1 (unchanged), so the patches that
// changed stand out however little they did.
func cosineLayer(vals []float64, rows, cols int, cm viz.Colormap) *viz.MapLayer {
	g := make([]float32, len(vals))
	for i, v := range vals {
		g[i] = float32(v)
	}
	r := viz.MinMax(g)
	r.Max = 1
	if !r.Valid() || r.Min >= 1 {
		r.Min = 0
	}
	return &viz.MapLayer{Grid: viz.Grid{H: rows, W: cols, Values: g}, Colormap: cm, Range: r}
}

// pictures draws two pictures side by side under their captions in w × h
// cells; it returns the lines and where each picture starts (body cells).
func pictures(w, h int, capA, capB string, a, b func(w, h int) ([]string, int)) ([]string, image.Point, image.Point) {
	half := (w - 1) / 2
	ph := max(h-1, 1)
	la, ca := a(half, ph)
	lb, cb := b(w-half-1, ph)
	pa, oa := padCells(la, ca, half, ph)
	pb, ob := padCells(lb, cb, w-half-1, ph)
	out := []string{fitLine(capA, half) + " " + fitLine(capB, w-half-1)}
	for i := range ph {
		out = append(out, pa[i]+" "+pb[i])
	}
	return out, image.Pt(oa.X, 1), image.Pt(half+1+ob.X, 1)
}

// glLines draws the whole image with the crop box beside the crop with
// each patch's cosine to the whole image's patch at the level.
func (p *trainedPage) glLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	level := p.level(m)
	title := st.title.Render("Global–local") + st.faint.Render(" · crop alone vs whole · "+m.analysis.FeatureLevelName(level))
	lines := []string{fitLine(title, w)}
	r := p.gl
	if r != nil && r.Box != p.box {
		r = nil
	}
	if p.cropPic == nil || p.cropBox != p.box {
		p.cropPic = imaging.Crop(m.pic, image.Rect(p.box.X0, p.box.Y0, p.box.X1, p.box.Y1))
		p.cropBox = p.box
	}
	d := m.disp
	box := image.Rect(p.box.X0, p.box.Y0, p.box.X1, p.box.Y1)
	body, oa, _ := pictures(w, h-3, st.faint.Render("whole image"), st.faint.Render("crop alone: cosine"),
		func(pw, ph int) ([]string, int) {
			p.fullPic.fit(m.pic, pw, ph)
			return p.fullPic.lines(d, cellDecor{box: &box}, m.sh.mode), p.fullPic.cols
		},
		func(pw, ph int) ([]string, int) {
			p.cropCell.fit(p.cropPic, pw, ph)
			dec := cellDecor{}
			if r != nil {
				dec.layer = cosineLayer(r.Levels[level].Cosine, r.CropRows, r.CropCols, d.cmap)
			}
			return p.cropCell.lines(d, dec, m.sh.mode), p.cropCell.cols
		})
	p.fullAt = image.Rectangle{Min: image.Pt(oa.X, bodyTop+len(lines)+oa.Y), Max: image.Pt(oa.X+p.fullPic.cols, bodyTop+len(lines)+oa.Y+p.fullPic.rows)}
	lines = append(lines, body...)
	switch {
	case p.glErr != nil:
		lines = append(lines, wrapErr(st, p.glErr.Error(), w)...)
	case r == nil:
		lines = append(lines, fitLine(m.spinner.View()+" running the crop through the vision tower…", w))
	default:
		lines = append(lines, viz.ColorBarLine(d.cmap, cosineLayer(r.Levels[level].Cosine, 1, len(r.Levels[level].Cosine), d.cmap).Range, min(w, 40), m.sh.mode)+st.faint.Render(" crop"))
	}
	lines = append(lines, fitLine(st.key.Render("drag")+st.faint.Render(" a crop · ")+st.key.Render("arrows")+st.faint.Render(" move · ")+st.key.Render("< >")+st.faint.Render(" size · ")+st.key.Render("[ ]")+st.faint.Render(" level"), w))
	return lines
}

// wrapErr wraps an error message in the error style.
func wrapErr(st *styles, msg string, w int) []string {
	var out []string
	for _, l := range wrap(msg, w) {
		out = append(out, st.err.Render(l))
	}
	return out
}

// sideHead is the side panel's first lines: the demo badge and the title.
func (p *trainedPage) sideHead(m *Model, w int) []string {
	st := &m.sh.styles
	var lines []string
	if m.sh.cfg.Demo {
		lines = append(lines, st.demo.Render(fitLine("toy model", w)))
	}
	lines = append(lines, fitLine(st.title.Render("Trained")+" "+st.faint.Render(trainedModeNames[p.mode])+"  "+st.key.Render("v n"), w))
	return lines
}

// levelRows lists one row per level, the chosen one marked: name, then
// what row(l) gives; in room lines, scrolled to the chosen level and
// saying so when they do not all fit.
func (p *trainedPage) levelRows(m *Model, w, levels, room int, row func(l int) string) []string {
	st := &m.sh.styles
	cur := p.level(m)
	top, shown := levelWindow(levels, cur, room)
	var out []string
	for l := top; l < top+shown; l++ {
		name := strconv.Itoa(l)
		if l == levels-1 {
			name = "out"
		}
		mark := " "
		if l == cur {
			mark = "▸"
		}
		line := fmt.Sprintf("%s%3s  %s", mark, name, row(l))
		if l == cur {
			line = st.selected.Render(line)
		}
		out = append(out, fitLine(line, w))
	}
	if shown < levels {
		out = append(out, levelMore(st, shown, levels, w))
	}
	return out
}

// levelRoom is how many level rows a panel shows: all, or what is left
// (at least 3; the rows scroll with the chosen level).
func levelRoom(levels, left int) int { return min(levels, max(left, 3)) }

// shiftRows lists labels' scores on the whole image and the changed one.
func shiftRows(st *styles, shifts []inspect.LabelShift, changed string, w, room int) []string {
	if len(shifts) == 0 || room < 2 {
		return nil
	}
	nameW := max(w-12, 6)
	out := []string{fitLine(st.faint.Render(fmt.Sprintf("%-*s whole %s", nameW, "label", changed)), w)}
	for i, s := range shifts {
		if i >= room-1 {
			out = append(out, fitLine(st.faint.Render(fmt.Sprintf("↓ %d more labels", len(shifts)-i)), w))
			break
		}
		out = append(out, fitLine(fmt.Sprintf("%-*s  %4s  %4s", nameW, cutEnd(s.Label, nameW), formatProb(s.Whole.Prob), formatProb(s.Changed.Prob)), w))
	}
	return out
}

// glSide is the global–local panel: the crop, every level's mean against
// chance, the labels.
func (p *trainedPage) glSide(m *Model, w, h int) []string {
	st := &m.sh.styles
	lines := p.sideHead(m, w)
	a := m.analysis
	rows, cols := a.Grid()
	add := func(s string) { lines = append(lines, fitLine(s, w)) }
	add(st.faint.Render("crop ") + st.value.Render(p.box.String()) + st.faint.Render(" px"))
	r := p.gl
	if r == nil || r.Box != p.box {
		add(st.faint.Render(fmt.Sprintf("%d×%d of %d×%d, %d×%d patches", p.box.Dx(), p.box.Dy(), a.Source.Width, a.Source.Height, rows, cols)))
		add(m.spinner.View() + " measuring…")
		return lines
	}
	add(st.faint.Render(fmt.Sprintf("%d×%d px → %d×%d patches", p.box.Dx(), p.box.Dy(), r.CropRows, r.CropCols)))
	add(st.faint.Render("cosine to the whole's patch"))
	add(st.faint.Render(" lvl  mean  chance"))
	lines = append(lines, p.levelRows(m, w, len(r.Levels), levelRoom(len(r.Levels), h-len(lines)-7), func(l int) string {
		return inspect.FormatPlain(r.Levels[l].Mean) + " " + inspect.FormatPlain(r.Levels[l].Baseline)
	})...)
	lines = append(lines, "")
	lines = append(lines, shiftRows(st, r.Labels, "crop", w, min(6, h-len(lines)))...)
	return teach(st, lines, w, h, "Bright: the crop, seen alone, gives that patch the whole image's features, as SigLIP 2's global–local loss asks. n: the lesson.")
}

// teach adds a short note on what to look for under a side panel of h
// lines, when the whole note fits.
func teach(st *styles, lines []string, w, h int, s string) []string {
	note := wrap(s, w)
	if len(lines)+1+len(note) > h {
		return lines
	}
	lines = append(lines, "")
	for _, l := range note {
		lines = append(lines, st.faint.Render(l))
	}
	return lines
}

// ctxLines draws the image with the dropped patches black and each kept
// patch's cosine to its features in the whole image.
func (p *trainedPage) ctxLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	level := p.level(m)
	rows, cols := m.grid()
	title := st.title.Render("Masked context") + st.faint.Render(fmt.Sprintf(" · %d of %d dropped · %s", len(p.drop), rows*cols, m.analysis.FeatureLevelName(level)))
	lines := []string{fitLine(title, w)}
	r := p.cx
	if r != nil && !slices.Equal(r.Dropped, p.drop) {
		r = nil
	}
	d := m.disp
	cursor := m.patch
	ph := max(h-3, 1)
	p.ctxCell.fit(m.pic, w, ph)
	dec := cellDecor{cursor: &cursor, black: p.drop}
	if r != nil {
		dec.layer = cosineLayer(r.Levels[level].Cosine, rows, cols, d.cmap)
	} else {
		dec.layer = &viz.MapLayer{Grid: viz.Grid{H: rows, W: cols, Values: nanGrid(rows * cols)}, Colormap: d.cmap}
	}
	pic, off := padCells(p.ctxCell.lines(d, dec, m.sh.mode), p.ctxCell.cols, w, ph)
	p.ctxAt = image.Rectangle{Min: image.Pt(off.X, bodyTop+len(lines)), Max: image.Pt(off.X+p.ctxCell.cols, bodyTop+len(lines)+p.ctxCell.rows)}
	lines = append(lines, pic...)
	switch {
	case p.cxErr != nil:
		lines = append(lines, wrapErr(st, p.cxErr.Error(), w)...)
	case r == nil:
		lines = append(lines, fitLine(m.spinner.View()+" running the image without those patches…", w))
	default:
		lines = append(lines, viz.ColorBarLine(d.cmap, dec.layer.Range, min(w, 40), m.sh.mode)+st.faint.Render(" kept"))
	}
	lines = append(lines, fitLine(st.key.Render("< >")+st.faint.Render(" fewer/more · ")+st.key.Render("z")+st.faint.Render(" reseed · ")+st.key.Render("x")+st.faint.Render(" drop/keep cursor"), w))
	return lines
}

// ctxSide is the masked-context panel.
func (p *trainedPage) ctxSide(m *Model, w, h int) []string {
	st := &m.sh.styles
	lines := p.sideHead(m, w)
	add := func(s string) { lines = append(lines, fitLine(s, w)) }
	rows, cols := m.grid()
	add(st.faint.Render(fmt.Sprintf("%d of %d patches dropped", len(p.drop), rows*cols)))
	add(st.faint.Render("chosen: ") + st.value.Render(p.dropRule()))
	r := p.cx
	if r == nil || !slices.Equal(r.Dropped, p.drop) {
		add(m.spinner.View() + " measuring…")
		return lines
	}
	add(st.faint.Render("kept: cosine to the whole"))
	add(st.faint.Render(" lvl  mean"))
	lines = append(lines, p.levelRows(m, w, len(r.Levels), levelRoom(len(r.Levels), h-len(lines)-4), func(l int) string { return inspect.FormatPlain(r.Levels[l].Mean) })...)
	level := p.level(m)
	var deps []string
	for _, q := range r.MostDependent(level, max((w-1)/12, 1)) {
		deps = append(deps, fmt.Sprintf("(%d,%d) %s", q/cols, q%cols, plainNum(r.Levels[level].Cosine[q])))
	}
	add(st.faint.Render("changed most here:"))
	add(" " + strings.Join(deps, " "))
	q := m.patch.Row*cols + m.patch.Col
	cur := "dropped"
	if !r.IsDropped(q) {
		cur = plainNum(r.Levels[level].Cosine[q])
	}
	add(st.faint.Render(fmt.Sprintf("cursor (%d,%d) ", m.patch.Row, m.patch.Col)) + st.value.Render(cur))
	lines = append(lines, "")
	lines = append(lines, shiftRows(st, r.Labels, "mask", w, min(6, h-len(lines)))...)
	return teach(st, lines, w, h, "Bright: a kept patch kept its features with the black ones gone, as masked prediction trains. n: the lesson.")
}

// coLines draws image A with the cursor beside image B lit by the
// cursor patch's similarity, its best match outlined.
func (p *trainedPage) coLines(m *Model, w, h int) []string {
	st := &m.sh.styles
	level := p.level(m)
	title := st.title.Render("Correspondence") + st.faint.Render(" · A's cursor in B · "+m.analysis.FeatureLevelName(level))
	lines := []string{fitLine(title, w)}
	cfg := &m.sh.cfg
	switch {
	case cfg.LoadPair == nil:
		msg := "There is no second image. Open the explorer with --pair IMAGE_B (with --demo every built-in scene has a partner), or run 'siglip2-tui correspond IMAGE_A IMAGE_B'."
		return append(lines, append([]string{""}, wrap(msg, w)...)...)
	case p.pairErr != nil:
		return append(lines, wrapErr(st, p.pairErr.Error(), w)...)
	case p.coErr != nil:
		return append(lines, wrapErr(st, p.coErr.Error(), w)...)
	case p.pair == nil:
		return append(lines, fitLine(m.spinner.View()+" analysing "+filepath.Base(cfg.PairName)+"…", w))
	}
	d := m.disp
	cursor := m.patch
	rows, cols := m.grid()
	rb, cb := p.pair.Grid()
	var r *inspect.CorrespondReport
	if p.co != nil {
		r = p.co[level]
	}
	var best viz.Patch
	var row []float32
	if r != nil {
		i := cursor.Row*cols + cursor.Col
		best, row = r.Best(i), r.Row(i)
	}
	body, oa, _ := pictures(w, h-3, st.faint.Render("A: "+filepath.Base(cfg.ImageName)), st.faint.Render("B: "+filepath.Base(cfg.PairName)),
		func(pw, ph int) ([]string, int) {
			p.aCell.fit(m.pic, pw, ph)
			lay := &viz.MapLayer{Grid: viz.Grid{H: rows, W: cols, Values: nanGrid(rows * cols)}, Colormap: d.cmap}
			return p.aCell.lines(displayOpts{display: viz.DisplayImage, cmap: d.cmap, grid: d.grid}, cellDecor{layer: lay, cursor: &cursor}, m.sh.mode), p.aCell.cols
		},
		func(pw, ph int) ([]string, int) {
			p.bCell.fit(p.pairPic, pw, ph)
			if row == nil {
				return p.bCell.lines(d, cellDecor{}, m.sh.mode), p.bCell.cols
			}
			lay := &viz.MapLayer{Grid: viz.Grid{H: rb, W: cb, Values: row}, Colormap: d.cmap, Range: viz.MinMax(row)}
			return p.bCell.lines(d, cellDecor{layer: lay, cursor: &best}, m.sh.mode), p.bCell.cols
		})
	p.aAt = image.Rectangle{Min: image.Pt(oa.X, bodyTop+len(lines)+oa.Y), Max: image.Pt(oa.X+p.aCell.cols, bodyTop+len(lines)+oa.Y+p.aCell.rows)}
	lines = append(lines, body...)
	if row != nil {
		lines = append(lines, viz.ColorBarLine(d.cmap, viz.MinMax(row), min(w, 40), m.sh.mode)+st.faint.Render(" B"))
	} else {
		lines = append(lines, fitLine(m.spinner.View()+" comparing every patch of A with every patch of B…", w))
	}
	lines = append(lines, fitLine(st.key.Render("arrows")+st.faint.Render("/click: cursor on A · B: best outlined"), w))
	return lines
}

// coSide is the correspondence panel.
func (p *trainedPage) coSide(m *Model, w, h int) []string {
	st := &m.sh.styles
	lines := p.sideHead(m, w)
	add := func(s string) { lines = append(lines, fitLine(s, w)) }
	if m.sh.cfg.LoadPair == nil {
		add(st.faint.Render("no second image (--pair)"))
		return lines
	}
	add(st.faint.Render("B ") + st.value.Render(filepath.Base(m.sh.cfg.PairName)))
	if p.co == nil {
		add(m.spinner.View() + " measuring…")
		return lines
	}
	level := p.level(m)
	r := p.co[level]
	_, cols := m.grid()
	i := m.patch.Row*cols + m.patch.Col
	b := r.Best(i)
	mutual := "not mutual"
	if r.IsMutual(i) {
		mutual = "mutual"
	}
	add(st.faint.Render(fmt.Sprintf("A (%d,%d) → B (%d,%d) ", m.patch.Row, m.patch.Col, b.Row, b.Col)) + st.value.Render(plainNum(float64(r.Row(i)[r.BestA[i]]))))
	add(st.faint.Render("  " + mutual + " nearest neighbours"))
	add(st.faint.Render(fmt.Sprintf("A: %d×%d  B: %d×%d patches", r.RowsA, r.ColsA, r.RowsB, r.ColsB)))
	add(st.faint.Render(" lvl  mutual pairs"))
	lines = append(lines, p.levelRows(m, w, len(p.co), levelRoom(len(p.co), h-len(lines)), func(l int) string {
		return fmt.Sprintf("%3d of %d", p.co[l].Mutual, p.co[l].RowsA*p.co[l].ColsA)
	})...)
	return teach(st, lines, w, h, "B lights up where it is like the cursor's patch of A; put the cursor on a shape and find it in B. o shows the image under the map; n: the lesson.")
}

// lessonLines draws the lesson page: its chart on the left when there is
// room, the text on the right.
func (p *trainedPage) lessonLines(m *Model, w, h int, compact bool) []string {
	st := &m.sh.styles
	lesson := p.trainedLesson(m)
	pages := lesson.Pages()
	pg := pages[p.lesson.clamp(len(pages))]
	textW, chartW := w, 0
	if !compact && w >= 70 && pg.Chart != inspect.NoChart {
		chartW = w * 2 / 5
		textW = w - chartW - 2
	}
	var extra []string
	if p.Busy() {
		extra = []string{"", m.spinner.View() + " measuring…"}
	}
	text := p.lesson.lines(st, pg.Title, pg.Text, extra, len(pages), textW, h)
	if chartW == 0 {
		return text
	}
	chart := fitLines(p.chartLines(m, lesson, pg.Chart, chartW, h), chartW, h)
	out := make([]string, h)
	for i := range out {
		out[i] = chart[i] + "  " + text[i]
	}
	return out
}

// chartTitles name the lesson's charts.
var chartTitles = map[inspect.TrainedChart]string{
	inspect.GlobalLocalChart: "Crop vs whole: mean cosine",
	inspect.ContextChart:     "Kept patches: mean cosine",
	inspect.CorrespondChart:  "Mutual nearest neighbours",
}

// chartLines draws a per-level chart with a title and a legend.
func (p *trainedPage) chartLines(m *Model, lesson *inspect.TrainedLesson, kind inspect.TrainedChart, w, h int) []string {
	st := &m.sh.styles
	lines := []string{fitLine(st.title.Render(chartTitles[kind]), w)}
	ch, ok := lesson.TrainedLevelChart(kind)
	if !ok {
		return append(lines, fitLine(m.spinner.View()+" not measured yet", w))
	}
	styles := m.locSeriesStyles()
	if len(ch.Series) == 1 { // draw a lone series in the image's colour
		styles[viz.ChartSeriesLine], styles[viz.ChartSeriesBand] = styles[viz.ChartSeriesLine+2], styles[viz.ChartSeriesBand+2]
	}
	var legend []string
	for k, s := range ch.Series {
		legend = append(legend, styles[viz.ChartSeriesLine+2*k].Render(string(s.Mark)+" "+s.Name))
	}
	lines = append(lines, fitLine(strings.Join(legend, "  "), w))
	ch2 := h - len(lines) - 1
	if ch2 < 5 {
		return lines
	}
	tc := ch.Text(w, ch2)
	for y := range tc.H {
		lines = append(lines, styleChartRow(tc, y, styles))
	}
	return append(lines, fitLine(st.faint.Render(center(fmt.Sprintf("level (0 = embeddings, %d = out)", ch.XMax), w)), w))
}
