package cli

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/internal/emulation"
)

// paneFooterRE matches a ready pane's footer: "patch (3,4) = 1", its
// other parts labelled when they fit ("· vision 1ms · captured 353 KB").
var paneFooterRE = regexp.MustCompile(`patch \(\d+,\d+\) = \S+`)

// TestCompareAndLocalityEndToEnd runs the real binary in tmux, as a person
// would: compare --demo at 80×24 (three panes appear, the cursor moves
// across grids, focus moves, the labels table shows, s saves, a resize to
// 40×12 keeps every pane), then locality --demo (curve, table, lesson).
func TestCompareAndLocalityEndToEnd(t *testing.T) {
	s, dir, bin := startEndToEnd(t)

	s.literal(fmt.Sprintf("cd %s && %s compare --demo --out %s; echo EXIT=$?", dir, emulation.Command(bin), dir))
	s.keys("Enter")
	sc := s.waitFor("three panes", func(sc string) bool {
		return len(paneFooterRE.FindAllString(sc, -1)) == 3 && strings.Contains(sc, "top label")
	})
	for _, want := range []string{"1 NaFlex 32", "2 NaFlex 72", "3 fixed 72×72  9×9", "toy model", "cursor (50.0%, 50.0%)"} {
		if !strings.Contains(sc, want) {
			t.Errorf("first screen lacks %q:\n%s", want, sc)
		}
	}
	s.keys("l")
	s.waitForText("cursor (68.8%, 62.5%)") // one patch right in the 4×8 grid: the centre of patch (2,5)
	s.keys("f", "l")
	s.waitForText("▸2 NaFlex 72")
	s.keys("3")
	s.waitForText("Δlogit")
	sc = s.saveWhenReady()
	if m, _ := filepath.Glob(filepath.Join(dir, "wide-three.compare.labels.png")); len(m) != 1 {
		t.Errorf("no exported comparison in %s:\n%s", dir, sc)
	}
	s.resize(40, 12)
	s.waitFor("three panes at 40×12", func(sc string) bool {
		return strings.Contains(sc, "1 NaFlex") && strings.Contains(sc, "2 NaFlex") && strings.Contains(sc, "3 fixed")
	})
	s.resize(80, 24)
	s.keys("q")
	exited := regexp.MustCompile(`EXIT=\d`)
	if sc := s.waitFor("compare to exit", exited.MatchString); !strings.Contains(sc, "EXIT=0") {
		t.Errorf("compare did not exit with status 0:\n%s", sc)
	}

	s.keys("C-l")
	s.literal(fmt.Sprintf("clear; %s locality --demo --out %s; echo DONE=$?", emulation.Command(bin), dir))
	s.keys("Enter")
	sc = s.waitForText("self−neighbour contrast")
	for _, want := range []string{"5 Loc", "Similarity vs distance", "● image", "index = near − far"} {
		if !strings.Contains(sc, want) {
			t.Errorf("locality screen lacks %q:\n%s", want, sc)
		}
	}
	s.keys("v")
	s.waitForText("Mean similarity")
	s.keys("n")
	s.waitForText("1 · What locality means")
	s.keys("n", "n")
	s.waitForText("3 · The middle")
	s.keys("Escape")
	s.waitForText("Locality curve")
	s.keys("s")
	s.waitForText("saved ")
	if m, _ := filepath.Glob(filepath.Join(dir, "three-shapes.locality.L4.png")); len(m) != 1 {
		t.Errorf("no exported locality charts in %s", dir)
	}
	s.keys("q")
	done := regexp.MustCompile(`DONE=\d`)
	if sc := s.waitFor("locality to exit", done.MatchString); !strings.Contains(sc, "DONE=0") {
		t.Errorf("locality did not exit with status 0:\n%s", sc)
	}
}
