package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// copyModel copies a reference model folder into a temporary one.
func copyModel(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join(referenceDir, name)
	for _, f := range []string{"config.json", "preprocessor_config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// rewriteWeights re-encodes model.safetensors in dir through edit, which
// receives each tensor as float32 values and returns what to write (nil to
// drop the tensor).
func rewriteWeights(t *testing.T, dir string, edit func(name string, shape []int, vals []float32) *safetensors.Tensor) {
	t.Helper()
	path := filepath.Join(dir, "model.safetensors")
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []safetensors.Tensor
	for _, name := range f.Names() {
		vals, info, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		if nt := edit(name, info.Shape, vals); nt != nil {
			out = append(out, *nt)
		}
	}
	f.Close()
	if err := safetensors.WriteFile(path, out, nil); err != nil {
		t.Fatal(err)
	}
}

func editConfig(t *testing.T, dir string, edit func(m map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ = json.Marshal(m)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRejectsBadFolders(t *testing.T) {
	cases := []struct {
		name    string
		break_  func(t *testing.T, dir string)
		wantErr []string
	}{
		{"missing config", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "config.json")) },
			[]string{"config.json"}},
		{"not json", func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, "config.json"), []byte("{"), 0o644) },
			[]string{"config.json", "parse config"}},
		{"other model type", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["model_type"] = "clip" })
		},
			[]string{`"clip"`, "not a SigLIP 2"}},
		{"absurd hidden size", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["vision_config"].(map[string]any)["hidden_size"] = 1 << 30 })
		}, []string{"hidden_size", "outside the supported range"}},
		{"heads do not divide", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["vision_config"].(map[string]any)["num_attention_heads"] = 5 })
		}, []string{"not divisible"}},
		{"config disagrees with weights", func(t *testing.T, dir string) {
			editConfig(t, dir, func(m map[string]any) { m["vision_config"].(map[string]any)["intermediate_size"] = 96 })
		}, []string{"vision_model.encoder.layers.0.mlp.fc1.weight", "[128 64]", "[96 64]", "model.safetensors"}},
		{"missing weights file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "model.safetensors")) },
			[]string{"no weights", "model.safetensors"}},
		{"truncated weights", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "model.safetensors")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, []string{"model.safetensors", "truncated"}},
		{"garbage weights", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte("<!doctype html> not a model"), 0o644)
		}, []string{"model.safetensors", "not a valid safetensors file"}},
		{"missing tensor", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(n string, s []int, v []float32) *safetensors.Tensor {
				if n == "vision_model.head.probe" {
					return nil
				}
				return &safetensors.Tensor{Name: n, Shape: s, Data: v}
			})
		}, []string{`"vision_model.head.probe"`, "missing"}},
		{"integer weights", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(n string, s []int, v []float32) *safetensors.Tensor {
				if n == "text_model.head.weight" {
					ints := make([]int32, len(v))
					return &safetensors.Tensor{Name: n, Shape: s, Data: ints}
				}
				return &safetensors.Tensor{Name: n, Shape: s, Data: v}
			})
		}, []string{`"text_model.head.weight"`, "I32"}},
		{"wrong rank", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(n string, s []int, v []float32) *safetensors.Tensor {
				if n == "vision_model.embeddings.patch_embedding.weight" {
					s = []int{s[0], s[1] * s[2] * s[3]}
				}
				return &safetensors.Tensor{Name: n, Shape: s, Data: v}
			})
		}, []string{"patch_embedding.weight", "[64 768]", "[64 3 16 16]"}},
		{"bad preprocessor", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), []byte(`{"resample": 1}`), 0o644)
		}, []string{"preprocessor_config.json", "resample = 1"}},
		{"preprocessor size mismatch", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), []byte(`{"size": {"height": 224, "width": 224}}`), 0o644)
		}, []string{"224x224", "image_size 64"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyModel(t, "siglip2_fixed")
			c.break_(t, dir)
			m, err := Load(dir, Options{Backend: cpuBackend})
			if err == nil {
				m.Close()
				t.Fatalf("Load succeeded; want an error mentioning %q", c.wantErr)
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// roundBF16 rounds a float32 to bfloat16 (nearest even), returning the bits.
func roundBF16(v float32) uint16 {
	b := math.Float32bits(v)
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// TestHalfPrecisionWeights checks that BF16 and F16 checkpoints give exactly
// what the F32 checkpoint gives once its values are rounded the same way:
// only the storage differs.
func TestHalfPrecisionWeights(t *testing.T) {
	for _, dtype := range []safetensors.DType{safetensors.BF16, safetensors.F16} {
		t.Run(string(dtype), func(t *testing.T) {
			half, rounded := copyModel(t, "siglip2_naflex"), copyModel(t, "siglip2_naflex")
			encode := func(v float32) (uint16, float32) {
				if dtype == safetensors.BF16 {
					h := roundBF16(v)
					return h, math.Float32frombits(uint32(h) << 16)
				}
				h := float32ToHalf(v)
				return h, safetensors.HalfToFloat32(h)
			}
			rewriteWeights(t, half, func(n string, s []int, v []float32) *safetensors.Tensor {
				raw := make([]byte, 2*len(v))
				for i, x := range v {
					h, _ := encode(x)
					binary.LittleEndian.PutUint16(raw[2*i:], h)
				}
				return &safetensors.Tensor{Name: n, Shape: s, Data: safetensors.Raw{DType: dtype, Bytes: raw}}
			})
			rewriteWeights(t, rounded, func(n string, s []int, v []float32) *safetensors.Tensor {
				r := make([]float32, len(v))
				for i, x := range v {
					_, r[i] = encode(x)
				}
				return &safetensors.Tensor{Name: n, Shape: s, Data: r}
			})
			ids := [][]int{{5, 9, 1, 0, 0, 0}, {7, 1, 0, 0, 0, 0}}
			var embeds [2][]float32
			for i, dir := range []string{half, rounded} {
				m, err := Load(dir, Options{Backend: cpuBackend})
				if err != nil {
					t.Fatal(err)
				}
				out, err := m.EncodeTexts(context.Background(), ids, false)
				m.Close()
				if err != nil {
					t.Fatal(err)
				}
				embeds[i] = out.Embeds
			}
			for i := range embeds[0] {
				if embeds[0][i] != embeds[1][i] {
					t.Fatalf("text embedding %d: %s checkpoint gives %v, rounded F32 gives %v", i, dtype, embeds[0][i], embeds[1][i])
				}
			}
		})
	}
}

// float32ToHalf rounds to IEEE binary16 (nearest even) for normal-range values,
// which is all the test weights need.
func float32ToHalf(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xff) - 127 + 15
	mant := b & 0x7fffff
	if exp <= 0 {
		return sign // flush tiny values; none occur in the test weights
	}
	h := uint32(exp)<<10 | mant>>13
	rest := mant & 0x1fff
	if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}

// TestShardedCheckpoint splits the weights over two shards with an index and
// expects exactly the single-file results.
func TestShardedCheckpoint(t *testing.T) {
	single := filepath.Join(referenceDir, "siglip2_fixed")
	sharded := copyModel(t, "siglip2_fixed")
	f, err := safetensors.Open(filepath.Join(sharded, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var a, b []safetensors.Tensor
	index := map[string]string{}
	for _, name := range f.Names() {
		vals, info, _ := f.Float32(name)
		tensor := safetensors.Tensor{Name: name, Shape: info.Shape, Data: vals}
		if strings.HasPrefix(name, "text_model") {
			a = append(a, tensor)
			index[name] = "model-00001-of-00002.safetensors"
		} else {
			b = append(b, tensor)
			index[name] = "model-00002-of-00002.safetensors"
		}
	}
	f.Close()
	os.Remove(filepath.Join(sharded, "model.safetensors"))
	if err := safetensors.WriteFile(filepath.Join(sharded, "model-00001-of-00002.safetensors"), a, nil); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(filepath.Join(sharded, "model-00002-of-00002.safetensors"), b, nil); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 0}, "weight_map": index})
	os.WriteFile(filepath.Join(sharded, "model.safetensors.index.json"), js, 0o644)

	g := openGolden(t, "fixed.safetensors")
	var pooled [2][]float32
	for i, dir := range []string{single, sharded} {
		m, err := Load(dir, Options{Backend: cpuBackend})
		if err != nil {
			t.Fatal(err)
		}
		inputs, _ := goldenInputs(t, g, m)
		out, err := m.EncodeImages(context.Background(), inputs, false)
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		pooled[i] = out.Pooled
	}
	for i := range pooled[0] {
		if pooled[0][i] != pooled[1][i] {
			t.Fatalf("pooled[%d]: sharded %v, single file %v", i, pooled[1][i], pooled[0][i])
		}
	}

	// An index naming a shard that lacks the tensor is refused.
	index["logit_bias"] = "model-00001-of-00002.safetensors"
	js, _ = json.Marshal(map[string]any{"weight_map": index})
	os.WriteFile(filepath.Join(sharded, "model.safetensors.index.json"), js, 0o644)
	if _, err := Load(sharded, Options{Backend: cpuBackend}); err == nil || !strings.Contains(err.Error(), `"logit_bias"`) {
		t.Errorf("inconsistent index: err = %v", err)
	}
}

func TestRandomModel(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"model_type":"siglip2","vision_config":{"hidden_size":32,"intermediate_size":48,"num_hidden_layers":2,"num_attention_heads":4,"num_patches":9,"patch_size":4},"text_config":{"hidden_size":32,"intermediate_size":40,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":50,"max_position_embeddings":8}}`))
	if err != nil {
		t.Fatal(err)
	}
	pre := DefaultPreprocessor(cfg)
	var embeds [2][]float32
	for i := range embeds {
		m, err := NewRandom(cfg, pre, 42, Options{Backend: cpuBackend})
		if err != nil {
			t.Fatal(err)
		}
		in := VisionInput{Patches: make([]float32, 6*48), Tokens: 6, GridH: 2, GridW: 2}
		for j := range in.Patches {
			in.Patches[j] = float32(j%7) / 7
		}
		out, err := m.EncodeImages(context.Background(), []VisionInput{in}, false)
		if err != nil {
			t.Fatal(err)
		}
		embeds[i] = out.Embeds
		var norm float64
		for _, v := range out.Embeds {
			if math.IsNaN(float64(v)) {
				t.Fatal("NaN in embedding")
			}
			norm += float64(v) * float64(v)
		}
		if math.Abs(norm-1) > 1e-5 {
			t.Errorf("embedding norm² = %v, want 1", norm)
		}
	}
	for i := range embeds[0] {
		if embeds[0][i] != embeds[1][i] {
			t.Fatal("same seed gave different models")
		}
	}
}

// LoadFS (in-memory model folders) must compute exactly what Load does.
func TestLoadFSMatchesLoad(t *testing.T) {
	dir := withTinyTokenizer(t, "siglip2_naflex")
	fromDisk, err := Load(dir, Options{Backend: cpuBackend})
	if err != nil {
		t.Fatal(err)
	}
	defer fromDisk.Close()
	fromFS, err := LoadFS(os.DirFS(dir), "toy", Options{Backend: cpuBackend})
	if err != nil {
		t.Fatal(err)
	}
	defer fromFS.Close()
	if fromFS.Dir != "toy" || fromFS.Tokenizer == nil {
		t.Fatalf("LoadFS: dir %q, tokenizer %v", fromFS.Dir, fromFS.Tokenizer)
	}
	var embeds [2][]float32
	for i, m := range []*Model{fromDisk, fromFS} {
		labels, _, err := m.EncodeLabels(context.Background(), []string{"a cat"}, PromptOptions{})
		if err != nil {
			t.Fatal(err)
		}
		embeds[i] = labels[0].Embed
	}
	for k := range embeds[0] {
		if embeds[0][k] != embeds[1][k] {
			t.Fatalf("embedding %d: Load %v, LoadFS %v", k, embeds[0][k], embeds[1][k])
		}
	}
	if _, err := LoadFS(os.DirFS(t.TempDir()), "empty", Options{Backend: cpuBackend}); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("empty folder: %v", err)
	}
}
