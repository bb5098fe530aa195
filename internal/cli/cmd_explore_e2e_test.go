package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siglip2-tui/siglip2-tui/internal/emulation"
)

// tmuxSession drives the real binary in a tmux pane: send keys, read the
// screen, wait until a condition holds (polling, with a deadline).
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

// startEndToEnd builds the binary into a temporary folder and starts a
// tmux server there (its socket in that folder, so nothing is left behind)
// with an 80×24 shell in true colour; it skips the test with -short or
// without tmux or go. It returns the session, the folder and the binary.
func startEndToEnd(t *testing.T) (s *tmuxSession, dir, bin string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (CI installs it)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	dir = t.TempDir()
	bin = filepath.Join(dir, "siglip2-tui")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	s = &tmuxSession{t: t, socket: filepath.Join(dir, "tmux.sock"), name: "e2e"}
	s.tmux("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-s", s.name,
		"-e", "LANG=C.UTF-8", "-e", "NO_COLOR=", "-e", "COLORTERM=truecolor", "sh")
	t.Cleanup(func() { exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s, dir, bin
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-u", "-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// literal sends bytes as typed (for mouse sequences and text).
func (s *tmuxSession) literal(text string) { s.tmux("send-keys", "-t", s.name, "-l", text) }

// waitFor polls the screen until cond holds; it fails the test with the
// last screen when the deadline passes.
func (s *tmuxSession) waitFor(what string, cond func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		sc := s.screen()
		if cond(sc) {
			return sc
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s; the screen is:\n%s", what, sc)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// resize sets the window's size and waits until tmux reports it (a
// loaded machine may apply it late), so what starts next reads it.
func (s *tmuxSession) resize(cols, rows int) {
	s.t.Helper()
	s.tmux("resize-window", "-t", s.name, "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows))
	want := fmt.Sprintf("%dx%d", cols, rows)
	deadline := time.Now().Add(10 * time.Second)
	for strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_width}x#{pane_height}")) != want {
		if time.Now().After(deadline) {
			s.t.Fatalf("the window never became %s", want)
		}
		s.tmux("resize-window", "-t", s.name, "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows))
		time.Sleep(25 * time.Millisecond)
	}
}

func (s *tmuxSession) waitForText(text string) string {
	s.t.Helper()
	return s.waitFor(fmt.Sprintf("%q", text), func(sc string) bool { return strings.Contains(sc, text) })
}

var patchRE = regexp.MustCompile(`patch \((\d+),(\d+)\) =`)

func cursorPatch(screen string) string {
	m := patchRE.FindStringSubmatch(screen)
	if m == nil {
		return ""
	}
	return m[1] + "," + m[2]
}

// TestExploreEndToEnd runs `siglip2-tui explore --demo` in tmux at 80×24,
// as a person would: waits for the model, moves the cursor with keys and
// the mouse, changes layer and view, opens help, adds a label, saves the
// view, resizes the terminal and quits with q, expecting exit status 0.
func TestExploreEndToEnd(t *testing.T) {
	s, dir, bin := startEndToEnd(t)
	s.literal(fmt.Sprintf("cd %s && %s explore --demo --out %s; echo EXIT=$?", dir, emulation.Command(bin), dir))
	s.keys("Enter")

	// Loaded when the footer lists the text tower's time.
	sc := s.waitFor("the model to load", func(sc string) bool { return regexp.MustCompile(`text \d`).MatchString(sc) })
	for _, want := range []string{"1 Sim", "toy model", "Patch similarity", "layer block 4 of 4", "NaFlex", "patches"} {
		if !strings.Contains(sc, want) {
			t.Errorf("first screen lacks %q:\n%s", want, sc)
		}
	}
	start := cursorPatch(sc)
	if start == "" {
		t.Fatalf("no cursor patch on screen:\n%s", sc)
	}
	s.keys("l")
	s.waitFor("the cursor to move right", func(sc string) bool {
		p := cursorPatch(sc)
		return p != "" && p != start
	})
	s.keys("]")
	s.waitForText("final LayerNorm")
	s.keys("[", "[", "[", "[", "[")
	s.waitForText("layer embeddings")

	// A click on the image's top-left cell puts the cursor on patch (0,0).
	// The picture is centred in its area: find its first row and column.
	lines := strings.Split(s.screen(), "\n")
	top, left := -1, -1
	for i, l := range lines {
		if c := strings.Index(l, "▀"); i > 0 && c >= 0 {
			top, left = i, len([]rune(l[:c]))
			break
		}
	}
	if top < 0 {
		t.Fatalf("no picture on screen:\n%s", s.screen())
	}
	s.literal(fmt.Sprintf("\x1b[<0;%d;%dM\x1b[<0;%d;%dm", left+1, top+1, left+1, top+1))
	s.waitForText("patch (0,0) =")

	s.keys("2")
	s.waitForText("Attention · query patch")
	s.keys("t")
	s.waitForText("Attention · pooling head")
	s.keys(".")
	s.waitForText("1 of 4")

	s.keys("?")
	s.waitForText("siglip2-tui explore — keys")
	s.keys("Escape")
	s.waitFor("help to close", func(sc string) bool {
		return !strings.Contains(sc, "explore — keys") && strings.Contains(sc, "pooling head")
	})

	s.keys("3")
	s.waitForText("a purple cross")
	s.keys("a")
	s.waitForText("label:")
	s.literal("moon")
	s.keys("Enter")
	s.waitFor("the new label's score", func(sc string) bool {
		return regexp.MustCompile(`(<\.01|\.\d\d|1\.00) moon \?`).MatchString(sc)
	})
	// The toy model never read "moon": the screen says its score means nothing.
	s.waitForText("? moon: never seen in training")

	s.keys("s")
	sc = s.waitForText("saved ")
	matches, _ := filepath.Glob(filepath.Join(dir, "three-shapes.label.moon.png"))
	if len(matches) != 1 {
		entries, _ := os.ReadDir(dir)
		t.Errorf("no exported PNG in %s: %v\n%s", dir, entries, sc)
	}

	s.resize(40, 12)
	s.waitForText(" 3 Lab ") // compact tabs: the active view named, the others numbered
	s.resize(24, 6)
	s.waitForText("terminal too small")
	s.resize(80, 24)
	s.waitForText(" 3 Lab") // "3 Labels", or "3 Lab" when eight tabs need the short names

	s.keys("q")
	exited := regexp.MustCompile(`EXIT=\d`) // not the EXIT=$? of the command line
	sc = s.waitFor("the program to exit", exited.MatchString)
	if !strings.Contains(sc, "EXIT=0") {
		t.Errorf("explore did not exit with status 0:\n%s", sc)
	}
	if strings.Contains(sc, "1 Sim") || strings.Contains(sc, "▀") {
		t.Errorf("the explorer's screen stayed behind after quitting:\n%s", sc)
	}
}
