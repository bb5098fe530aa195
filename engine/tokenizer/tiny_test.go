package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The tiny tokenizer in testdata/tiny/tokenizer.json was written by hand:
//
//	0 <pad>  1 <eos>  2 <bos>  3 <unk>  4 <b>  5 "\n"  6 "\n\n"   (added tokens)
//	7 <0xC3>  8 <0xA9>  9 <0xF0>  10 <0x9F>  11 <0x98>  12 <0x80>  (some bytes only)
//	13 ▁  14 a  15 b  16 c  17 t  18 ab  19 bc  20 ▁a  21 abc  22 ca  23 ▁▁
//	24 at  25 ▁c  26 ▁cat
//
// merges, by rank: 0 "\n \n", 1 "b c", 2 "a b", 3 "▁ a", 4 "a bc", 5 "ab c",
// 6 "c a", 7 "▁ ▁", 8 "a t", 9 "▁ c", 10 "▁c at". Byte fallback and
// fuse_unk are on; the normalizer maps ' ' to '▁'.
var tinyPath = filepath.Join("testdata", "tiny", "tokenizer.json")

// tinyCases are worked out by hand from the table above.
var tinyCases = []struct {
	text string
	want []int
	why  string
}{
	{"", nil, "empty text has no tokens"},
	{"abc", []int{21}, "b+c (rank 1) then a+bc (rank 4)"},
	{"cab", []int{16, 18}, "a+b (rank 2) beats c+a (rank 6); c+ab is no merge"},
	{"   ", []int{23, 13}, "▁▁▁: equal ranks merge leftmost first"},
	{" cat", []int{13, 22, 17}, "c+a (rank 6) comes before ▁+c (9) and a+t (8), which blocks ▁cat"},
	{" at", []int{20, 17}, "▁+a (rank 3) before a+t (rank 8)"},
	{"abc abc abc", []int{21, 20, 19, 20, 19}, "bc×3, then ▁a×2 (rank 3) before a+bc (rank 4) steals the later a's"},
	{"é", []int{7, 8}, "é is not in the vocabulary: bytes C3 A9"},
	{"😀", []int{9, 10, 11, 12}, "bytes F0 9F 98 80"},
	{"ü", []int{3}, "bytes C3 BC, but <0xBC> is missing: unknown"},
	{"üx", []int{3}, "two unknown characters fuse into one <unk>"},
	{"üaü", []int{3, 14, 3}, "unknowns apart stay apart"},
	{"a<b>b", []int{14, 4, 15}, "added token cut out of the raw text"},
	{"<b><b>", []int{4, 4}, "adjacent added tokens"},
	{"<bos>", []int{2}, "special added token in text"},
	{"<bo", []int{3, 15, 3}, "a prefix of added tokens is plain text: < and o unknown"},
	{"\n\n\n", []int{6, 5}, "leftmost-longest: \\n\\n then \\n"},
	{"a\n\nb", []int{14, 6, 15}, "added token between words"},
	{"a\xffb", []int{14, 3, 15}, "invalid byte is U+FFFD (EF BF BD), whose bytes are missing: unknown"},
	{"a\x00b", []int{14, 3, 15}, "NUL is an ordinary character, here unknown"},
}

func loadTiny(t *testing.T) *Tokenizer {
	t.Helper()
	tok, err := Load(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTinyEncode(t *testing.T) {
	tok := loadTiny(t)
	for _, c := range tinyCases {
		if got := tok.Encode(c.text); !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v (%s)", c.text, got, c.want, c.why)
		}
	}
	if tok.VocabSize() != 27 || tok.EOSID() != 1 || tok.PadID() != 0 {
		t.Errorf("VocabSize, EOSID, PadID = %d, %d, %d; want 27, 1, 0", tok.VocabSize(), tok.EOSID(), tok.PadID())
	}
}

// TestTinyMergePairs loads the same tokenizer with merges written as pairs
// (the layout of tokenizers ≥ 0.20) and expects the same ids.
func TestTinyMergePairs(t *testing.T) {
	b, err := os.ReadFile(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	model := doc["model"].(map[string]any)
	var pairs [][2]string
	for _, m := range model["merges"].([]any) {
		a, c, ok := strings.Cut(m.(string), " ")
		if !ok {
			t.Fatalf("bad merge %q", m)
		}
		pairs = append(pairs, [2]string{a, c})
	}
	model["merges"] = pairs
	b2, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Parse(b2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tinyCases {
		if got := tok.Encode(c.text); !slices.Equal(got, c.want) {
			t.Errorf("pairs layout: Encode(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

func TestTinyEncodeSigLIP(t *testing.T) {
	tok := loadTiny(t)
	for _, c := range []struct {
		text   string
		length int
		want   []int
	}{
		{"abc abc abc", 8, []int{21, 20, 19, 20, 19, 1, 0, 0}},
		{"abc abc abc", 6, []int{21, 20, 19, 20, 19, 1}},
		{"abc abc abc", 5, []int{21, 20, 19, 20, 1}},
		{"abc abc abc", 4, []int{21, 20, 19, 1}},
		{"", 3, []int{1, 0, 0}},
		{"", 1, []int{1}},
		{"abc", 1, []int{1}},
		{"<eos>", 3, []int{1, 1, 0}},
	} {
		got, err := tok.EncodeSigLIP(c.text, c.length)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("EncodeSigLIP(%q, %d) = %v, want %v", c.text, c.length, got, c.want)
		}
	}
	for _, n := range []int{0, -1} {
		if _, err := tok.EncodeSigLIP("abc", n); err == nil {
			t.Errorf("EncodeSigLIP(length %d): no error", n)
		}
	}
}

func TestTinyDecodeAndPieces(t *testing.T) {
	tok := loadTiny(t)
	for _, c := range []struct {
		ids  []int
		want string
	}{
		{[]int{14, 4, 7, 8, 20}, "a<b>é a"},
		{[]int{13, 13, 26}, "   cat"},
		{[]int{7}, "\uFFFD"},
		{[]int{9, 10, 14}, "\uFFFD\uFFFDa"},
		{[]int{1, 0}, "<eos><pad>"},
		{nil, ""},
	} {
		got, err := tok.Decode(c.ids)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("Decode(%v) = %q, want %q", c.ids, got, c.want)
		}
	}
	p, err := tok.Pieces([]int{26, 7, 4})
	if err != nil || !slices.Equal(p, []string{"▁cat", "<0xC3>", "<b>"}) {
		t.Errorf("Pieces = %q, %v", p, err)
	}
	for _, bad := range [][]int{{27}, {-1}, {1 << 40}} {
		if _, err := tok.Pieces(bad); err == nil {
			t.Errorf("Pieces(%v): no error", bad)
		}
		if _, err := tok.Decode(bad); err == nil {
			t.Errorf("Decode(%v): no error", bad)
		}
	}
	if id, ok := tok.TokenID("▁cat"); !ok || id != 26 {
		t.Errorf("TokenID(▁cat) = %d, %v", id, ok)
	}
	if id, ok := tok.TokenID("<b>"); !ok || id != 4 {
		t.Errorf("TokenID(<b>) = %d, %v", id, ok)
	}
	if _, ok := tok.TokenID("cat"); ok {
		t.Error("TokenID(cat) found")
	}
}

// TestMaxWord: a word longer than maxWord is merged in pieces cut at
// character boundaries.
func TestMaxWord(t *testing.T) {
	tok := loadTiny(t)
	defer func(old int) { maxWord = old }(maxWord)
	maxWord = 4
	// "abcabc" → pieces "abca", "bc" → [abc, a] [bc].
	if got, want := tok.Encode("abcabc"), []int{21, 14, 19}; !slices.Equal(got, want) {
		t.Errorf("Encode(abcabc) with maxWord 4 = %v, want %v", got, want)
	}
	// bytes: a(0) C3(1) A9(2) b(3) c(4): cut at 4 is a character start → "aéb", "c".
	if got, want := tok.Encode("aébc"), []int{14, 7, 8, 15, 16}; !slices.Equal(got, want) {
		t.Errorf("Encode(aébc) with maxWord 4 = %v, want %v", got, want)
	}
	maxWord = 2
	// "éé": cut at 2 is the start of the second é.
	if got, want := tok.Encode("éé"), []int{7, 8, 7, 8}; !slices.Equal(got, want) {
		t.Errorf("Encode(éé) with maxWord 2 = %v, want %v", got, want)
	}
	// "😀a": no character starts within 2 bytes: the emoji is one piece.
	if got, want := tok.Encode("😀a"), []int{9, 10, 11, 12, 14}; !slices.Equal(got, want) {
		t.Errorf("Encode(😀a) with maxWord 2 = %v, want %v", got, want)
	}
}
