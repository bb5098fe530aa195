package tokenizer

import (
	"strings"
	"testing"
)

// TestEmptyVocabularyRefused: a tokenizer whose vocabulary holds only the
// special tokens turns every text into the same ids, which made every
// label score 98.65 % on the reference model. Both file formats refuse it;
// one ordinary token is enough to be accepted.
func TestEmptyVocabularyRefused(t *testing.T) {
	const added = `"added_tokens": [{"id": 0, "content": "<pad>", "special": true}, {"id": 1, "content": "<eos>", "special": true}, {"id": 2, "content": "<unk>", "special": true}]`
	for _, c := range []struct {
		name   string
		data   []byte
		accept bool
	}{
		{"json: empty model.vocab", []byte(`{"model": {"type": "BPE", "unk_token": "<unk>", "vocab": {}, "merges": []}, ` + added + `}`), false},
		{"json: only the special tokens", []byte(`{"model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"<pad>": 0, "<eos>": 1, "<unk>": 2}, "merges": []}, ` + added + `}`), false},
		{"json: one ordinary token", []byte(`{"model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"<pad>": 0, "<eos>": 1, "<unk>": 2, "a": 3}, "merges": []}, ` + added + `}`), true},
		{"sentencepiece: control pieces only", encodeModelProto([]spTestPiece{{"<pad>", 0, spControl}, {"<eos>", 0, spControl}, {"<unk>", 0, spUnknown}}, spSpec{modelType: 2, normalizer: true}), false},
		{"sentencepiece: one ordinary piece", encodeModelProto([]spTestPiece{{"<pad>", 0, spControl}, {"<eos>", 0, spControl}, {"<unk>", 0, spUnknown}, {"a", -1, spNormal}}, spSpec{modelType: 2, normalizer: true}), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.data)
			if c.accept {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "vocabulary is empty") {
				t.Fatalf("error %v, want one saying the vocabulary is empty", err)
			}
		})
	}
}

// TestEncodeSigLIPLengthBounded: a length far beyond any model's
// max_position_embeddings is refused before memory for it is reserved.
func TestEncodeSigLIPLengthBounded(t *testing.T) {
	tok := loadTiny(t)
	for _, c := range []struct {
		length int
		ok     bool
	}{{1, true}, {64, true}, {MaxSigLIPLength, true}, {MaxSigLIPLength + 1, false}, {2_000_000_000, false}, {0, false}} {
		ids, err := tok.EncodeSigLIP("abc", c.length)
		if c.ok != (err == nil) {
			t.Errorf("length %d: error %v, want ok=%v", c.length, err, c.ok)
		}
		if err == nil && len(ids) != c.length {
			t.Errorf("length %d: got %d ids", c.length, len(ids))
		}
	}
}
