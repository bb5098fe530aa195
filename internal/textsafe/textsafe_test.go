package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "a red circle", "a red circle"},
		{"unicode kept", "chat noir 🐈‍⬛ 猫 café", "chat noir 🐈‍⬛ 猫 café"},
		{"OSC retitle, BEL", "cat\x1b]0;pwned\x07 dog", "cat dog"},
		{"OSC retitle, ST", "cat\x1b]2;pwned\x1b\\ dog", "cat dog"},
		{"OSC 8 hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"CSI colour", "\x1b[31;1mred\x1b[0m", "red"},
		{"CSI clear screen", "a\x1b[2Jb", "ab"},
		{"CSI private mode", "a\x1b[?1049hb", "ab"},
		{"C1 CSI", "a\u009b2Jb", "ab"},
		{"C1 OSC", "a\u009d0;t\u009cb", "ab"},
		{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"APC", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"charset escape", "a\x1b(Bb", "ab"},
		{"two-byte escape", "a\x1b7b\x1b8", "ab"},
		{"unterminated OSC runs to the end", "label\x1b]0;never ends", "label"},
		{"lone ESC at the end", "label\x1b", "label"},
		{"whitespace controls", "a\tb\nc\r\fd\ve", "a b c  d e"},
		{"other C0 and DEL", "a\x00b\x08c\x7fd\x01", "abcd"},
		{"bidi override", "abc\u202egpj.exe", "abcgpj.exe"},
		{"bidi isolates", "\u2066x\u2069", "x"},
		{"line separator", "a\u2028b", "a b"},
		{"invalid UTF-8", "a\xffb\xc3", "a\ufffdb\ufffd"},
		{"lone C1 byte is invalid UTF-8", "a\x9bb", "a\ufffdb"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sanitize(tc.in); got != tc.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzSanitize: the output never holds a control character, is valid
// UTF-8, is no longer than the input allows, and is a fixed point.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"a red circle", "\x1b]0;t\x07x", "\x1b[31m\u009b2J\u202e", "a\xff\x1bP", "\x1b\x1b[[]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", s, out)
		}
		for _, r := range out {
			if isControl(r) || r == 0x2028 || r == 0x2029 {
				t.Fatalf("Sanitize(%q) = %q holds %U", s, out, r)
			}
		}
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
		if len(out) > 3*len(s) || (utf8.ValidString(s) && len(out) > len(s)) {
			t.Fatalf("Sanitize(%q) grew to %d bytes", s, len(out))
		}
		if strings.ContainsRune(out, 0x1b) {
			t.Fatalf("ESC survived in %q", out)
		}
	})
}
