package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreprocessorConfigRanges feeds every field of preprocessor_config.json
// a value outside its range (and some inside) and checks that the error
// names the field and the valid range.
func TestPreprocessorConfigRanges(t *testing.T) {
	fixed, err := ParseConfig([]byte(`{"model_type":"siglip","vision_config":{"image_size":64,"patch_size":16}}`))
	if err != nil {
		t.Fatal(err)
	}
	naf, err := ParseConfig([]byte(`{"model_type":"siglip2","vision_config":{"patch_size":16}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		json string
		want []string // empty: accepted
	}{
		{"rescale 1e308", fixed, `{"rescale_factor": 1e308}`, []string{"rescale_factor = 1e+308", "(0, 1]"}},
		{"rescale zero", fixed, `{"rescale_factor": 0}`, []string{"rescale_factor = 0", "(0, 1]"}},
		{"rescale negative", naf, `{"rescale_factor": -0.5}`, []string{"rescale_factor = -0.5"}},
		{"rescale ignored without do_rescale", fixed, `{"rescale_factor": 1e308, "do_rescale": false}`, nil},
		{"rescale 1/127.5 accepted", fixed, `{"rescale_factor": 0.00784313725490196}`, nil},
		{"mean infinite", fixed, `{"image_mean": [0.5, 1e39, 0.5]}`, []string{"image_mean[1] = +Inf", "[-1000, 1000]"}},
		{"mean huge", naf, `{"image_mean": [-5000, 0.5, 0.5]}`, []string{"image_mean[0] = -5000"}},
		{"mean in pixel units", fixed, `{"do_rescale": false, "image_mean": [127.5, 127.5, 127.5], "image_std": [127.5]}`, nil},
		{"mean one number", fixed, `{"image_mean": 0.25}`, nil},
		{"mean two values", fixed, `{"image_mean": [0.5, 0.5]}`, []string{"image_mean has 2 values", "want 1 or 3"}},
		{"mean empty list", fixed, `{"image_mean": []}`, []string{"image_mean has 0 values"}},
		{"mean not a number", fixed, `{"image_mean": "half"}`, []string{"parse", "a number or a list"}},
		{"std zero", fixed, `{"image_std": [0.5, 0, 0.5]}`, []string{"image_std[1] = 0", "[0.001, 1000]", "positive"}},
		{"std negative", naf, `{"image_std": -0.5}`, []string{"image_std[0] = -0.5"}},
		{"std tiny", fixed, `{"image_std": [1e-30, 0.5, 0.5]}`, []string{"image_std[0] = 1e-30"}},
		{"std ignored without do_normalize", fixed, `{"image_std": [0, 0, 0], "do_normalize": false}`, nil},
		{"resample nearest", fixed, `{"resample": 0}`, []string{"resample = 0", "2 = bilinear and 3 = bicubic"}},
		{"resample lanczos", naf, `{"resample": 1}`, []string{"resample = 1"}},
		{"do_resize false", fixed, `{"do_resize": false}`, []string{"do_resize = false"}},
		{"do_rescale not a bool", fixed, `{"do_rescale": "yes"}`, []string{"parse"}},
		{"size zero", fixed, `{"size": {"height": 0, "width": 64}}`, []string{"size.height = 0", "[1, 8192]"}},
		{"size huge", fixed, `{"size": {"height": 64, "width": 100000}}`, []string{"size.width = 100000", "[1, 8192]"}},
		{"size mismatch", fixed, `{"size": {"height": 224, "width": 224}}`, []string{"224x224", "image_size 64"}},
		{"patch_size zero", naf, `{"patch_size": 0}`, []string{"patch_size = 0", "[1, 128]"}},
		{"patch_size mismatch", naf, `{"patch_size": 14}`, []string{"patch_size 14", "patch_size 16"}},
		{"max_num_patches zero", naf, `{"max_num_patches": 0}`, []string{"max_num_patches = 0", "[1, 65536]"}},
		{"max_num_patches huge", naf, `{"max_num_patches": 1000000}`, []string{"max_num_patches = 1000000"}},
		{"max_num_patches ignored for fixed", fixed, `{"max_num_patches": 0}`, nil},
		{"defaults", naf, `{}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePreprocessorConfig([]byte(tc.json), tc.cfg)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; want an error mentioning %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestMissingPreprocessorConfig: transformers' AutoImageProcessor refuses a
// folder without preprocessor_config.json ("does not appear to have a file
// named preprocessor_config.json"); guessing the settings would give other
// scores, so Load refuses too, naming the file, for both variants.
func TestMissingPreprocessorConfig(t *testing.T) {
	for _, name := range []string{"siglip2_fixed", "siglip2_naflex"} {
		t.Run(name, func(t *testing.T) {
			dir := copyModel(t, name)
			path := filepath.Join(dir, "preprocessor_config.json")
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			m, err := Load(dir, Options{Backend: cpuBackend})
			if err == nil {
				m.Close()
				t.Fatal("Load succeeded without preprocessor_config.json")
			}
			for _, w := range []string{path, "missing"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestHugeRescaleFactorRefusedAtLoad is the reproduction: a
// rescale_factor of 1e308 in a copy of a reference folder made every pixel
// value infinite; it is now refused when the folder is loaded.
func TestHugeRescaleFactorRefusedAtLoad(t *testing.T) {
	dir := copyModel(t, "siglip2_naflex")
	path := filepath.Join(dir, "preprocessor_config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `"rescale_factor"`, `"rescale_factor": 1e308, "x_old_rescale"`, 1)
	if edited == string(b) {
		t.Fatal("the reference preprocessor_config.json has no rescale_factor to replace")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir, Options{Backend: cpuBackend})
	if err == nil {
		m.Close()
		t.Fatal("Load accepted rescale_factor 1e308")
	}
	for _, w := range []string{path, "rescale_factor = 1e+308"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
