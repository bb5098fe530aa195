package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// NewRandom builds a model of the given shape with random weights in memory:
// no download, no files. It serves benchmarks at real sizes and trying the
// interface offline; its outputs mean nothing. Weights are stored as BF16 to
// halve the memory they take before upload.
func NewRandom(cfg Config, pre PreprocessorConfig, seed int64, opts Options) (*Model, error) {
	tensors, err := RandomWeights(cfg, seed)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, map[string]string{"format": "random"}); err != nil {
		return nil, err
	}
	f, err := safetensors.FromBytes("random weights", buf.Bytes())
	if err != nil {
		return nil, err
	}
	w, err := fromFiles([]*safetensors.File{f})
	if err != nil {
		return nil, err
	}
	m, err := newModel(cfg, pre, w, opts)
	if err != nil {
		return nil, err
	}
	m.Dir = "(random weights)"
	return m, nil
}

// RandomWeights returns random BF16 tensors under Hugging Face's names for a
// checkpoint of the given config (see NewRandom).
func RandomWeights(cfg Config, seed int64) ([]safetensors.Tensor, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(seed))
	var tensors []safetensors.Tensor
	add := func(name string, std, mean float64, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		raw := make([]byte, 2*n)
		for i := 0; i < n; i++ {
			v := float32(mean + std*rng.NormFloat64())
			binary.LittleEndian.PutUint16(raw[2*i:], uint16(math.Float32bits(v)>>16))
		}
		tensors = append(tensors, safetensors.Tensor{Name: name, Shape: shape, Data: safetensors.Raw{DType: safetensors.BF16, Bytes: raw}})
	}
	addLinear := func(name string, out, in int) {
		add(name+".weight", 1/math.Sqrt(float64(in)), 0, out, in)
		add(name+".bias", 0.02, 0, out)
	}
	addNorm := func(name string, d int) {
		add(name+".weight", 0.05, 1, d)
		add(name+".bias", 0.02, 0, d)
	}
	addEncoder := func(prefix string, e EncoderConfig) {
		for l := 0; l < e.Layers; l++ {
			p := fmt.Sprintf("%s.encoder.layers.%d", prefix, l)
			addNorm(p+".layer_norm1", e.Hidden)
			for _, proj := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
				addLinear(p+".self_attn."+proj, e.Hidden, e.Hidden)
			}
			addNorm(p+".layer_norm2", e.Hidden)
			addLinear(p+".mlp.fc1", e.Intermediate, e.Hidden)
			addLinear(p+".mlp.fc2", e.Hidden, e.Intermediate)
		}
	}
	v, t := cfg.Vision, cfg.Text
	grid := v.PositionGrid(cfg.Variant)
	if cfg.Variant == NaFlex {
		addLinear("vision_model.embeddings.patch_embedding", v.Hidden, v.PatchDim())
	} else {
		add("vision_model.embeddings.patch_embedding.weight", 1/math.Sqrt(float64(v.PatchDim())), 0, v.Hidden, v.Channels, v.PatchSize, v.PatchSize)
		add("vision_model.embeddings.patch_embedding.bias", 0.02, 0, v.Hidden)
	}
	add("vision_model.embeddings.position_embedding.weight", 0.5, 0, grid*grid, v.Hidden)
	addEncoder("vision_model", v.EncoderConfig)
	addNorm("vision_model.post_layernorm", v.Hidden)
	add("vision_model.head.probe", 1, 0, 1, 1, v.Hidden)
	add("vision_model.head.attention.in_proj_weight", 1/math.Sqrt(float64(v.Hidden)), 0, 3*v.Hidden, v.Hidden)
	add("vision_model.head.attention.in_proj_bias", 0.02, 0, 3*v.Hidden)
	addLinear("vision_model.head.attention.out_proj", v.Hidden, v.Hidden)
	addNorm("vision_model.head.layernorm", v.Hidden)
	addLinear("vision_model.head.mlp.fc1", v.Intermediate, v.Hidden)
	addLinear("vision_model.head.mlp.fc2", v.Hidden, v.Intermediate)

	add("text_model.embeddings.token_embedding.weight", 0.5, 0, t.VocabSize, t.Hidden)
	add("text_model.embeddings.position_embedding.weight", 0.5, 0, t.MaxPositions, t.Hidden)
	addEncoder("text_model", t.EncoderConfig)
	addNorm("text_model.final_layer_norm", t.Hidden)
	addLinear("text_model.head", t.ProjectionSize, t.Hidden)
	add("logit_scale", 0, math.Log(10), 1)
	add("logit_bias", 0, -10, 1)
	return tensors, nil
}
