package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal, where progress lines may be
// redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// statusLine draws a transient one-line message on a terminal (erasing the
// previous one) and writes nothing elsewhere; an empty message clears it.
func statusLine(w io.Writer, msg string) {
	if isTerminal(w) {
		io.WriteString(w, "\r\x1b[K"+msg)
	}
}
