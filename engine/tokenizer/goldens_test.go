package tokenizer

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// golden is one case of testdata/reference/tokenizer/tokenizer_goldens.json,
// made by transformers.js (@lenml/tokenizers 3.7.2) with the real tokenizer.
type golden struct {
	Text      string   `json:"text"`
	RawIDs    []int    `json:"raw_ids"`
	InputIDs  []int    `json:"input_ids"`
	RawTokens []string `json:"raw_tokens"`
	Decoded   string   `json:"decoded"`
	Truncated bool     `json:"truncated"`
}

func loadGoldens(t *testing.T) []golden {
	t.Helper()
	b, err := os.ReadFile(goldensPath)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Tokenizer struct {
			VocabSize int `json:"vocab_size"`
		} `json:"tokenizer"`
		Cases []golden `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 40 {
		t.Fatalf("goldens file has %d cases, want 40", len(f.Cases))
	}
	return f.Cases
}

func TestGoldens(t *testing.T) {
	tok := realTokenizer(t)
	cases := loadGoldens(t)
	if tok.VocabSize() != 256000 {
		t.Errorf("VocabSize = %d, want 256000", tok.VocabSize())
	}
	if tok.EOSID() != 1 || tok.PadID() != 0 {
		t.Errorf("EOSID, PadID = %d, %d, want 1, 0", tok.EOSID(), tok.PadID())
	}
	truncated := 0
	for _, c := range cases {
		raw := tok.Encode(c.Text)
		if !slices.Equal(raw, c.RawIDs) {
			t.Errorf("Encode(%q)\n got %v\nwant %v", c.Text, raw, c.RawIDs)
		}
		in, err := tok.EncodeSigLIP(c.Text, SigLIP2Length)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(in, c.InputIDs) {
			t.Errorf("EncodeSigLIP(%q)\n got %v\nwant %v", c.Text, in, c.InputIDs)
		}
		if c.RawTokens != nil {
			p, err := tok.Pieces(c.RawIDs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p, c.RawTokens) {
				t.Errorf("Pieces(%q)\n got %q\nwant %q", c.Text, p, c.RawTokens)
			}
		}
		d, err := tok.Decode(c.RawIDs)
		if err != nil {
			t.Fatal(err)
		}
		if d != c.Decoded {
			t.Errorf("Decode(ids of %q) = %q, want %q", c.Text, d, c.Decoded)
		}
		if c.Truncated {
			truncated++
		}
	}
	if truncated == 0 {
		t.Error("no golden exercises truncation")
	}
}
