package hub

import (
	"strings"
)

// maxServerText bounds how much of a server's message goes into an error.
const maxServerText = 300

// sanitizeServerText makes text from a server safe to print: control
// characters (C0, DEL, C1) are dropped, tabs and line breaks become spaces
// (so an ANSI escape sequence loses its ESC and prints as inert text),
// Unicode bidirectional overrides are dropped, invalid UTF-8 becomes U+FFFD,
// and the result is cut to maxServerText runes. A hostile hub cannot
// retitle the terminal, move the cursor or hide text this way.
//
// internal/textsafe does the same, and removes whole escape sequences, for
// the rest of the program; hub imports nothing of this module, so it keeps
// this small copy.
func sanitizeServerText(s string) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == maxServerText {
			if i < len(s) {
				b.WriteString("…")
			}
			break
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			continue
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			continue
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}
