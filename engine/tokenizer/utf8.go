package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// ToValidUTF8 returns s with each maximal invalid UTF-8 subsequence
// replaced by one U+FFFD, the Unicode-recommended practice that Node.js
// (argv, Buffer, TextDecoder), Python's decode(errors="replace") and Rust's
// from_utf8_lossy follow. It is how this package reads invalid input, so a
// label's bytes give the ids the reference tokenizers give for the same
// bytes. (Go's own conversions — for range, encoding/json — instead replace
// every invalid byte: "\xF0\x9F\x98" is one U+FFFD here, three there.)
func ToValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		n := validPrefix(s[i:])
		if n > 0 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteRune(utf8.RuneError)
		i += maximalSubpart(s[i:])
	}
	return b.String()
}

// validPrefix returns the length of the valid multi-byte sequence at the
// start of s, or 0.
func validPrefix(s string) int {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size == 1 {
		return 0
	}
	return size
}

// maximalSubpart returns the length of the maximal subpart of an ill-formed
// sequence at the start of s (Unicode §3.9, "U+FFFD substitution of maximal
// subparts"): the lead byte and as many following bytes as could still
// begin a well-formed sequence; at least 1.
func maximalSubpart(s string) int {
	lead := s[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case 0xC2 <= lead && lead <= 0xDF:
		need = 1
	case lead == 0xE0:
		need, lo = 2, 0xA0
	case 0xE1 <= lead && lead <= 0xEC, lead == 0xEE, lead == 0xEF:
		need = 2
	case lead == 0xED:
		need, hi = 2, 0x9F
	case lead == 0xF0:
		need, lo = 3, 0x90
	case 0xF1 <= lead && lead <= 0xF3:
		need = 3
	case lead == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1 // not a lead byte
	}
	n := 1
	for ; n <= need && n < len(s); n++ {
		c := s[n]
		if c < lo || c > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}

func firstRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

func lastRune(s string) (rune, int) { return utf8.DecodeLastRuneInString(s) }
