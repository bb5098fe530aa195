package tui

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// The Why view measures the selected label's probes to the end, shows the
// same numbers inspect computes on its own, and each part's keys work.
func TestWhyViewProbesAndKeys(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.keys("6")
	p := d.m.why
	if d.m.view != viewWhy || p.probe == nil || !p.complete() {
		t.Fatalf("6: view %d, probe %v, complete %v (err %v)", d.m.view, p.probe, p.complete(), p.err)
	}
	lab := d.m.labels.Selected()
	if p.probe.Label() != lab.Text {
		t.Errorf("probing %q, selected %q", p.probe.Label(), lab.Text)
	}
	// The same numbers, measured here in one go.
	fresh, err := inspect.NewProbe(d.m.analysis, lab.Text, lab.Embed)
	if err != nil {
		t.Fatal(err)
	}
	occ, err := fresh.Occlude(context.Background(), 1, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range occ.Delta {
		if p.occ.Delta[i] != v {
			t.Fatalf("patch %d: on screen %v, measured %v", i, p.occ.Delta[i], v)
		}
	}
	heads, err := fresh.AblateHeads(context.Background(), 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	for l := range heads.Delta {
		for h, v := range heads.Delta[l] {
			if p.heads.Delta[l][h] != v {
				t.Fatalf("block %d head %d: on screen %v, measured %v", l+1, h+1, p.heads.Delta[l][h], v)
			}
		}
	}
	if n := len(p.curves.Maps()); n != 5 {
		t.Errorf("%d maps on the curves, want 5 (occlusion included)", n)
	}
	sc := d.screen()
	for _, want := range []string{"6 Why", "Occlusion: each patch dropped", "Why this score?", "whole image: ", "all probes measured"} {
		if !strings.Contains(sc, want) {
			t.Errorf("screen lacks %q:\n%s", want, sc)
		}
	}
	// The cursor reads the map.
	d.keys("left", "up")
	r, c := d.m.patch.Row, d.m.patch.Col
	cols := d.m.prepared.Input.GridW
	if want := "patch (" + strconv.Itoa(r) + "," + strconv.Itoa(c) + ") dropped: " + deltaText(p.occ.Delta[r*cols+c]); !strings.Contains(d.screen(), want) {
		t.Errorf("screen lacks %q:\n%s", want, d.screen())
	}
	// s saves the occlusion map with the probe command's JSON.
	d.keys("s")
	base := filepath.Join(d.m.sh.cfg.ExportDir, "scene.why.occlusion")
	raw, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatalf("s: %v (message %q)", err, d.m.message)
	}
	var js struct {
		Label     string      `json:"label"`
		BaseLogit float64     `json:"base_logit"`
		Grid      [2]int      `json:"grid"`
		Occlusion [][]float64 `json:"occlusion"`
	}
	if err := json.Unmarshal(raw, &js); err != nil || js.Label != lab.Text || js.Grid != [2]int{d.m.prepared.Input.GridH, cols} || math.Abs(js.BaseLogit-p.probe.BaseLogit()) > 1e-9 {
		t.Errorf("saved %+v, %v", js, err)
	}
	if _, err := os.Stat(base + ".png"); err != nil {
		t.Error(err)
	}
	// v: the head grid; enter opens the selected head's attention map.
	d.keys("v", "down", "right", "right")
	if p.part != whyHeads || p.cellL != 1 || p.cellH != 2 || !strings.Contains(d.screen(), "block 2, head 3: "+deltaText(p.heads.Delta[1][2])) {
		t.Errorf("heads part: part %d cell %d,%d\n%s", p.part, p.cellL, p.cellH, d.screen())
	}
	d.keys("enter")
	if d.m.view != viewAttention || d.m.mode != attnQuery || d.m.level != 2 || d.m.head != 2 || d.m.maps.cur == nil || d.m.maps.cur.Req.Head != 2 {
		t.Errorf("enter: view %d mode %d level %d head %d map %+v", d.m.view, d.m.mode, d.m.level, d.m.head, d.m.maps.cur)
	}
	d.keys("6", "v")
	if p.part != whyCurves || !strings.Contains(d.screen(), "Deletion curves") || !strings.Contains(d.screen(), "most faithful: ") {
		t.Errorf("curves part:\n%s", d.screen())
	}
	d.keys("right")
	if !strings.Contains(d.screen(), "Insertion curves") {
		t.Errorf("→ shows insertion:\n%s", d.screen())
	}
	d.keys("v")
	if p.part != whyAbout || !strings.Contains(d.screen(), "What a causal probe tells you") {
		t.Errorf("about part:\n%s", d.screen())
	}
	// z: blocks of 2×2 patches, measured again; the head grid stays.
	d.keys("v", "z")
	if p.occ.Block != 2 || !p.occ.Complete() || len(p.occ.Blocks) != 12 || !p.complete() {
		t.Errorf("z: block %d, %d blocks, complete %v", p.occ.Block, len(p.occ.Blocks), p.occ.Complete())
	}
	// n: the next label is probed.
	before := p.probe.Label()
	d.keys("n")
	if p.probe.Label() == before || p.probe.Label() != d.m.labels.Selected().Text || !p.complete() {
		t.Errorf("n: probing %q (was %q), selected %q", p.probe.Label(), before, d.m.labels.Selected().Text)
	}
}

// A label change while passes run cancels them: the old run's result is
// dropped and the new label's map starts empty.
func TestWhyViewRestartsOnLabelChange(t *testing.T) {
	d := newDriver(t, testConfig(t), 80, 24)
	d.m.view = viewWhy
	p := d.m.why
	first := p.Sync(d.m) // the first step, not run yet
	if first == nil || !p.running {
		t.Fatal("no step started")
	}
	old := p.probe.Label()
	d.m.labels.Move(1)
	second := p.Sync(d.m)
	if p.probe.Label() == old || p.occ.Done != 0 || second == nil {
		t.Fatalf("label change: probing %q, %d blocks done", p.probe.Label(), p.occ.Done)
	}
	gen := p.gen
	d.run(first) // the cancelled step comes back
	if p.gen != gen || p.err != nil || p.probe.Label() == old {
		t.Errorf("the old step changed the new run: gen %d→%d, err %v, label %q", gen, p.gen, p.err, p.probe.Label())
	}
	d.run(second)
	if !p.complete() {
		t.Errorf("the new run did not finish")
	}
}
