package viz

import "strings"

// Protocol is a terminal graphics protocol that can show real pixels
// instead of half-block cells.
type Protocol int

const (
	// ProtocolNone means draw with half-block cells only.
	ProtocolNone Protocol = iota
	// ProtocolKitty is the kitty graphics protocol (KittyImage).
	ProtocolKitty
	// ProtocolITerm2 is iTerm2's inline images (ITerm2Image).
	ProtocolITerm2
	// ProtocolSixel is DEC sixel graphics (Sixel).
	ProtocolSixel
)

// String names the protocol as the CLI flags spell it.
func (p Protocol) String() string {
	switch p {
	case ProtocolKitty:
		return "kitty"
	case ProtocolITerm2:
		return "iterm2"
	case ProtocolSixel:
		return "sixel"
	}
	return "none"
}

// DetectProtocol guesses the graphics protocol of the terminal from
// environment variables (pass os.Getenv). It is only a guess: variables
// survive ssh and su poorly and multiplexers hide the real terminal, so
// it returns ProtocolNone inside tmux or GNU screen (they need
// passthrough, which the encoders here do not wrap) and for unknown
// terminals. The TUI may confirm by querying the terminal — a kitty
// graphics query (a=q) or the primary device attributes (CSI c, where 4
// in the reply means sixel) — and should let the user override.
func DetectProtocol(getenv func(string) string) Protocol {
	term := strings.ToLower(getenv("TERM"))
	prog := strings.ToLower(getenv("TERM_PROGRAM"))
	if InMultiplexer(getenv) {
		return ProtocolNone
	}
	switch {
	case getenv("KITTY_WINDOW_ID") != "" || term == "xterm-kitty":
		return ProtocolKitty
	case term == "xterm-ghostty" || prog == "ghostty" || getenv("GHOSTTY_RESOURCES_DIR") != "":
		return ProtocolKitty
	case prog == "iterm.app" || getenv("ITERM_SESSION_ID") != "":
		return ProtocolITerm2
	case prog == "wezterm" || getenv("WEZTERM_EXECUTABLE") != "":
		// WezTerm's kitty support is partial; its iTerm2 support is full.
		return ProtocolITerm2
	case getenv("KONSOLE_VERSION") != "":
		return ProtocolKitty
	case prog == "mintty":
		return ProtocolITerm2
	case strings.HasPrefix(term, "foot") || strings.HasPrefix(term, "mlterm") || term == "yaft-256color":
		return ProtocolSixel
	case getenv("WT_SESSION") != "" && prog == "":
		// Windows Terminal 1.22 and later (also through WSL, which
		// forwards WT_SESSION). The variable survives into terminals
		// started from it, such as VS Code's, which name themselves in
		// TERM_PROGRAM: it counts only when no other terminal does.
		return ProtocolSixel
	}
	return ProtocolNone
}

// InMultiplexer tells whether the program runs inside tmux or GNU screen,
// which hide the real terminal: graphics would need passthrough, and a
// question to the terminal (device attributes) is answered by the
// multiplexer, not by it.
func InMultiplexer(getenv func(string) string) bool {
	term := strings.ToLower(getenv("TERM"))
	return getenv("TMUX") != "" || getenv("STY") != "" || strings.HasPrefix(term, "screen") || strings.HasPrefix(term, "tmux")
}
