package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// The golden screens are the views as text (escape sequences stripped) in
// NO_COLOR mode, where the picture is drawn with a ramp of characters, so
// the files can be read and reviewed. Regenerate them with
//
//	go test ./tui -run TestGoldenScreens -update
//
// and read the diff before committing.
func TestGoldenScreens(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		keys []string
	}{
		{"similarity_80x24", 80, 24, nil},
		{"similarity_layer0_80x24", 80, 24, []string{"{", "left", "left", "up"}},
		{"attention_head2_80x24", 80, 24, []string{"2", ".", ".", "["}},
		{"pooling_80x24", 80, 24, []string{"2", "t"}},
		{"rollout_200x60", 200, 60, []string{"2", "t", "t", "g"}},
		{"labels_80x24", 80, 24, []string{"3", "down"}},
		{"labels_typing_80x24", 80, 24, []string{"3", "a", "t", "a", "b"}},
		{"pca_80x24", 80, 24, []string{"4"}},
		{"help_80x24", 80, 24, []string{"?"}},
		{"similarity_40x12", 40, 12, []string{"right"}},
		{"labels_40x12", 40, 12, []string{"3"}},
		{"toosmall_24x6", 24, 6, nil},
		{"locality_curve_80x24", 80, 24, []string{"5", "["}},
		{"locality_table_80x24", 80, 24, []string{"5", "v"}},
		{"locality_lesson2_80x24", 80, 24, []string{"5", "n", "n"}},
		{"locality_curve_40x12", 40, 12, []string{"5"}},
		{"locality_lesson_40x12", 40, 12, []string{"5", "n"}},
		{"locality_curve_160x48", 160, 48, []string{"5", "{"}},
		{"locality_map_80x24", 80, 24, []string{"5", "v", "v"}},
		{"locality_lesson1_80x24", 80, 24, []string{"5", "n"}},
		{"locality_lesson1_scrolled_80x24", 80, 24, []string{"5", "n", "down", "down"}},
		{"labels_four_80x24", 80, 24, []string{"3"}},
		{"labels_overlay_80x24", 80, 24, []string{"3", "o"}},
		{"labels_side_80x24", 80, 24, []string{"3", "o", "o"}},
		{"inside_norms_80x24", 80, 24, []string{"8", "<", "<", "<"}},
		{"inside_norms_40x12", 40, 12, []string{"8"}},
		{"inside_positions_80x24", 80, 24, []string{"8", "v", "up", "left"}},
		{"inside_text_80x24", 80, 24, []string{"8", "v", "v"}},
		{"inside_text_head1_200x60", 200, 60, []string{"8", "v", "v", "."}},
		{"inside_lesson2_80x24", 80, 24, []string{"8", "n", "n"}},
		{"inside_positions_200x60", 200, 60, []string{"8", "v"}},
		{"why_occlusion_80x24", 80, 24, []string{"6"}},
		{"why_heads_80x24", 80, 24, []string{"6", "v", "down"}},
		{"why_curves_80x24", 80, 24, []string{"6", "v", "v"}},
		{"why_about_80x24", 80, 24, []string{"6", "v", "v", "v"}},
		{"why_occlusion_40x12", 40, 12, []string{"6"}},
		{"why_curves_200x60", 200, 60, []string{"6", "v", "v", "right"}},
		{"trained_globallocal_80x24", 80, 24, []string{"7"}},
		{"trained_globallocal_moved_80x24", 80, 24, []string{"7", "left", "up", ">", "{"}},
		{"trained_context_80x24", 80, 24, []string{"7", "v"}},
		{"trained_correspond_80x24", 80, 24, []string{"7", "v", "v"}},
		{"trained_nopair_80x24", 80, 24, []string{"7", "v", "v"}},
		{"trained_lesson2_80x24", 80, 24, []string{"7", "n", "n"}},
		{"trained_lesson4_80x24", 80, 24, []string{"7", "n", "n", "n", "n"}},
		{"trained_globallocal_40x12", 40, 12, []string{"7"}},
		{"trained_correspond_200x60", 200, 60, []string{"7", "v", "v", "right"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t)
			if strings.HasPrefix(c.name, "labels_four") || strings.HasPrefix(c.name, "labels_overlay") || strings.HasPrefix(c.name, "labels_side") {
				// Four labels, two of them alike at the start, one with a
				// word the tiny tokenizer cannot read.
				cfg.Labels = []string{"a cat at the top of the picture", "a cat at the top of the tab", "cab", "zebra"}
			}
			if strings.HasPrefix(c.name, "trained_") && !strings.HasPrefix(c.name, "trained_nopair") {
				cfg.PairName = "other.png"
				cfg.LoadPair = func() (*preprocess.Image, error) { return inspect.MirrorImage(testImage(48, 48)), nil }
			}
			d := newDriver(t, cfg, c.w, c.h)
			for _, k := range c.keys {
				d.keys(k)
			}
			golden(t, c.name+".golden", d.screen()+"\n")
		})
	}
}

// TestGoldenLoadingScreen is the screen before any stage has finished.
func TestGoldenLoadingScreen(t *testing.T) {
	m := New(testConfig(t))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Init()
	screen := (&driver{m: m}).screen()
	if strings.Count(screen, "\n") != 23 {
		t.Errorf("%d lines", strings.Count(screen, "\n")+1)
	}
	golden(t, "loading_80x24.golden", screen+"\n")
}
