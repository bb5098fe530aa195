// Package engine runs SigLIP 2 checkpoints as Hugging Face saves them:
// config, safetensors weights, the vision and text towers, the attention
// pooling head, internals capture for the explorer, and the dump of every
// tensor for comparison with transformers.
//
// The model code talks to a compute.Backend only. engine never imports the
// user-interface packages (tui, viz) nor the hub client.
package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// Model is a loaded SigLIP 2 checkpoint. Its methods may be called from
// several goroutines; forward passes run one at a time.
type Model struct {
	Dir          string
	Config       Config
	Preprocessor PreprocessorConfig
	Vision       *VisionTower
	// Text is the text tower, nil until the first text needs it (or
	// TextTower is called): a model shows images without reading it.
	Text *TextTower
	// LogitScale and LogitBias turn a cosine similarity into a logit:
	// logit = cos·exp(LogitScale) + LogitBias.
	LogitScale, LogitBias float32

	// Tokenizer turns label text into ids; nil when the folder has none
	// or one this engine cannot read (TokenizerErr then says why).
	Tokenizer    *tokenizer.Tokenizer
	TokenizerErr error

	backend compute.Backend
	weights *Weights
	mu      sync.Mutex
	closed  bool

	labelMu    sync.Mutex
	labelCache map[string][]float32 // prompt → text embedding

	// vocabulary is the set of words a closed-vocabulary model knows
	// (VocabularyFile), nil for an open vocabulary.
	vocabulary map[string]bool
}

// Options configure Load.
type Options struct {
	// Backend runs the arithmetic (required: the caller chooses the CPU,
	// GPU or naive backend; the engine never picks one).
	Backend compute.Backend
}

// Load reads a model folder: config.json, preprocessor_config.json and the
// safetensors weights (single file or sharded).
func Load(dir string, opts Options) (*Model, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	pre, err := LoadPreprocessorConfig(dir, cfg)
	if err != nil {
		return nil, err
	}
	w, err := OpenWeights(dir)
	if err != nil {
		return nil, err
	}
	// The tokenizer (a 256 000-token tokenizer.json takes about 0.2 s)
	// is read while the weights are bound.
	type tokResult struct {
		tok         *tokenizer.Tokenizer
		unsupported error
		err         error
	}
	tokCh := make(chan tokResult, 1)
	go func() {
		tok, unsupported, err := loadTokenizer(dir)
		tokCh <- tokResult{tok, unsupported, err}
	}()
	m, err := newModel(cfg, pre, w, opts)
	tr := <-tokCh
	if err != nil {
		w.Close()
		return nil, err
	}
	m.Dir = dir
	if m.Tokenizer, m.TokenizerErr, err = tr.tok, tr.unsupported, tr.err; err != nil {
		m.Close()
		return nil, err
	}
	if data, err := inputfile.ReadFile(filepath.Join(dir, VocabularyFile), inputfile.ListLimit); err == nil {
		if m.vocabulary, err = parseVocabulary(data); err != nil {
			m.Close()
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		m.Close()
		return nil, err
	}
	return m, nil
}

func newModel(cfg Config, pre PreprocessorConfig, w *Weights, opts Options) (*Model, error) {
	c := opts.Backend
	if c == nil {
		return nil, fmt.Errorf("engine: no compute backend given (Options.Backend): pass the CPU, GPU or naive backend to run on")
	}
	m := &Model{Config: cfg, Preprocessor: pre, backend: c, weights: w}
	scale, err := w.Float32("logit_scale", 1)
	if err != nil {
		return nil, err
	}
	bias, err := w.Float32("logit_bias", 1)
	if err != nil {
		return nil, err
	}
	m.LogitScale, m.LogitBias = scale[0], bias[0]
	if err := checkLogitScale(w, m.LogitScale); err != nil {
		return nil, err
	}
	if m.Vision, err = loadVisionTower(c, w, cfg); err != nil {
		return nil, err
	}
	// The text tower is read when the first text needs it; its tensors'
	// names, shapes and dtypes are checked now, so a broken checkpoint is
	// refused at once.
	if err := checkTextTower(c, w, cfg.Text); err != nil {
		m.Vision.free(c)
		return nil, err
	}
	return m, nil
}

// TextTower returns the text tower, reading it from the checkpoint the
// first time: a NaN or an infinity in its weights is reported then.
func (m *Model) TextTower() (*TextTower, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.textTower()
}

// textTower is TextTower with m.mu held.
func (m *Model) textTower() (*TextTower, error) {
	if m.Text != nil {
		return m.Text, nil
	}
	if m.closed {
		return nil, fmt.Errorf("the model is closed")
	}
	t, err := loadTextTower(m.backend, m.weights, m.Config.Text)
	if err != nil {
		return nil, err
	}
	m.Text = t
	return t, nil
}

// Backend is the compute backend the model runs on.
func (m *Model) Backend() compute.Backend { return m.backend }

// Close frees the model's tensors and releases the weights' memory
// mapping, after any forward pass in progress. The model must not be used
// afterwards.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.Vision.free(m.backend)
	if m.Text != nil {
		m.Text.free(m.backend)
	}
	return m.weights.Close()
}

// EncodeImages runs the vision tower on a batch of preprocessed images. With
// capture, the output's Internals hold every layer's hidden states and
// attention probabilities and the pooling head's attention. Cancelling ctx
// stops the pass between two blocks. A pass whose EstimateVision exceeds
// MemoryLimit is refused with a *MemoryError before anything is allocated.
func (m *Model) EncodeImages(ctx context.Context, inputs []VisionInput, capture bool) (*VisionOutput, error) {
	out := &VisionOutput{}
	if err := m.EncodeImagesInto(ctx, out, inputs, capture); err != nil {
		return nil, err
	}
	return out, nil
}

// EncodeImagesInto is EncodeImages writing into out and reusing its slices:
// a loop over images of one shape allocates nothing once warm.
func (m *Model) EncodeImagesInto(ctx context.Context, out *VisionOutput, inputs []VisionInput, capture bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkVisionMemory(inputs, capture); err != nil {
		return err
	}
	return m.Vision.forward(ctx, m.backend, inputs, capture, out)
}

// EncodeTexts runs the text tower on rows of token ids, all of one length
// (SigLIP 2 pads them to max_position_embeddings). Cancelling ctx stops the
// pass between two blocks. A batch whose EstimateText exceeds MemoryLimit
// is refused (*MemoryError); TextEmbeddings encodes any number of rows in
// bounded batches.
func (m *Model) EncodeTexts(ctx context.Context, ids [][]int, capture bool) (*TextOutput, error) {
	out := &TextOutput{}
	if err := m.EncodeTextsInto(ctx, out, ids, capture); err != nil {
		return nil, err
	}
	return out, nil
}

// EncodeTextsInto is EncodeTexts writing into out and reusing its slices.
func (m *Model) EncodeTextsInto(ctx context.Context, out *TextOutput, ids [][]int, capture bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.textTower()
	if err != nil {
		return err
	}
	if err := m.checkTextMemory(ids, capture); err != nil {
		return err
	}
	return t.forward(ctx, m.backend, ids, capture, out)
}

// Logits returns logits_per_image (images × texts): the cosine similarity of
// the L2-normalised embeddings times exp(logit_scale) plus logit_bias.
func (m *Model) Logits(imageEmbeds, textEmbeds []float32) ([]float32, error) {
	d := m.Config.Vision.Hidden
	if len(imageEmbeds)%d != 0 || len(textEmbeds)%d != 0 {
		return nil, fmt.Errorf("embeddings are not multiples of the %d-wide embedding", d)
	}
	ni, nt := len(imageEmbeds)/d, len(textEmbeds)/d
	scale := float32(math.Exp(float64(m.LogitScale)))
	out := make([]float32, ni*nt)
	for i := 0; i < ni; i++ {
		for t := 0; t < nt; t++ {
			var dot float32
			im, tx := imageEmbeds[i*d:(i+1)*d], textEmbeds[t*d:(t+1)*d]
			for k := range im {
				dot += im[k] * tx[k]
			}
			out[i*nt+t] = dot*scale + m.LogitBias
		}
	}
	return out, nil
}

// Probabilities applies the sigmoid to logits: each label's probability on
// its own, not a softmax over labels.
func Probabilities(logits []float32) []float32 {
	out := make([]float32, len(logits))
	for i, l := range logits {
		out[i] = sigmoid(l)
	}
	return out
}

// PatchEmbeddings returns, for one image of a vision output, every valid
// patch's final features passed through the pooling head on their own and
// L2-normalised (valid × hidden): comparing them with a text embedding gives
// an approximate label→patch map (see poolingHead.patchEmbeddings).
func (m *Model) PatchEmbeddings(out *VisionOutput, item int) ([]float32, error) {
	if item < 0 || item >= out.Batch {
		return nil, fmt.Errorf("image %d out of range [0, %d)", item, out.Batch)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, d := m.backend, out.Hidden
	valid := out.Grids[item][0] * out.Grids[item][1]
	x, err := c.Alloc(valid, d)
	if err != nil {
		return nil, err
	}
	defer c.Free(x)
	start := item * out.Tokens * d
	if err := c.Upload(x, out.LastHidden[start:start+valid*d]); err != nil {
		return nil, err
	}
	return m.Vision.Head.patchEmbeddings(c, m.Config.Vision.EncoderConfig, x)
}
