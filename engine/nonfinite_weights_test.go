package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// poison returns a rewriteWeights edit that stores one tensor with the
// value v at flat index at, as dtype (F32, F64 or BF16); every other tensor
// is written back unchanged.
func poison(tensor string, at int, v float64, dtype safetensors.DType) func(string, []int, []float32) *safetensors.Tensor {
	return func(n string, s []int, vals []float32) *safetensors.Tensor {
		if n != tensor {
			return &safetensors.Tensor{Name: n, Shape: s, Data: vals}
		}
		switch dtype {
		case safetensors.F64:
			raw := make([]byte, 8*len(vals))
			for i, x := range vals {
				binary.LittleEndian.PutUint64(raw[8*i:], math.Float64bits(float64(x)))
			}
			binary.LittleEndian.PutUint64(raw[8*at:], math.Float64bits(v))
			return &safetensors.Tensor{Name: n, Shape: s, Data: safetensors.Raw{DType: dtype, Bytes: raw}}
		case safetensors.BF16:
			raw := make([]byte, 2*len(vals))
			for i, x := range vals {
				binary.LittleEndian.PutUint16(raw[2*i:], roundBF16(x))
			}
			binary.LittleEndian.PutUint16(raw[2*at:], uint16(math.Float32bits(float32(v))>>16))
			return &safetensors.Tensor{Name: n, Shape: s, Data: safetensors.Raw{DType: dtype, Bytes: raw}}
		}
		c := append([]float32(nil), vals...)
		c[at] = float32(v)
		return &safetensors.Tensor{Name: n, Shape: s, Data: c}
	}
}

// TestNonFiniteWeightsRefusedAtLoad writes a NaN or an infinity into one
// tensor of a copy of a reference checkpoint and checks that Load refuses
// it with an error naming the tensor, the file and the element — or, for
// the text tower, which is read when the first text needs it, that
// TextTower does.
func TestNonFiniteWeightsRefusedAtLoad(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		model, tensor string
		at            int
		value         float64
		dtype         safetensors.DType
		want          []string
	}{
		{"siglip2_fixed", "vision_model.post_layernorm.weight", 17, nan, safetensors.F32, []string{"NaN", "element [17]"}},
		{"siglip2_fixed", "vision_model.encoder.layers.1.mlp.fc2.weight", 3*128 + 17, inf, safetensors.F32, []string{"+Inf", "element [3 17]"}},
		{"siglip2_fixed", "vision_model.encoder.layers.0.self_attn.k_proj.bias", 5, -inf, safetensors.F32, []string{"-Inf", "element [5]"}},
		{"siglip2_fixed", "vision_model.head.attention.in_proj_weight", 0, nan, safetensors.BF16, []string{"NaN", "element [0 0]"}},
		{"siglip2_fixed", "vision_model.embeddings.patch_embedding.weight", 1, nan, safetensors.F32, []string{"NaN", "element [0 0 0 1]"}},
		{"siglip2_fixed", "logit_scale", 0, nan, safetensors.F32, []string{"NaN", "element [0]"}},
		{"siglip2_fixed", "logit_bias", 0, -inf, safetensors.F32, []string{"-Inf"}},
		{"siglip2_fixed", "text_model.head.weight", 64, 1e300, safetensors.F64, []string{"+Inf", "element [1 0]"}},
		{"siglip2_fixed", "text_model.embeddings.position_embedding.weight", 2, nan, safetensors.F32, []string{"NaN"}},
		{"siglip2_naflex", "vision_model.embeddings.patch_embedding.weight", 700, inf, safetensors.F32, []string{"+Inf", "element [0 700]"}},
		{"siglip2_naflex", "vision_model.head.probe", 9, nan, safetensors.F32, []string{"NaN", "element [0 0 9]"}},
		{"siglip2_naflex", "vision_model.embeddings.position_embedding.weight", 64*3 + 1, nan, safetensors.F32, []string{"NaN", "element [3 1]"}},
	} {
		t.Run(tc.model+"/"+tc.tensor, func(t *testing.T) {
			dir := copyModel(t, tc.model)
			rewriteWeights(t, dir, poison(tc.tensor, tc.at, tc.value, tc.dtype))
			m, err := Load(dir, Options{Backend: cpuBackend})
			if strings.HasPrefix(tc.tensor, "text_model.") {
				if err != nil {
					t.Fatalf("Load read the text tower: %v", err)
				}
				_, err = m.TextTower()
				m.Close()
			}
			if err == nil {
				m.Close()
				t.Fatal("Load accepted a non-finite weight")
			}
			var nf *NonFiniteWeightError
			if !errors.As(err, &nf) || nf.Tensor != tc.tensor || nf.Index != tc.at {
				t.Fatalf("error %v (%T), want a NonFiniteWeightError for %s element %d", err, err, tc.tensor, tc.at)
			}
			want := append([]string{`"` + tc.tensor + `"`, filepath.Join(dir, "model.safetensors"), "download it again"}, tc.want...)
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestNonFiniteTokenEmbeddingRow: the token table stays memory-mapped and
// is converted row by row, so a NaN in one row is found when a text uses
// that token, naming the tensor, the file and the row; other texts run.
func TestNonFiniteTokenEmbeddingRow(t *testing.T) {
	const tensor = "text_model.embeddings.token_embedding.weight"
	dir := copyModel(t, "siglip2_fixed")
	rewriteWeights(t, dir, poison(tensor, 9*64+4, math.NaN(), safetensors.F32))
	m, err := Load(dir, Options{Backend: cpuBackend})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	clean := [][]int{{5, 7, 1, 0}}
	if _, err := m.EncodeTexts(context.Background(), clean, false); err != nil {
		t.Fatalf("a text without token 9: %v", err)
	}
	_, err = m.EncodeTexts(context.Background(), [][]int{{5, 9, 1, 0}}, false)
	var nf *NonFiniteWeightError
	if !errors.As(err, &nf) || nf.Tensor != tensor {
		t.Fatalf("error %v, want a NonFiniteWeightError for the token table", err)
	}
	for _, w := range []string{tensor, filepath.Join(dir, "model.safetensors"), "NaN", "element [9 4]"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// TestLogitScaleOverflowRefused: a finite logit_scale whose exp overflows
// float32 would make every logit infinite; Load refuses it, naming the file.
func TestLogitScaleOverflowRefused(t *testing.T) {
	for _, tc := range []struct {
		scale float64
		ok    bool
	}{{88.5, true}, {88.8, false}, {1e30, false}} {
		dir := copyModel(t, "siglip2_fixed")
		rewriteWeights(t, dir, poison("logit_scale", 0, tc.scale, safetensors.F32))
		m, err := Load(dir, Options{Backend: cpuBackend})
		if tc.ok {
			if err != nil {
				t.Errorf("logit_scale %g refused: %v", tc.scale, err)
			} else {
				m.Close()
			}
			continue
		}
		if err == nil {
			m.Close()
			t.Errorf("logit_scale %g accepted", tc.scale)
			continue
		}
		for _, w := range []string{"logit_scale", "overflows float32", filepath.Join(dir, "model.safetensors")} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("logit_scale %g: error %q does not mention %q", tc.scale, err, w)
			}
		}
	}
}
