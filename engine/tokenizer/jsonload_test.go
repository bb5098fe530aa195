package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScannerStrings checks the hand-written JSON string decoder against
// encoding/json on escapes, surrogates and invalid UTF-8.
func TestScannerStrings(t *testing.T) {
	for _, lit := range []string{
		`"plain"`, `""`, `"\n\t\r\b\f\/\\\""`, `"\u2581cat"`, `"\u00e9"`, `"é"`, `"\ud83d\ude00"`,
		`"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"a\ud800\ud800b"`, "\"\xff\"", "\"a\xf0\x9f\x98b\"",
		"\"\xed\xa0\x80\"", `"\u0000"`, `"\uFFFD"`, `"\uD7FF\uE000"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", lit, err)
		}
		s := &scanner{b: []byte(lit)}
		got, err := s.string(nil)
		if err != nil {
			t.Errorf("string(%q): %v", lit, err)
			continue
		}
		if string(got) != want {
			t.Errorf("string(%q) = %q, encoding/json gives %q", lit, got, want)
		}
	}
	for _, lit := range []string{`"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\nb\"", `abc`, `"\`} {
		s := &scanner{b: []byte(lit)}
		if _, err := s.string(nil); err == nil {
			t.Errorf("string(%q): no error", lit)
		}
	}
}

// TestParseErrors feeds malformed or unsupported tokenizer.json files.
func TestParseErrors(t *testing.T) {
	tiny, err := os.ReadFile(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) string {
		if !strings.Contains(string(tiny), old) {
			t.Fatalf("tiny tokenizer.json has no %q", old)
		}
		return strings.Replace(string(tiny), old, new, 1)
	}
	for _, c := range []struct{ name, doc, want string }{
		{"empty", "", "empty"},
		{"spaces", " \n\t ", "empty"},
		{"truncated", string(tiny[:len(tiny)/2]), "invalid JSON"},
		{"trailing data", string(tiny) + "{}", "after the top-level value"},
		{"no model", `{"added_tokens": []}`, "no model.vocab"},
		{"unigram", `{"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}`, "only BPE"},
		{"wordpiece", edit(`"type": "BPE"`, `"type": "WordPiece"`), "not supported"},
		{"no merges", `{"model": {"type": "BPE", "vocab": {"a": 0}}}`, "no model.merges"},
		{"merge out of vocab", edit(`"a t",`, `"a x",`), "not in the vocabulary"},
		{"merge with two spaces", edit(`"a t",`, `"a t c",`), "one space"},
		{"merge without space", edit(`"a t",`, `"at",`), "one space"},
		{"merge not a pair", edit(`"a t",`, `["a"],`), "pair of strings"},
		{"merge a number", edit(`"a t",`, `7,`), "neither a string nor a pair"},
		{"negative id", edit(`"ab": 18`, `"ab": -18`), "non-negative integer"},
		{"fractional id", edit(`"ab": 18`, `"ab": 18.5`), "fraction"},
		{"huge id", edit(`"ab": 18`, `"ab": 99999999999`), "too large"},
		{"id shared", edit(`"ab": 18`, `"ab": 19`), "given to both"},
		{"regex normalizer", edit(`"pattern": {"String": " "}`, `"pattern": {"Regex": " "}`), "regex"},
		{"nfkc normalizer", edit(`"normalizer": {`, `"normalizer": {"type": "NFKC"}, "x": {`), "NFKC"},
		{"pre-tokenizer", edit(`"pre_tokenizer": null`, `"pre_tokenizer": {"type": "ByteLevel"}`), "pre_tokenizer \"ByteLevel\""},
		{"dropout", edit(`"dropout": null`, `"dropout": 0.1`), "dropout"},
		{"suffix", edit(`"end_of_word_suffix": null`, `"end_of_word_suffix": "</w>"`), "end_of_word_suffix"},
		{"unknown unk", edit(`"unk_token": "<unk>"`, `"unk_token": "<nope>"`), "unk_token"},
		{"added id clash", edit(`{"id": 4, "content": "<b>"`, `{"id": 14, "content": "<b>"`), "gives to"},
		{"added empty", edit(`"content": "<b>"`, `"content": ""`), "empty"},
		{"added no id", edit(`{"id": 4, "content": "<b>"`, `{"content": "<b>"`), "missing or bad id"},
		{"no eos", strings.ReplaceAll(edit(`{"id": 1, "content": "<eos>"`, `{"id": 1, "content": "<end>"`), `"<eos>": 1`, `"<end>": 1`), "<eos>"},
		{"control char in key", edit(`"ab": 18`, "\"a\x01b\": 18"), "control character"},
		{"deep nesting", `{"x": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, "nesting"},
	} {
		_, err := Parse([]byte(c.doc))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.want)
		}
	}
}

// TestParseLayouts: the order of the keys does not matter (merges before
// vocab, model first), and ignore_merges keeps whole-word tokens.
func TestParseLayouts(t *testing.T) {
	doc := `{"model": {"merges": [["a", "b"]], "type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "<eos>": 4, "<pad>": 5, "ba": 6}},
		"normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "b"}, {"type": "Replace", "pattern": {"String": "x"}, "content": "a"}]},
		"added_tokens": []}`
	tok, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	// "xb" → prepend "b" → "bxb" → replace x → "bab": b, ab.
	if got := tok.Encode("xb"); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Errorf("Encode(xb) = %v, want [2 3]", got)
	}
	ign := strings.Replace(doc, `"type": "BPE"`, `"type": "BPE", "ignore_merges": true`, 1)
	tok, err = Parse([]byte(ign))
	if err != nil {
		t.Fatal(err)
	}
	// "a" → prepend → "ba", a token: kept whole despite no merge making it.
	if got := tok.Encode("a"); len(got) != 1 || got[0] != 6 {
		t.Errorf("ignore_merges: Encode(a) = %v, want [6]", got)
	}
}

func TestLoadDirErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Errorf("LoadDir(empty dir): %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("Load(missing): no error")
	}
	// tokenizer.json wins over tokenizer.model.
	tiny, err := os.ReadFile(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, JSONFile), tiny, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SentencePieceFile), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Source() != filepath.Join(dir, JSONFile) {
		t.Errorf("Source = %q", tok.Source())
	}
}

// TestRepeatedVocabKey: a token text listed twice takes the later id (as a
// JSON object's repeated key does in JavaScript and in Hugging Face's
// tokenizers), also when merges make it, and also right after a merge
// that makes the id before the first listing.
func TestRepeatedVocabKey(t *testing.T) {
	doc := `{"model": {"type": "BPE", "unk_token": "<unk>",
		"vocab": {"<unk>": 0, "<eos>": 1, "<pad>": 2, "a": 3, "b": 4, "c": 5, "bc": 6, "ab": 7, "ab": 8},
		"merges": ["b c", "a b"]}}`
	tok, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("ab"); len(got) != 1 || got[0] != 8 {
		t.Errorf("Encode(ab) = %v, want [8]", got)
	}
	if got := tok.Encode("bc"); len(got) != 1 || got[0] != 6 {
		t.Errorf("Encode(bc) = %v, want [6]", got)
	}
	if p, err := tok.Pieces([]int{7, 8}); err != nil || p[0] != "ab" || p[1] != "ab" {
		t.Errorf("Pieces(7, 8) = %q, %v", p, err)
	}
}

// TestRepeatedMerge: a merge listed twice has its later rank, as in
// transformers.js (a Map keyed by the pair) and Hugging Face's tokenizers.
func TestRepeatedMerge(t *testing.T) {
	doc := `{"model": {"type": "BPE", "unk_token": "<unk>",
		"vocab": {"<unk>": 0, "<eos>": 1, "<pad>": 2, "a": 3, "b": 4, "c": 5, "ab": 6, "bc": 7},
		"merges": ["a b", "b c", "a b"]}}`
	tok, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	// a+b has rank 2, b+c rank 1: "abc" → a, bc.
	if got := tok.Encode("abc"); len(got) != 2 || got[0] != 3 || got[1] != 7 {
		t.Errorf("Encode(abc) = %v, want [3 7]", got)
	}
}
