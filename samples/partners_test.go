package samples_test

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/samples"
)

// The correspondence partners: scenes that hold the same shapes as a
// shipped scene, at other places and sizes, on another background. They
// are drawn by this file's Go rendering of tools/toymodel/scenes.py (see
// scenes_test.go) and committed; redraw them with
//
//	go test ./samples -run TestPartnerScenes -render-partners
//
// and keep images/index.json's captions and partners in step.

var renderPartners = flag.Bool("render-partners", false, "draw the partner scenes into images/ (their index entries are written by hand)")

// partnerScenes are the drawn partners: file, canvas and objects.
var partnerScenes = []struct {
	file    string
	h, w    int
	seed    uint64
	objects []object
}{
	{"three-shapes-moved.png", 72, 72, 71, []object{
		{shape: shapeIndex("cross"), colour: colourIndex("purple"), size: 0, place: placeIndex("bottom right")},
		{shape: shapeIndex("triangle"), colour: colourIndex("yellow"), size: 0, place: placeIndex("top")},
		{shape: shapeIndex("square"), colour: colourIndex("red"), size: 1, place: placeIndex("left")},
	}},
	{"two-shapes-moved.png", 48, 96, 72, []object{
		{shape: shapeIndex("square"), colour: colourIndex("yellow"), size: 1, place: placeIndex("top right")},
		{shape: shapeIndex("triangle"), colour: colourIndex("blue"), size: 0, place: placeIndex("left")},
	}},
	{"two-shapes-b-moved.png", 72, 72, 73, []object{
		{shape: shapeIndex("star"), colour: colourIndex("white"), size: 0, place: placeIndex("bottom left")},
		{shape: shapeIndex("circle"), colour: colourIndex("yellow"), size: 1, place: placeIndex("top right")},
	}},
}

func shapeIndex(s string) int  { return slices.Index(shapeNames, s) }
func colourIndex(s string) int { return slices.Index(colourNames, s) }
func placeIndex(s string) int  { return slices.Index(placeNames, s) }

// caption says what objects are, as the training captions do.
func caption(objects []object) string {
	var parts []string
	for _, o := range objects {
		parts = append(parts, "a "+sizeNames[o.size]+" "+colourNames[o.colour]+" "+shapeNames[o.shape]+" "+placePhrase[o.place])
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// TestPartnerScenes: every scene's partner is a built-in scene that shares
// at least one of its objects; the drawn partners are in the index with
// the captions of what was drawn; and the toy model reads each scene's own
// objects on the drawn partners as well as on the shipped scenes (each
// object's label ranked no worse, per object, than on the shipped scenes,
// with a probability no lower than the weakest shipped object gets).
func TestPartnerScenes(t *testing.T) {
	if *renderPartners {
		for _, p := range partnerScenes {
			s := render(rand.New(rand.NewPCG(p.seed, 2026)), p.objects, p.h, p.w)
			img := image.NewNRGBA(image.Rect(0, 0, s.w, s.h))
			for i := range s.w * s.h {
				copy(img.Pix[4*i:4*i+3], s.pix[3*i:3*i+3])
				img.Pix[4*i+3] = 255
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("images", p.file), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %q", p.file, caption(p.objects))
		}
	}
	drawn := map[string]string{}
	for _, p := range partnerScenes {
		drawn[p.file] = caption(p.objects)
	}
	for _, s := range samples.Images() {
		if want, ok := drawn[s.Name]; ok && s.Caption != want {
			t.Errorf("%s: index caption %q, drawn %q", s.Name, s.Caption, want)
		}
		delete(drawn, s.Name)
		p, ok := samples.Partner(s.Name)
		if !ok {
			t.Errorf("%s has no partner", s.Name)
			continue
		}
		shared := false
		for _, o := range s.Objects() {
			shared = shared || slices.Contains(p.Objects(), o)
		}
		if !shared || p.Name == s.Name {
			t.Errorf("%s's partner %s shares none of its objects (%v, %v)", s.Name, p.Name, s.Objects(), p.Objects())
		}
	}
	for f := range drawn {
		t.Errorf("%s is drawn but not in images/index.json", f)
	}
	if _, ok := samples.Partner("no-such.png"); ok {
		t.Error("a partner for a scene that does not exist")
	}

	dir := t.TempDir()
	if err := samples.WriteModel(samples.NaFlexModel(), dir); err != nil {
		t.Fatal(err)
	}
	m, err := engine.Load(dir, engine.Options{Backend: cpuBackend(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	labels, _, err := m.EncodeLabels(context.Background(), samples.Labels(), engine.PromptOptions{Template: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	isDrawn := func(name string) bool {
		return slices.ContainsFunc(partnerScenes, func(p struct {
			file    string
			h, w    int
			seed    uint64
			objects []object
		}) bool {
			return p.file == name
		})
	}
	weakestShipped, rankShipped := 1.0, 0.0
	type reading struct {
		name  string
		prob  float64
		worst int // the lowest rank of an object's label (1 = best)
		n     int
	}
	var drawnReadings []reading
	for _, s := range samples.Images() {
		img, err := preprocess.Decode(bytes.NewReader(s.PNG), preprocess.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := m.Analyze(context.Background(), img, 0)
		if err != nil {
			t.Fatal(err)
		}
		scores, err := m.ScoreLabels(a.ImageEmbedding(), labels)
		a.Release()
		if err != nil {
			t.Fatal(err)
		}
		r := reading{name: s.Name, prob: 1, n: len(s.Objects())}
		for _, o := range s.Objects() {
			i := slices.Index(samples.Labels(), o)
			rank := 1
			for _, sc := range scores {
				if sc.Prob > scores[i].Prob {
					rank++
				}
			}
			r.prob = min(r.prob, float64(scores[i].Prob))
			r.worst = max(r.worst, rank)
		}
		t.Logf("%-24s weakest object %.2f, worst rank %d of %d objects", s.Name, r.prob, r.worst, r.n)
		if isDrawn(s.Name) {
			drawnReadings = append(drawnReadings, r)
		} else {
			weakestShipped = min(weakestShipped, r.prob)
			rankShipped = max(rankShipped, float64(r.worst)/float64(r.n))
		}
	}
	if len(drawnReadings) != len(partnerScenes) {
		t.Fatalf("%d drawn partners read, want %d", len(drawnReadings), len(partnerScenes))
	}
	for _, r := range drawnReadings {
		if r.prob < weakestShipped || float64(r.worst) > rankShipped*float64(r.n) {
			t.Errorf("%s: the toy model reads its objects worse than on the shipped scenes: weakest %.2f (shipped %.2f), worst rank %d for %d objects (shipped: %.0f per object)",
				r.name, r.prob, weakestShipped, r.worst, r.n, rankShipped)
		}
	}
}
