package naflex

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// posTolerance is the acceptance bound of the brief: |ours − torch| on
// values of magnitude ~1.
const posTolerance = 1e-6

// TestResizePositionsMatchesTorch compares with torch 1.13's
// F.interpolate(..., antialias=True) on 108 grids of three tables
// (testdata/gen_naflex.py), up and down, 1xN and Nx1 included.
func TestResizePositionsMatchesTorch(t *testing.T) {
	st := readSafetensors(t, "testdata/positions.safetensors")
	cases, exact, worst := 0, 0, 0.0
	for name, ts := range st {
		if !strings.HasPrefix(name, "out.") {
			continue
		}
		var side, gh, gw int
		if _, err := fmt.Sscanf(name, "out.%d.%dx%d", &side, &gh, &gw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		table := st[fmt.Sprintf("table.%d", side)]
		dim := table.Shape[1]
		got, err := ResizePositions(table.f32(t), side, dim, gh, gw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := ts.f32(t)
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
		}
		cases++
		same := true
		for i := range got {
			d := math.Abs(float64(got[i]) - float64(want[i]))
			worst = math.Max(worst, d)
			if got[i] != want[i] {
				same = false
			}
			if d > posTolerance {
				t.Errorf("%s: value %d = %v, torch %v (|diff| %.3g)", name, i, got[i], want[i], d)
				break
			}
		}
		if same {
			exact++
		}
	}
	if cases < 100 {
		t.Fatalf("only %d cases", cases)
	}
	t.Logf("%d grids: %d bit-identical to torch, worst |diff| %.3g", cases, exact, worst)
	// Beyond the 1e-6 acceptance bound, the rounding model of accumulate
	// reproduces this torch build exactly; a regression shows up here first.
	if exact != cases {
		t.Errorf("%d of %d grids are not bit-identical to torch", cases-exact, cases)
	}
}

// TestPosEmbedGoldens checks vision.pos_embed_resized.i of the NaFlex
// goldens, made from the reference model's 8x8x64 table.
func TestPosEmbedGoldens(t *testing.T) {
	model := readSafetensors(t, filepath.Join("..", "testdata", "reference", "siglip2_naflex", "model.safetensors"))
	tab := model["vision_model.embeddings.position_embedding.weight"]
	if fmt.Sprint(tab.Shape) != "[64 64]" {
		t.Fatalf("table shape %v", tab.Shape)
	}
	table := tab.f32(t)
	for _, file := range []string{"naflex_mnp16.safetensors", "naflex_mnp64.safetensors"} {
		g := readSafetensors(t, filepath.Join("..", "testdata", "reference", "goldens", file))
		for i := range 4 {
			want := g[fmt.Sprintf("vision.pos_embed_resized.%d", i)]
			gh, gw := want.Shape[0], want.Shape[1]
			got, err := ResizePositions(table, 8, 64, gh, gw)
			if err != nil {
				t.Fatal(err)
			}
			for j, w := range want.f32(t) {
				if got[j] != w {
					t.Logf("%s image %d: value %d not bit-identical (%v vs %v)", file, i, j, got[j], w)
				}
				if d := math.Abs(float64(got[j]) - float64(w)); d > posTolerance {
					t.Errorf("%s image %d (%dx%d): value %d = %v, want %v", file, i, gh, gw, j, got[j], w)
					break
				}
			}
		}
	}
}

func TestResizePositionsRejectsBadInput(t *testing.T) {
	tab := make([]float32, 4*4*2)
	for _, a := range [][5]int{{4, 2, 0, 3}, {4, 2, 3, 0}, {0, 2, 3, 3}, {4, 0, 3, 3}, {5, 2, 3, 3}, {4, 2, 1 << 20, 1}} {
		if _, err := ResizePositions(tab, a[0], a[1], a[2], a[3]); err == nil {
			t.Errorf("ResizePositions(side=%d, dim=%d, %dx%d) accepted", a[0], a[1], a[2], a[3])
		}
	}
	// Same size is a copy, not an alias of the table.
	tab[0] = 1
	out, err := ResizePositions(tab, 4, 2, 4, 4)
	if err != nil || out[0] != 1 {
		t.Fatal(err)
	}
	out[0] = 2
	if tab[0] != 1 {
		t.Error("identity resize aliases the table")
	}
}
