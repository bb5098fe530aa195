// Package textsafe cleans text that comes from outside the program (label
// files, servers, file names) before it reaches a terminal, so that it
// cannot retitle the window, move the cursor, clear the screen, hide text
// or reverse its direction.
//
// Typical use, on every label read from a labels file before it is shown
// (and encoded, so that what the model reads is what the user sees):
//
//	label = textsafe.Sanitize(label)
//
// The package imports nothing else from this module.
package textsafe

import (
	"strings"
	"unicode/utf8"
)

// Sanitize returns s with every terminal control removed:
//
//   - escape sequences are removed whole, payload included: CSI (ESC [ …
//     final byte, or U+009B …), OSC (ESC ] … up to BEL or ST, or U+009D …),
//     DCS, SOS, PM and APC strings (up to ST), and two- and three-byte
//     escapes (ESC 7, ESC ( B); an unterminated sequence runs to the end;
//   - tab, line feed, carriage return, form feed and vertical tab become a
//     space, as do the Unicode line and paragraph separators;
//   - every other C0 control, DEL and C1 control (U+0080–U+009F) is
//     dropped, and so are the bidirectional embedding, override and
//     isolate controls (U+202A–U+202E, U+2066–U+2069);
//   - invalid UTF-8 becomes U+FFFD.
//
// Printable text, including non-Latin scripts and emoji, is kept as is.
// Sanitize is idempotent: Sanitize(Sanitize(s)) == Sanitize(s).
func Sanitize(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			i += size
			continue
		case r == 0x1b:
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i = skipString(s, i+size, r == 0x9d)
			continue
		case r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
		case isControl(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether s needs no change (the common case: no copy).
func clean(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return false
		case c >= 0x80:
			ascii = false
		}
	}
	if ascii {
		return true
	}
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if isControl(r) || r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return true
}

// isControl reports the runes Sanitize drops or replaces.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// skipEscape returns the index after the escape sequence whose ESC ended
// just before i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']':
		return skipString(s, i+1, true)
	case c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipString(s, i+1, false)
	case c >= 0x20 && c <= 0x2f: // intermediates, then one final byte
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e: // a two-byte escape: ESC 7, ESC c, ...
		return i + 1
	}
	return i // ESC before something else: drop the ESC alone
}

// skipCSI skips a control sequence's parameter and intermediate bytes and
// its final byte.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString skips a control string up to and including its terminator:
// ST (ESC \ or U+009C), or BEL for OSC.
func skipString(s string, i int, bel bool) int {
	for i < len(s) {
		switch {
		case bel && s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}
