package samples_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/samples"
)

func TestImagesDecodeAndHaveCaptions(t *testing.T) {
	imgs := samples.Images()
	if len(imgs) < 5 {
		t.Fatalf("%d sample images, want at least 5", len(imgs))
	}
	square, other := 0, 0
	for _, s := range imgs {
		img, err := png.Decode(bytes.NewReader(s.PNG))
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		b := img.Bounds()
		if b.Dx() == b.Dy() {
			square++
		} else {
			other++
		}
		if !strings.HasPrefix(s.Caption, "a ") && !strings.HasPrefix(s.Caption, "an ") {
			t.Errorf("%s: caption %q does not read like the training captions", s.Name, s.Caption)
		}
	}
	if square == 0 || other == 0 {
		t.Errorf("%d square and %d non-square images; the demo needs both (fixed-res vs NaFlex)", square, other)
	}
}

func TestWriteModel(t *testing.T) {
	want := []string{"config.json", "model.safetensors", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json"}
	for _, tc := range []struct {
		name      string
		modelType string
		write     func(dir string) error
	}{
		{"fixed", `"model_type": "siglip"`, func(dir string) error { return samples.WriteModel(samples.FixedModel(), dir) }},
		{"naflex", `"model_type": "siglip2"`, func(dir string) error { return samples.WriteModel(samples.NaFlexModel(), dir) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "nested", "model")
			if err := tc.write(dir); err != nil {
				t.Fatal(err)
			}
			for _, f := range want {
				st, err := os.Stat(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				if st.Size() == 0 {
					t.Errorf("%s is empty", f)
				}
			}
			cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(cfg), tc.modelType) {
				t.Errorf("config.json lacks %s", tc.modelType)
			}
			st, err := os.Stat(filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() > 8<<20 {
				t.Errorf("model.safetensors is %d bytes; the toy models should stay a few MB", st.Size())
			}
		})
	}
}

func TestWriteModelIntoAFileFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := samples.WriteModel(samples.FixedModel(), file); err == nil {
		t.Fatal("writing a model into a regular file succeeded")
	}
}

func TestLabels(t *testing.T) {
	ls := samples.Labels()
	if len(ls) != 35 {
		t.Fatalf("%d labels, want 35 (7 colours × 5 shapes)", len(ls))
	}
	seen := map[string]bool{}
	for _, l := range ls {
		if seen[l] {
			t.Errorf("label %q twice", l)
		}
		seen[l] = true
	}
	for _, l := range []string{"a red circle", "an orange star", "a white cross"} {
		if !seen[l] {
			t.Errorf("label %q missing", l)
		}
	}
	ls[0] = "changed"
	if samples.Labels()[0] == "changed" {
		t.Error("Labels returns the package's own slice")
	}
}

func TestObjects(t *testing.T) {
	for _, tc := range []struct {
		caption string
		want    []string
	}{
		{"a small blue circle at the top", []string{"a blue circle"}},
		{"a small orange star at the top left and a big yellow triangle on the right", []string{"an orange star", "a yellow triangle"}},
		{"a big purple cross at the top left, a big yellow triangle on the left and a big red square in the center",
			[]string{"a purple cross", "a yellow triangle", "a red square"}},
		{"a white shape", nil},
	} {
		got := samples.Sample{Caption: tc.caption}.Objects()
		if !slices.Equal(got, tc.want) {
			t.Errorf("Objects of %q = %q, want %q", tc.caption, got, tc.want)
		}
	}
	for _, s := range samples.Images() {
		if len(s.Objects()) == 0 {
			t.Errorf("%s (%q): no objects", s.Name, s.Caption)
		}
		if got, ok := samples.Image(s.Name); !ok || got.Caption != s.Caption {
			t.Errorf("Image(%q) = %v, %v", s.Name, got.Name, ok)
		}
	}
	if _, ok := samples.Image("nope.png"); ok {
		t.Error("Image found a scene that is not shipped")
	}
}
