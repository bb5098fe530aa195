package cli

import (
	"strings"

	"github.com/charmbracelet/colorprofile"
	"github.com/siglip2-tui/siglip2-tui/viz"
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

// detectColorMode reads how many colours the terminal out shows the way
// Bubble Tea does (charmbracelet/colorprofile: TERM, COLORTERM, the
// terminfo entry, tmux's own settings, Windows' console), with NO_COLOR
// honoured for any non-empty value, as no-color.org asks. Terminals that
// claim 16 colours get 256: every current one shows them.
func detectColorMode(out io.Writer, env []string) viz.ColorMode {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok && v != "" {
			return viz.NoColor
		}
	}
	switch colorprofile.Detect(out, env) {
	case colorprofile.TrueColor:
		return viz.TrueColor
	case colorprofile.ANSI256, colorprofile.ANSI:
		return viz.ANSI256
	}
	return viz.NoColor
}

// textsafe removes control characters (C0, DEL, C1, and so every escape
// sequence's introducer) from text that came from outside (a labels file,
// a server) before it reaches the terminal: a label cannot retitle the
// terminal or move its cursor.
func textsafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, s)
}
