package cli

import (
	"context"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"slices"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/samples"
)

// The demo runs the built-in toy models on the built-in scenes, and its
// starting labels score the scene's objects above the label it lacks.
func TestDemoModelsScoreTheirScene(t *testing.T) {
	for _, tc := range []struct {
		name    string
		load    func() (*engine.Model, error)
		variant engine.Variant
		scene   string
	}{
		{"naflex", func() (*engine.Model, error) { return demoModel(naive.New()) }, engine.NaFlex, demoScene},
		{"fixed", func() (*engine.Model, error) { return demoFixedModel(naive.New()) }, engine.FixedRes, demoCompareScene},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.load()
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if m.Tokenizer == nil || m.Config.Variant != tc.variant {
				t.Fatalf("tokenizer %v, variant %v", m.Tokenizer, m.Config.Variant)
			}
			img, err := demoImage(tc.scene)
			if err != nil {
				t.Fatal(err)
			}
			a, err := m.Analyze(context.Background(), img, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release()
			labels := demoLabels(tc.scene)
			objects := len(labels) - 1
			if objects < 1 {
				t.Fatalf("labels %q: no object and absent label", labels)
			}
			enc, _, err := m.EncodeLabels(context.Background(), labels, engine.PromptOptions{Template: demoTemplate})
			if err != nil {
				t.Fatal(err)
			}
			scores, err := m.ScoreLabels(a.ImageEmbedding(), enc)
			if err != nil {
				t.Fatal(err)
			}
			absent := scores[objects].Prob
			for i, s := range scores[:objects] {
				if s.Prob <= absent {
					t.Errorf("%s: present %q scores %.3f, not above absent %q %.3f", tc.scene, labels[i], s.Prob, labels[objects], absent)
				}
			}
		})
	}
}

func TestDemoLabels(t *testing.T) {
	for _, s := range samples.Images() {
		got := demoLabels(s.Name)
		objects := s.Objects()
		if !slices.Equal(got[:len(objects)], objects) || len(got) != len(objects)+1 {
			t.Errorf("%s: labels %q, want the objects %q and one absent label", s.Name, got, objects)
		}
		absent := strings.Fields(got[len(got)-1]) // article, colour, shape
		for _, o := range objects {
			f := strings.Fields(o)
			if f[1] == absent[1] || f[2] == absent[2] {
				t.Errorf("%s: absent label %q shares a colour or shape with %q", s.Name, got[len(got)-1], o)
			}
		}
	}
	if got := demoLabels("photo.jpg"); len(got) == 0 {
		t.Error("no labels for an image that is not a built-in scene")
	}
	if _, err := demoImage("nope.png"); err == nil {
		t.Error("demoImage of an unknown scene: no error")
	}
}

// With --demo, IMAGE may name a built-in scene; any other missing file is
// an error that lists them.
func TestDemoSceneArgument(t *testing.T) {
	src := sourceFlags{demo: true}
	name, load, err := src.imageLoader([]string{"tall.png"})
	if err != nil || name != "tall.png" {
		t.Fatalf("tall.png: %q, %v", name, err)
	}
	img, err := load()
	if err != nil || img.Width != 48 || img.Height != 96 {
		t.Fatalf("tall.png loaded as %v, %v", img, err)
	}
	if _, _, err := src.imageLoader([]string{"nope.png"}); err == nil || !strings.Contains(err.Error(), "wide-three.png") {
		t.Errorf("nope.png: %v", err)
	}
	if name, _, err := src.imageLoader(nil); err != nil || name != demoScene {
		t.Errorf("no IMAGE: %q, %v", name, err)
	}
}
