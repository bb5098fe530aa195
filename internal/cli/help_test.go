package cli

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every command's --help has the same shape, in this order: the usage
// line, what the command does, examples that start with the command, and
// its flags; and it exits 0.
func TestEveryHelpHasTheSameShape(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{c.name, "--help"}, &out, &errb); code != 0 {
				t.Fatalf("exit %d", code)
			}
			help := out.String() + errb.String()
			if !strings.HasPrefix(help, "Usage: siglip2-tui "+c.name) {
				t.Fatalf("does not start with its usage line:\n%s", help)
			}
			ex := strings.Index(help, "\nExamples:\n  ")
			fl := regexp.MustCompile(`\nFlags[^\n]*:\n`).FindStringIndex(help)
			if ex < 0 || fl == nil || fl[0] < ex {
				t.Fatalf("want Examples: then Flags:, got:\n%s", help)
			}
			about := strings.TrimSpace(help[strings.Index(help, "\n"):ex])
			if len(about) < 40 {
				t.Errorf("says too little about what it does: %q", about)
			}
			if !strings.Contains(help[ex:fl[0]], "siglip2-tui "+c.name) {
				t.Errorf("no example runs %s:\n%s", c.name, help[ex:fl[0]])
			}
		})
	}
}

// README's command table lists every command.
func TestReadmeListsEveryCommand(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !strings.Contains(string(raw), "| `"+c.name+"` |") {
			t.Errorf("README's command table lacks %s", c.name)
		}
	}
}
