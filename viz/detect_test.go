package viz

import "testing"

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDetectProtocol(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want Protocol
	}{
		{"kitty window", map[string]string{"KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"}, ProtocolKitty},
		{"kitty term only", map[string]string{"TERM": "xterm-kitty"}, ProtocolKitty},
		{"ghostty", map[string]string{"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, ProtocolKitty},
		{"iterm2", map[string]string{"TERM_PROGRAM": "iTerm.app", "TERM": "xterm-256color"}, ProtocolITerm2},
		{"wezterm", map[string]string{"TERM_PROGRAM": "WezTerm"}, ProtocolITerm2},
		{"konsole", map[string]string{"KONSOLE_VERSION": "230805", "TERM": "xterm-256color"}, ProtocolKitty},
		{"foot", map[string]string{"TERM": "foot"}, ProtocolSixel},
		{"mlterm", map[string]string{"TERM": "mlterm"}, ProtocolSixel},
		{"windows terminal", map[string]string{"WT_SESSION": "abc"}, ProtocolSixel},
		{"windows terminal, WSL", map[string]string{"WT_SESSION": "abc", "TERM": "xterm-256color"}, ProtocolSixel},
		{"vscode started from windows terminal", map[string]string{"WT_SESSION": "abc", "TERM_PROGRAM": "vscode"}, ProtocolNone},
		{"tmux in windows terminal", map[string]string{"WT_SESSION": "abc", "TMUX": "/tmp/tmux-0/default,1,0"}, ProtocolNone},
		{"tmux hides kitty", map[string]string{"TMUX": "/tmp/tmux-0/default,1,0", "KITTY_WINDOW_ID": "1", "TERM": "tmux-256color"}, ProtocolNone},
		{"screen", map[string]string{"TERM": "screen-256color"}, ProtocolNone},
		{"plain xterm", map[string]string{"TERM": "xterm-256color"}, ProtocolNone},
		{"nothing", map[string]string{}, ProtocolNone},
	}
	for _, c := range cases {
		if got := DetectProtocol(envOf(c.env)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	names := map[Protocol]string{ProtocolNone: "none", ProtocolKitty: "kitty", ProtocolITerm2: "iterm2", ProtocolSixel: "sixel"}
	for p, n := range names {
		if p.String() != n {
			t.Errorf("%d.String() = %q, want %q", p, p, n)
		}
	}
}
