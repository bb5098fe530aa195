package cli

import (
	"context"
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"io"
	"strconv"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// cmdHeatmap is the headless twin of explore: one view written to files.
var cmdHeatmap = command{
	name:    "heatmap",
	summary: "write one of explore's views of an image as PNG (and JSON), without a terminal",
	run:     runHeatmap,
}

const heatmapHelp = `Usage: siglip2-tui heatmap --view VIEW [--layer L] [--head H|mean] [--patch ROW,COL] [--label TEXT] -o OUT.png [--json OUT.json] IMAGE

Writes one of explore's views of IMAGE: the image at full resolution with the
heatmap over it, a colour bar and a caption saying what it shows; with --json
also the values, one per patch, row by row.

Views (--view):
  similarity  cosine similarity of the --patch's features to every patch, at
              feature level --layer (0 = embeddings … L = last block,
              L+1 = after the final LayerNorm)
  attention   the --patch's attention to every patch in block --layer (1…L),
              --head H (1 = the first head) or mean
  pooling     the pooling head's attention over the patches (--head)
  rollout     attention rollout from --patch through blocks 1…--layer
  label       each patch passed through the pooling head on its own, against
              --label's text embedding (an approximation; values are logits)
  pca         the first three principal components of the features at
              --layer, as red, green and blue
  norm        each patch's feature norm at feature level --layer; the JSON
              lists the outliers, patches above --outlier-k × the median norm
              (high-norm "artefact" tokens that park global information)
  positions   cosine similarity of --patch's position embedding to every
              position's (the learned table; for NaFlex resized to this
              image's grid); the JSON adds every position's norm and the
              positions above --outlier-k × their median norm

--layer defaults to the last block, --patch to the centre of the grid.
--display map|overlay|side|image is how the map is painted: the map alone
(its colours are the colour bar's, the default), over the image in grey,
beside the image, or the image alone.

Examples:
  siglip2-tui heatmap --view attention --layer 6 --head mean --patch 3,7 -o attn.png cat.jpg
  siglip2-tui heatmap --demo --view pca -o pca.png --json pca.json
  siglip2-tui heatmap --view norm --layer 8 -o norm.png --json norm.json cat.jpg
  siglip2-tui heatmap --view positions --patch 0,0 -o pos.png --json pos.json cat.jpg

Flags:
`

func runHeatmap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("heatmap", heatmapHelp, stderr)
	var src sourceFlags
	src.register(fs)
	view := fs.String("view", "similarity", "similarity, attention, pooling, rollout, label, pca, norm or positions")
	layer := fs.Int("layer", -1, "layer (see above; default: the last block)")
	head := fs.String("head", "mean", "attention head, counted from 1, or mean")
	patch := fs.String("patch", "", "query patch as ROW,COL, 0-based (default: the centre)")
	label := fs.String("label", "", "text label (--view label)")
	out := fs.String("o", "", "output PNG file (required)")
	jsonOut := fs.String("json", "", "also write the values as JSON to this file")
	cmapFlag := fs.String("colormap", "viridis", colormapChoices())
	display := fs.String("display", "map", "map (the map alone: its colours are the colour bar's), overlay (the map over the image in grey, at --opacity), side (image and map side by side) or image")
	opacity := fs.Float64("opacity", 0.6, "the overlay's opacity, 0…1 (--display overlay)")
	grid := fs.Bool("grid", false, "draw the patch grid")
	smooth := fs.Bool("smooth", false, "interpolate between patch centres instead of flat blocks")
	outlierK := fs.Float64("outlier-k", inspect.DefaultOutlierK, "norm, positions: flag patches whose norm exceeds this many times the median")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("-o OUT.png is required")
	}
	kind, err := inspect.ParseMapKind(*view)
	if err != nil {
		return usageErrorf("--view: %v", err)
	}
	headIdx, err := parseHead(*head)
	if err != nil {
		return err
	}
	if kind == inspect.MapLabel && strings.TrimSpace(*label) == "" {
		return usageErrorf("--view label needs --label TEXT")
	}
	cmap, err := viz.ParseColormap(*cmapFlag)
	if err != nil {
		return usageErrorf("--colormap: %v", err)
	}
	if *layer < -1 {
		return usageErrorf("--layer %d: want a layer from 0 (the embeddings) up, or leave it out for the last block", *layer)
	}
	if err := inspect.CheckOutlierK(*outlierK); err != nil {
		return usageErrorf("--outlier-k: %v", err)
	}
	if !(*opacity >= 0 && *opacity <= 1) {
		return usageErrorf("--opacity %g: want a number from 0 to 1", *opacity)
	}
	disp, err := viz.ParseDisplay(*display)
	if err != nil {
		return usageErrorf("--display: %v", err)
	}
	if err := outfile.CheckDistinct(fs.Args(), []string{*out, *jsonOut}); err != nil {
		return usageErrorf("%v", err)
	}
	se, err := src.open(ctx, fs.Args(), stderr)
	if err != nil {
		return err
	}
	defer se.Close()
	m, img, imageName, modelName := se.model, se.image, se.imageName, se.spec.name
	a, err := se.analyze(ctx, src.maxPatches)
	if err != nil {
		return err
	}
	defer a.Release()
	maps := inspect.NewMaps(a)
	rows, cols := maps.Grid()
	req := inspect.MapRequest{Kind: kind, Level: *layer, Head: headIdx, Patch: viz.Patch{Row: rows / 2, Col: cols / 2}, OutlierK: *outlierK}
	if req.Level < 0 {
		req.Level = a.Layers()
	}
	if *patch != "" {
		if req.Patch, err = parsePatch(*patch); err != nil {
			return err
		}
	}
	var score *engine.Score
	if kind == inspect.MapLabel {
		labels, _, err := m.EncodeLabels(ctx, []string{*label}, src.prompt())
		if err != nil {
			return err
		}
		req.Label = &labels[0]
		scores, err := m.ScoreLabels(a.ImageEmbedding(), labels)
		if err != nil {
			return err
		}
		score = &scores[0]
		if len(labels[0].Unknown) > 0 {
			fmt.Fprintf(stderr, "siglip2-tui heatmap: %q has words the model cannot know (%s): its map says nothing about the image\n", *label, strings.Join(labels[0].Unknown, ", "))
		}
	}
	if err := maps.Check(req); err != nil {
		return usageErrorf("%v", err)
	}
	hm, err := maps.Compute(req)
	if err != nil {
		return err
	}
	levelName := a.FeatureLevelName(req.Level)
	if kind.BlockLevels() {
		levelName = fmt.Sprintf("block %d of %d", req.Level, a.Layers())
	}
	e := &inspect.Export{
		Image:     inspect.NRGBA(img),
		Map:       hm,
		Colormap:  cmap,
		Overlay:   viz.OverlayOptions{Opacity: *opacity, GridLines: *grid, Smooth: *smooth},
		Display:   disp,
		Score:     score,
		Model:     modelName,
		LevelName: levelName,
		Meta:      map[string]any{"image": imageName, "grid": []int{rows, cols}},
	}
	if kind == inspect.MapPositions {
		e.Meta["position_table"] = inspect.PositionTable(a)
	}
	if err := e.Write(*out, *jsonOut); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s", *out)
	if *jsonOut != "" {
		fmt.Fprintf(stdout, " and %s", *jsonOut)
	}
	fmt.Fprintf(stdout, ": %s (%d×%d patches, values %s…%s)\n", e.Caption().Text(), rows, cols,
		viz.FormatValue(hm.Range.Min), viz.FormatValue(hm.Range.Max))
	if n := hm.Norm; n != nil {
		fmt.Fprintf(stdout, "%s\n", outlierSummary(n))
	}
	return nil
}

// outlierSummary says in one line which patches are above k × the median
// norm.
func outlierSummary(n *inspect.NormStats) string {
	head := fmt.Sprintf("median norm %s, largest %s at (%d,%d) = %.2f× the median; ", viz.FormatValue(n.Median), viz.FormatValue(n.Max),
		n.MaxPatch.Row, n.MaxPatch.Col, n.Ratio())
	if len(n.Outliers) == 0 {
		return head + fmt.Sprintf("no outliers above %g× the median", n.K)
	}
	var parts []string
	for i, o := range n.Outliers {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… %d more", len(n.Outliers)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("(%d,%d) %.2f×", o.Patch.Row, o.Patch.Col, o.Ratio))
	}
	return head + fmt.Sprintf("%d outliers above %g× the median: %s", len(n.Outliers), n.K, strings.Join(parts, ", "))
}

// parseHead reads --head: a head counted from 1, or "mean"; it returns
// the 0-based index the maps use.
func parseHead(s string) (int, error) {
	if strings.EqualFold(strings.TrimSpace(s), "mean") {
		return viz.MeanHeads, nil
	}
	h, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || h < 1 {
		return 0, usageErrorf("--head %q: want a head number counted from 1 (1 is the first head) or mean", s)
	}
	return h - 1, nil
}

// parsePatch reads --patch ROW,COL.
func parsePatch(s string) (viz.Patch, error) {
	r, c, ok := strings.Cut(s, ",")
	row, err1 := strconv.Atoi(strings.TrimSpace(r))
	col, err2 := strconv.Atoi(strings.TrimSpace(c))
	if !ok || err1 != nil || err2 != nil || row < 0 || col < 0 {
		return viz.Patch{}, usageErrorf("--patch %q: want ROW,COL with 0-based numbers, e.g. 3,7", s)
	}
	return viz.Patch{Row: row, Col: col}, nil
}
