package tokenizer

import "testing"

func TestToValidUTF8(t *testing.T) {
	const R = "\uFFFD"
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"héllo 😀", "héllo 😀"},
		{"\xff", R},
		{"a\xffb", "a" + R + "b"},
		{"\xfe\xff", R + R},
		{"a\xf0\x9f\x98b", "a" + R + "b"},   // truncated 4-byte sequence: one maximal subpart
		{"\xf0\x9f\x98", R},                 // ... at the end
		{"\xe6\x97\xa5\xe6\x97", "日" + R},   // truncated 3-byte sequence after a good one
		{"\xc3", R},                         // lone lead byte
		{"\xc3\xc3\xa9", R + "é"},           // lead byte, then a good sequence
		{"\xc0\xaf", R + R},                 // overlong: C0 is never a lead byte
		{"\xe0\x80\x80", R + R + R},         // overlong 3-byte: E0 needs A0..BF next
		{"\xe0\xa0", R},                     // truncated but well-formed so far
		{"\xed\xa0\x80", R + R + R},         // surrogate: ED needs 80..9F next
		{"\xed\x9f\xbf", "\ud7ff"},          // the last code point before the surrogates
		{"\xf4\x90\x80\x80", R + R + R + R}, // beyond U+10FFFF: F4 needs 80..8F next
		{"\xf4\x8f\xbf", R},                 // truncated U+10FFFF
		{"\xf5\x80", R + R},                 // F5 is never a lead byte
		{"\x80\xbf", R + R},                 // lone continuation bytes
		{"\xf0\x9f\x98\x80\xf0\x9f", "😀" + R},
		{"\x00\x7f", "\x00\x7f"}, // NUL and DEL are valid
	} {
		if got := ToValidUTF8(c.in); got != c.want {
			t.Errorf("ToValidUTF8(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
