package tui

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocalityViewKeysAndExport(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("5")
	if d.m.view != viewLocality || !d.m.loc.report.Complete() {
		t.Fatalf("5: view %d, report %+v", d.m.view, d.m.loc.report)
	}
	if sc := d.screen(); !strings.Contains(sc, "Similarity vs distance · block 3") || !strings.Contains(sc, "▸  3") {
		t.Errorf("curve view at the last block:\n%s", sc)
	}
	d.keys("[", "[")
	if sc := d.screen(); !strings.Contains(sc, "Similarity vs distance · block 1") {
		t.Errorf("[ [ should show layer 1:\n%s", sc)
	}
	d.keys("v")
	if d.m.loc.mode != locTable || !strings.Contains(d.screen(), "Mean similarity") {
		t.Errorf("v: mode %d", d.m.loc.mode)
	}
	d.keys("v")
	if d.m.loc.mode != locMap || !strings.Contains(d.screen(), "Neighbours − far, patch by patch") {
		t.Errorf("v v: mode %d\n%s", d.m.loc.mode, d.screen())
	}
	d.keys("v")
	if d.m.loc.mode != locLesson || !strings.Contains(d.screen(), "1 · What locality means") {
		t.Errorf("v v v: mode %d\n%s", d.m.loc.mode, d.screen())
	}
	d.keys("n", "right", "p")
	if d.m.loc.lesson.page != 1 || !strings.Contains(d.screen(), "2 · The embeddings (layer 0)") {
		t.Errorf("n → p: page %d\n%s", d.m.loc.lesson.page, d.screen())
	}
	for range 10 {
		d.keys("n")
	}
	if sc := d.screen(); !strings.Contains(sc, "6 · Summary") || !strings.Contains(sc, "6/6") {
		t.Errorf("past the last page:\n%s", sc)
	}
	d.keys("esc")
	if d.m.loc.mode != locCurve {
		t.Errorf("esc leaves the lesson: mode %d", d.m.loc.mode)
	}
	d.keys("s")
	base := filepath.Join(d.m.sh.cfg.ExportDir, "scene.locality.L1")
	f, err := os.Open(base + ".png")
	if err != nil {
		t.Fatalf("s did not save the charts: %v (message %q)", err, d.m.message)
	}
	defer f.Close()
	pic, err := png.Decode(f)
	if err != nil || pic.Bounds().Dx() < 1000 || pic.Bounds().Dy() < 600 {
		t.Errorf("picture %v, %v", pic.Bounds(), err)
	}
	if _, err := os.Stat(base + ".json"); err != nil {
		t.Error(err)
	}
	if !strings.Contains(d.m.message, "scene.locality.L1.png") {
		t.Errorf("status: %q", d.m.message)
	}
	// Arrow keys do not move the hidden cursor here.
	before := d.m.patch
	d.keys("left", "up")
	if d.m.patch != before {
		t.Errorf("arrows moved the patch in the locality view")
	}
}
