package tokenizer

import (
	"os"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzEncode checks, for any bytes, that encoding does not panic, yields
// valid ids, reads invalid UTF-8 as ToValidUTF8 does, and that SigLIP
// framing is the encoding cut to length-1 plus <eos> and padding. It uses
// the real tokenizer when scripts/fetch-test-data has fetched it, and the
// tiny hand-written one always.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		"", "a photo of a cat", "   ", "\n\n\n", "<eos>", "<b>bold</b>", "\xf0\x9f\x98", "\x00",
		"👨\u200d👩\u200d👧", "é vs e\u0301", "<unused98><start_of_turn>", "\t\t\t", "▁▁▁▁",
	} {
		f.Add(s, uint8(64))
	}
	toks := []*Tokenizer{}
	tiny, err := Load(tinyPath)
	if err != nil {
		f.Fatal(err)
	}
	toks = append(toks, tiny)
	if _, err := os.Stat(realTokenizerPath); err == nil {
		toks = append(toks, realTokenizer(f))
	}
	f.Fuzz(func(t *testing.T, s string, n uint8) {
		length := int(n%80) + 1
		for _, tok := range toks {
			ids := tok.Encode(s)
			for _, id := range ids {
				if id < 0 || id >= tok.VocabSize() {
					t.Fatalf("Encode(%q): id %d out of range", s, id)
				}
			}
			if !utf8.ValidString(s) {
				if v := tok.Encode(ToValidUTF8(s)); !slices.Equal(ids, v) {
					t.Fatalf("Encode(%q) = %v, but Encode(ToValidUTF8) = %v", s, ids, v)
				}
			}
			framed, err := tok.EncodeSigLIP(s, length)
			if err != nil {
				t.Fatal(err)
			}
			k := min(len(ids), length-1)
			if len(framed) != length || !slices.Equal(framed[:k], ids[:k]) || framed[k] != tok.EOSID() {
				t.Fatalf("EncodeSigLIP(%q, %d) = %v; Encode = %v", s, length, framed, ids)
			}
			for _, id := range framed[k+1:] {
				if id != tok.PadID() {
					t.Fatalf("EncodeSigLIP(%q, %d) = %v: not padded with <pad>", s, length, framed)
				}
			}
			if _, err := tok.Decode(ids); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzParse feeds arbitrary bytes to the tokenizer.json scanner and the
// SentencePiece reader: errors are fine, panics are not.
func FuzzParse(f *testing.F) {
	tiny, err := os.ReadFile(tinyPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tiny)
	f.Add(encodeModelProto(tinySP(), spSpec{modelType: 2, byteFallback: true, normalizer: true}))
	f.Add([]byte(`{"model":{"vocab":{"a":0},"merges":[["a","a"]]}}`))
	f.Add([]byte(`{"model":{"vocab":{"\ud800":0}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Parse(data)
		if err != nil {
			return
		}
		ids := tok.Encode("a b <eos> é\xff")
		for _, id := range ids {
			if id < 0 || id >= tok.VocabSize() {
				t.Fatalf("id %d out of range", id)
			}
		}
	})
}
