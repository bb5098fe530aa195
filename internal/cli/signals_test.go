//go:build unix

package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siglip2-tui/siglip2-tui/internal/emulation"
)

// buildBinary builds the siglip2-tui binary once per test into a
// temporary folder (the tests run from the module root).
func buildBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "siglip2-tui")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// A signal stops a command within a second, whatever it is doing, with the
// shell's status for that signal (130 for SIGINT, 143 for SIGTERM), and an
// interrupted write leaves no temporary file behind.
func TestSignalsStopCommandsPromptly(t *testing.T) {
	bin := buildBinary(t)
	fifo := filepath.Join(t.TempDir(), "labels.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	cases := []struct {
		name string
		args []string
		sig  syscall.Signal
		code int
	}{
		// Forward passes of a base-size model, over and over.
		{"bench forward passes, SIGINT", []string{"bench", "--size", "base", "--res", "384", "--naflex", "", "--text", "0", "--repeat", "1000", "--profile=false"}, syscall.SIGINT, 130},
		{"bench forward passes, SIGTERM", []string{"bench", "--size", "base", "--res", "384", "--naflex", "", "--text", "0", "--repeat", "1000", "--profile=false"}, syscall.SIGTERM, 143},
		// A labels file that is a FIFO is refused at once, not waited on.
		{"fifo labels", []string{"classify", "--demo", "--labels-file", fifo}, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := emulation.Cmd(bin, c.args...)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if c.sig != 0 {
				time.Sleep(emulation.Scale(1500 * time.Millisecond)) // into the forward passes
				if err := cmd.Process.Signal(c.sig); err != nil {
					t.Fatal(err)
				}
			}
			sent := time.Now()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(emulation.Scale(5 * time.Second)):
				cmd.Process.Kill()
				t.Fatalf("still running 5 s after %v; stderr %q", c.sig, stderr.String())
			}
			if took := time.Since(sent); c.sig != 0 && took > emulation.Scale(1500*time.Millisecond) {
				t.Errorf("took %v to stop after %v, want about a second at most", took, c.sig)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != c.code {
				t.Errorf("exit %v, want status %d; stderr %q", err, c.code, stderr.String())
			}
			if c.sig != 0 && !strings.Contains(stderr.String(), "stopped") {
				t.Errorf("stderr does not say it stopped: %q", stderr.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}
