package tokenizer

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// genVersion names the generator below; bump it when the generator changes
// so the committed fixture is known to be stale.
const genVersion = 1

// genSeed and genCount fix the differential test's strings.
const (
	genSeed  = 20250407
	genCount = 3000
)

// genTexts returns n varied strings, reproducibly from seed: many scripts,
// CJK, emoji (ZWJ sequences, skin tones, flags, keycaps, tags), combining
// marks, runs of spaces/newlines/tabs, control characters, the
// tokenizer's added tokens and near-misses of them, long repeats, and
// invalid UTF-8.
func genTexts(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		parts := 1 + r.IntN(8)
		for range parts {
			genPart(r, &b)
			switch r.IntN(6) {
			case 0, 1, 2:
				b.WriteByte(' ')
			case 3:
				b.WriteString(pick(r, separators))
			}
		}
		s := b.String()
		if r.IntN(5) == 0 {
			s = strings.TrimSpace(s)
		}
		out[i] = s
	}
	return out
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

var (
	words = []string{
		"a", "photo", "of", "the", "cat", "dog", "This", "is", "UPPER", "MiXeD", "tabs", "hello", "world",
		"antidisestablishmentarianism", "pneumonoultramicroscopicsilicovolcanoconiosis", "don't", "it's",
		"C++", "Go:", "fmt.Println(\"hi\")", "https://example.com/a?b=1&c=2", "#hashtag", "@mention", "$100",
		"50%", "3.14159", "2,718", "1234567890", "x86_64", "e-mail", "co-operate", "naïve", "café",
		"résumé", "Ångström", "über", "straße", "Łódź", "façade", "jalapeño", "smörgåsbord", "Ærø",
		"Привет", "мир", "Γειά", "σου", "Κόσμε", "مرحبا", "بالعالم", "שלום", "עולם", "हिन्दी", "पाठ",
		"ภาษาไทย", "বাংলা", "தமிழ்", "ქართული", "Հայերեն", "日本語", "のテキスト", "カタカナ", "ひらがな",
		"中文", "测试句子", "繁體中文", "한국어", "문장", "ㄱㄴㄷ", "Tiếng Việt", "Türkçe", "ελληνικά",
		"₹", "€", "£", "¥", "©", "™", "→", "∑", "∞", "√", "½", "ℕ", "𝕏", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𪚥", "𓀀", "ꙮ",
	}
	emoji = []string{
		"😀", "🐱", "🚀", "🙂", "👍", "👍🏽", "👋🏿", "❤️", "❤", "☺️", "✈️", "🇯🇵", "🇺🇸", "🇩🇪",
		"👨\u200d👩\u200d👧\u200d👦", "👩\u200d💻", "🧑🏾\u200d🚀", "🏳️\u200d🌈", "👁️\u200d🗨️",
		"1️⃣", "#️⃣", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "🫠", "🪿",
		"\u200d", "\ufe0f", "\ufe0e",
	}
	addedTokens = []string{
		"<eos>", "<bos>", "<pad>", "<unk>", "<mask>", "<2mass>", "[@BOS@]", "<unused0>", "<unused9>",
		"<unused98>", "<start_of_turn>", "<end_of_turn>", "<b>", "</b>", "<i>", "<table>", "</table>",
		"<tr>", "<td>", "<h1>", "</h6>", "<blockquote>", "<code>", "</code>", "<sub>", "<sup>", "<s>",
		"▁▁", "▁▁▁", "▁▁▁▁▁▁▁▁", "▁",
	}
	nearMisses = []string{
		"<eo", "<eos", "eos>", "< eos>", "<EOS>", "<unused99>", "<unused>", "<b", "b>", "< b>", "<B>",
		"<table", "</table", "<tab le>", "<<b>>", "<<eos>", "<b>>", "<start_of_turn", "<", ">", "</",
	}
	separators = []string{
		"", "  ", "   ", "\n", "\n\n", "\t", "\r\n", "\u00a0", "\u3000", "\u2028", "\u200b", "\ufeff", "\u00ad",
		" \n ", "\t\t", "\n \n", "▁",
	}
	repeatUnits = []string{"a", " ", "\n", "\t", "▁", "ー", "😀", ".", "-", "=", "0", "ab", "<b>", "\n ", "é", "\x00"}
)

// blocks are code point ranges for random characters.
var blocks = [][2]rune{
	{0x20, 0x7E}, {0xA0, 0x24F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x590, 0x6FF}, {0x900, 0x97F},
	{0xE00, 0xE7F}, {0x1100, 0x11FF}, {0x2000, 0x206F}, {0x2190, 0x22FF}, {0x2500, 0x27BF},
	{0x3040, 0x30FF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0xE000, 0xF8FF}, {0xFB00, 0xFFFD},
	{0x10000, 0x1007F}, {0x1D400, 0x1D7FF}, {0x1F300, 0x1FAFF}, {0x20000, 0x2A6DF}, {0xE0000, 0xE007F},
	{0xF0000, 0xF00FF}, {0x10FF00, 0x10FFFF},
}

// genPart writes one random fragment.
func genPart(r *rand.Rand, b *strings.Builder) {
	switch r.IntN(14) {
	case 0, 1, 2:
		w := pick(r, words)
		switch r.IntN(4) {
		case 0:
			w = strings.ToUpper(w)
		case 1:
			w = strings.ToLower(w)
		}
		b.WriteString(w)
	case 3:
		b.WriteString(pick(r, emoji))
	case 4:
		b.WriteString(pick(r, addedTokens))
	case 5:
		b.WriteString(pick(r, nearMisses))
	case 6: // random characters from a block
		blk := blocks[r.IntN(len(blocks))]
		for range 1 + r.IntN(6) {
			c := blk[0] + r.Int32N(blk[1]-blk[0]+1)
			if utf8.ValidRune(c) {
				b.WriteRune(c)
			}
		}
	case 7: // base letters with combining marks
		for range 1 + r.IntN(3) {
			b.WriteRune('a' + r.Int32N(26))
			for range r.IntN(4) {
				b.WriteRune(0x300 + r.Int32N(0x70))
			}
		}
	case 8: // whitespace runs
		ws := []string{" ", "\n", "\t", "\r", "\v", "\f", "\u00a0", "\u3000", "\u2009"}
		for range 1 + r.IntN(40) {
			b.WriteString(ws[r.IntN(len(ws))])
		}
	case 9: // a run of one whitespace character
		b.WriteString(strings.Repeat(pick(r, []string{" ", "\n", "\t", "\r\n"}), 1+r.IntN(45)))
	case 10: // control characters
		for range 1 + r.IntN(4) {
			switch r.IntN(3) {
			case 0:
				b.WriteRune(r.Int32N(0x20))
			case 1:
				b.WriteRune(0x7F)
			default:
				b.WriteRune(0x80 + r.Int32N(0x20))
			}
		}
	case 11: // long repeats
		b.WriteString(strings.Repeat(pick(r, repeatUnits), 20+r.IntN(280)))
	case 12: // invalid UTF-8
		genInvalid(r, b)
	case 13: // a label prompt
		p, err := Prompt(pick(r, words)+" "+pick(r, words), DefaultTemplate, r.IntN(2) == 0)
		if err != nil {
			panic(err)
		}
		b.WriteString(p)
	}
}

// genInvalid writes ill-formed UTF-8 of several kinds.
func genInvalid(r *rand.Rand, b *strings.Builder) {
	switch r.IntN(8) {
	case 0: // random high bytes
		for range 1 + r.IntN(4) {
			b.WriteByte(byte(0x80 + r.IntN(0x80)))
		}
	case 1: // truncated multi-byte character
		var buf [4]byte
		n := utf8.EncodeRune(buf[:], 0x80+r.Int32N(0x10FF80))
		if n > 1 {
			b.Write(buf[:1+r.IntN(n-1)])
		}
	case 2: // overlong encodings
		b.WriteString(pick(r, []string{"\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf"}))
	case 3: // UTF-16 surrogates encoded in UTF-8
		b.WriteString(pick(r, []string{"\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb8\x80"}))
	case 4: // beyond U+10FFFF, and bytes that never occur
		b.WriteString(pick(r, []string{"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff", "\xfe\xff"}))
	case 5: // lone continuation bytes between letters
		b.WriteString("x\x80y\xbfz")
	case 6: // a truncated character followed by ASCII or a valid character
		b.WriteString(pick(r, []string{"\xe6\x97", "\xf0\x9f\x98", "\xc3", "\xe2\x82"}))
		b.WriteString(pick(r, []string{"a", " ", "😀", "<eos>", "é"}))
	case 7: // invalid bytes inside an added token
		b.WriteString(pick(r, []string{"<e\xffos>", "<b\x80>", "\xff<eos>\xff"}))
	}
}
