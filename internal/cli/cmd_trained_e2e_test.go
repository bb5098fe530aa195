package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/internal/emulation"
)

// TestTrainedEndToEnd runs `siglip2-tui globallocal --demo` in tmux at
// 80×24, as a person would: the explorer opens in the Trained view, a crop
// is dragged with the mouse and measured, v steps through masked context
// and correspondence (the scene's built-in partner), n opens the lesson, s
// saves a mode, q quits with status 0.
func TestTrainedEndToEnd(t *testing.T) {
	s, dir, bin := startEndToEnd(t)
	s.literal(fmt.Sprintf("cd %s && %s globallocal --demo --out %s; echo EXIT=$?", dir, emulation.Command(bin), dir))
	s.keys("Enter")

	sc := s.waitForText("crop 18,18,54,54 px")
	s.waitForText(" out ") // the crop measured: every level listed
	for _, want := range []string{"Global–local", "7 Tra", "whole image"} {
		if !strings.Contains(sc, want) {
			t.Errorf("first screen lacks %q:\n%s", want, sc)
		}
	}
	// Drag from the whole image's top-left cell (screen row 4, column 1 in
	// the 1-based SGR numbering) to the cell 8 to the right and 4 down.
	s.literal("\x1b[<0;1;4M")
	s.literal("\x1b[<32;5;6M")
	s.literal("\x1b[<0;9;8m")
	sc = s.waitFor("the dragged crop", func(sc string) bool { return regexp.MustCompile(`crop 0,0,\d+,\d+ px`).MatchString(sc) })
	s.waitFor("the dragged crop measured", func(sc string) bool {
		return regexp.MustCompile(`crop 0,0,\d+,\d+ px`).MatchString(sc) && strings.Contains(sc, " out ")
	})

	s.keys("v")
	s.waitForText("41 of 81 patches dropped")
	s.keys("v")
	sc = s.waitForText("mutual pairs")
	if !strings.Contains(sc, "B three-shapes-moved.png") {
		t.Errorf("correspondence without the built-in partner:\n%s", sc)
	}
	s.keys("s")
	s.waitForText("saved three-shapes.correspond.three-shapes-moved.L4")
	if _, err := os.Stat(filepath.Join(dir, "three-shapes.correspond.three-shapes-moved.L4.r4c4.json")); err != nil {
		t.Error(err)
	}
	s.keys("n")
	s.waitForText("1 · What SigLIP 2 trained its patches for")
	s.keys("n")
	s.waitForText("2 · Global–local: a crop seen alone")

	s.keys("q")
	sc = s.waitFor("the program to exit", regexp.MustCompile(`EXIT=\d`).MatchString)
	if !strings.Contains(sc, "EXIT=0") {
		t.Errorf("globallocal did not exit with status 0:\n%s", sc)
	}
}
