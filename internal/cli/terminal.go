package cli

import (
	"flag"
	"os"
	"strings"

	"github.com/charmbracelet/colorprofile"
	"github.com/siglip2-tui/siglip2-tui/viz"
	"io"

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

// colorNotice is what the screen says once about its colours: inside
// tmux, without COLORTERM, colour detection cannot see the terminal behind
// tmux and settles on 256 colours.
func colorNotice(flagValue string, mode viz.ColorMode, env []string) string {
	if flagValue != "auto" && flagValue != "" || mode != viz.ANSI256 {
		return ""
	}
	tmux, colorterm := false, false
	for _, kv := range env {
		tmux = tmux || strings.HasPrefix(kv, "TMUX=") && kv != "TMUX="
		colorterm = colorterm || strings.HasPrefix(kv, "COLORTERM=") && kv != "COLORTERM="
	}
	if !tmux || colorterm {
		return ""
	}
	return "256 colours: tmux hides the terminal's colours; --color truecolor (or COLORTERM=truecolor) if it shows 24-bit colour"
}

// outDirFlag registers --out-dir (and its older name --out): the folder
// where s saves what the screen shows. It returns the value's pointer.
func outDirFlag(fs *flag.FlagSet, what string) *string {
	dir := fs.String("out-dir", ".", "folder where s saves "+what+" (PNG + JSON; an existing file is never overwritten: the new one gets -2, -3, …)")
	fs.StringVar(dir, "out", ".", "the same as --out-dir (its older name)")
	return dir
}

// checkOutDir makes sure the --out-dir folder exists.
func checkOutDir(dir string) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageErrorf("--out-dir %s: not a folder (s saves there; create it first)", dir)
	}
	return nil
}

// colormapChoices lists the colormaps a --colormap flag takes, for its
// help line.
func colormapChoices() string {
	var names []string
	for _, c := range viz.Colormaps() {
		names = append(names, c.String())
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
