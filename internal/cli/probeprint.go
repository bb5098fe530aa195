package cli

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// The probe command's summaries: what a person reads when --json is not
// given. Blocks and heads count from 1; patches are (row, column) from 0,
// as --patch takes them.

// probeTop is how many patches or heads a summary names.
const probeTop = 5

func printProbeBase(w io.Writer, p *inspect.Probe) {
	fmt.Fprintf(w, "label %q: logit %s (probability %.3f) on the whole image\n",
		p.Label(), inspect.FormatSigned(p.BaseLogit()), inspect.Sigmoid(p.BaseLogit()))
}

// printOcclusion prints the patches (or blocks) whose removal lowers and
// raises the logit most, and the map as a table when it fits 80 columns.
func printOcclusion(w io.Writer, p *inspect.Probe, o *inspect.Occlusion) {
	printProbeBase(w, p)
	unit := "patch"
	if o.Block > 1 {
		unit = fmt.Sprintf("%d×%d block", o.Block, o.Block)
	}
	fmt.Fprintf(w, "occlusion: the logit change when each %s is dropped (%d passes)\n", unit, o.Done)
	type cell struct {
		first int
		d     float32
	}
	var cells []cell
	for _, b := range o.Blocks {
		cells = append(cells, cell{b[0], o.Delta[b[0]]})
	}
	slices.SortStableFunc(cells, func(a, b cell) int { return cmpFloat(a.d, b.d) })
	name := func(c cell) string {
		r, col := c.first/o.Cols, c.first%o.Cols
		if o.Block > 1 {
			return fmt.Sprintf("block at (%d,%d)", r, col)
		}
		return fmt.Sprintf("(%d,%d)", r, col)
	}
	var down, up []string
	for _, c := range cells[:min(probeTop, len(cells))] {
		if c.d < 0 {
			down = append(down, name(c)+" "+inspect.FormatSigned(float64(c.d)))
		}
	}
	for i := len(cells) - 1; i >= max(len(cells)-probeTop, 0); i-- {
		if c := cells[i]; c.d > 0 {
			up = append(up, name(c)+" "+inspect.FormatSigned(float64(c.d)))
		}
	}
	fmt.Fprintf(w, "  dropping these lowers it most (they support the label): %s\n", orNone(down))
	fmt.Fprintf(w, "  dropping these raises it most (they speak against it):  %s\n", orNone(up))
	if o.Cols*6+6 <= 80 {
		fmt.Fprintln(w, "  map (rows top to bottom, columns left to right, from 0):")
		for r := range o.Rows {
			var sb strings.Builder
			fmt.Fprintf(&sb, "  %3d ", r)
			for c := range o.Cols {
				fmt.Fprintf(&sb, "%6s", inspect.FormatSigned(math.Round(float64(o.Delta[r*o.Cols+c])*100)/100))
			}
			fmt.Fprintln(w, sb.String())
		}
	}
}

// printHeads prints the heads whose silencing changes the logit most.
func printHeads(w io.Writer, p *inspect.Probe, h *inspect.HeadAblation) {
	printProbeBase(w, p)
	fmt.Fprintf(w, "head ablation: the logit change when one head is silenced (%d blocks × %d heads, %d passes)\n", h.Layers, h.Heads, h.Done)
	type cell struct {
		l, h int
		d    float32
	}
	var cells []cell
	for l, row := range h.Delta {
		for i, d := range row {
			cells = append(cells, cell{l, i, d})
		}
	}
	slices.SortStableFunc(cells, func(a, b cell) int { return cmpFloat(a.d, b.d) })
	var down, up []string
	for _, c := range cells[:min(probeTop, len(cells))] {
		if c.d < 0 {
			down = append(down, fmt.Sprintf("block %d head %d %s", c.l+1, c.h+1, inspect.FormatSigned(float64(c.d))))
		}
	}
	for i := len(cells) - 1; i >= max(len(cells)-probeTop, 0); i-- {
		if c := cells[i]; c.d > 0 {
			up = append(up, fmt.Sprintf("block %d head %d %s", c.l+1, c.h+1, inspect.FormatSigned(float64(c.d))))
		}
	}
	fmt.Fprintf(w, "  silencing these lowers it most: %s\n", orNone(down))
	fmt.Fprintf(w, "  silencing these raises it most: %s\n", orNone(up))
}

// printCurves prints each map's areas and which map is most faithful.
func printCurves(w io.Writer, p *inspect.Probe, cs *inspect.Curves) {
	printProbeBase(w, p)
	fmt.Fprintf(w, "deletion and insertion curves over %d patches (mean logit along each curve):\n", cs.Total)
	fmt.Fprintf(w, "  %-24s %9s %10s\n", "map", "deletion", "insertion")
	best, bestArea := "", math.Inf(1)
	for _, m := range cs.Maps() {
		d, i := m.Deletion.AreaLogit(cs.Total), m.Insertion.AreaLogit(cs.Total)
		fmt.Fprintf(w, "  %-24s %9s %10s\n", m.Deletion.Map, inspect.FormatSigned(d), inspect.FormatSigned(i))
		if d-i < bestArea {
			best, bestArea = m.Deletion.Map, d-i
		}
	}
	fmt.Fprintf(w, "  low deletion and high insertion = faithful; most faithful here: %s\n", best)
}

func cmpFloat(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
