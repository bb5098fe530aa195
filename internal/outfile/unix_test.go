//go:build unix

package outfile

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siglip2-tui/siglip2-tui/internal/emulation"
)

// setUmask sets the process umask and returns a function restoring it.
func setUmask(m int) func() {
	old := syscall.Umask(m)
	return func() { syscall.Umask(old) }
}

// TestWriteInPlace: a FIFO (read by a goroutine), /dev/null, a character
// device made with mknod and a socket are written in place and keep their
// type; none is replaced by a regular file.
func TestWriteInPlace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if err := Write(fifo, writeString("through the pipe")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "through the pipe" {
			t.Errorf("the reader got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the FIFO's reader got nothing")
	}
	if st, _ := os.Lstat(fifo); st.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO became %v", st.Mode())
	}

	devices := []string{"/dev/null"}
	node := filepath.Join(dir, "null")
	if err := syscall.Mknod(node, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		devices = append(devices, node)
	} else {
		t.Logf("mknod not permitted (%v): the device node case runs as root only", err)
	}
	for _, d := range devices {
		if err := Write(d, writeString("discarded")); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if st, _ := os.Lstat(d); st.Mode()&fs.ModeCharDevice == 0 {
			t.Errorf("%s became %v", d, st.Mode())
		}
	}

	sock := filepath.Join(dir, "out.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- string(b)
	}()
	if err := Write(sock, writeString("over the socket")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "over the socket" {
		t.Errorf("the socket's peer got %q", s)
	}
	if st, _ := os.Lstat(sock); st.Mode()&fs.ModeSocket == 0 {
		t.Errorf("the socket became %v", st.Mode())
	}
	if names := entries(t, dir); len(names) != len(devices)+1 {
		t.Errorf("folder holds %v", names)
	}
}

// TestCleanupStopsAWrite: Cleanup during a write (what a signal handler
// does) removes the temporary file; the write fails and the old file stays.
func TestCleanupStopsAWrite(t *testing.T) {
	defer func() { pending.Lock(); pending.closed = false; pending.Unlock() }()
	dir := t.TempDir()
	p := filepath.Join(dir, "out.safetensors")
	os.WriteFile(p, []byte("old"), 0o644)
	err := Write(p, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("x", 100<<10))
		if n := len(entries(t, dir)); n != 2 {
			t.Errorf("%d entries while writing, want the file and its temporary", n)
		}
		Cleanup()
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("error %v, want interrupted", err)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v", names)
	}
	if err := Write(filepath.Join(dir, "later"), writeString("x")); err == nil {
		t.Error("a write after Cleanup went ahead")
	}
}

// TestSignalDuringWrite runs a child process that writes a large output
// slowly and handles SIGINT and SIGTERM as a command should (Cleanup, then
// exit 130 or 143); the parent signals it mid-write and checks the exit
// status and that the folder holds only the untouched old file.
func TestSignalDuringWrite(t *testing.T) {
	if os.Getenv("OUTFILE_HELPER") != "" {
		return
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "dump.safetensors")
			os.WriteFile(p, []byte("old"), 0o644)
			cmd := emulation.Cmd(os.Args[0], "-test.run=^TestHelperWriter$")
			cmd.Env = append(os.Environ(), "OUTFILE_HELPER="+p)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(out)
			line, _ := r.ReadString('\n')
			if !strings.HasPrefix(line, "writing") {
				cmd.Process.Kill()
				t.Fatalf("helper said %q", line)
			}
			if n := len(entries(t, dir)); n != 2 {
				t.Errorf("%d entries mid-write, want the old file and a temporary one", n)
			}
			start := time.Now()
			cmd.Process.Signal(sig)
			go io.Copy(io.Discard, r)
			err = cmd.Wait()
			want := map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143}[sig]
			if code := cmd.ProcessState.ExitCode(); code != want {
				t.Errorf("exit status %d (%v), want %d", code, err, want)
			}
			if d := time.Since(start); d > emulation.Scale(time.Second) {
				t.Errorf("took %v to stop", d)
			}
			if names := entries(t, dir); len(names) != 1 {
				t.Errorf("folder holds %v, want only the old file", names)
			}
			if b, _ := os.ReadFile(p); string(b) != "old" {
				t.Errorf("the old file holds %q", b)
			}
		})
	}
}

// TestHelperWriter is the child process of TestSignalDuringWrite.
func TestHelperWriter(t *testing.T) {
	p := os.Getenv("OUTFILE_HELPER")
	if p == "" {
		t.Skip("runs as TestSignalDuringWrite's child process")
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		Cleanup()
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
	Write(p, func(w io.Writer) error {
		for i := 0; ; i++ {
			if _, err := w.Write(make([]byte, 1<<20)); err != nil {
				return err
			}
			if i == 1 {
				fmt.Println("writing")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	os.Exit(3) // not reached unless the write stopped by itself
}

func TestWriteRegularFiles(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing fs.FileMode // 0: no file yet
		umask    int
		want     fs.FileMode
	}{
		{"new file, umask 022", 0, 0o022, 0o644},
		{"new file, umask 077", 0, 0o077, 0o600},
		{"new file, umask 002", 0, 0o002, 0o644},
		{"existing 0640 keeps its mode", 0o640, 0o022, 0o640},
		{"existing 0755 keeps its mode", 0o755, 0o077, 0o755},
		{"existing 0666 keeps its mode", 0o666, 0o022, 0o666},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer setUmask(tc.umask)()
			dir := t.TempDir()
			p := filepath.Join(dir, "out.png")
			if tc.existing != 0 {
				if err := os.WriteFile(p, []byte("old content, longer than the new"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, tc.existing); err != nil {
					t.Fatal(err)
				}
			}
			if err := Write(p, writeString("new")); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(p)
			if err != nil || string(b) != "new" {
				t.Fatalf("content %q, %v", b, err)
			}
			st, _ := os.Lstat(p)
			if !st.Mode().IsRegular() || st.Mode().Perm() != tc.want {
				t.Errorf("mode %v, want regular %v", st.Mode(), tc.want)
			}
			if names := entries(t, dir); len(names) != 1 {
				t.Errorf("folder holds %v, want only out.png", names)
			}
		})
	}
}

func TestWriteFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.png")
	os.WriteFile(target, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.png")
	os.Symlink("real.png", link)
	chain := filepath.Join(dir, "chain.png")
	os.Symlink("link.png", chain)
	dangling := filepath.Join(dir, "dangling.png")
	os.Symlink("created.png", dangling)

	if err := Write(chain, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v, want 0600 kept", st.Mode())
	}
	for _, l := range []string{link, chain} {
		if st, _ := os.Lstat(l); st.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink", l)
		}
	}
	if err := Write(dangling, writeString("made")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "created.png")); string(b) != "made" {
		t.Errorf("a dangling link's target holds %q", b)
	}
	if st, _ := os.Lstat(dangling); st.Mode()&fs.ModeSymlink == 0 {
		t.Error("the dangling link was replaced")
	}
}

func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop.png")
	os.Symlink("loop.png", loop)
	blockDev := filepath.Join(dir, "disk")
	haveBlock := syscall.Mknod(blockDev, syscall.S_IFBLK|0o600, 7<<8|0) == nil // a loop device's numbers
	for _, tc := range []struct {
		name, path string
		want       string
		skip       bool
	}{
		{"directory", dir, "is a directory", false},
		{"symlink loop", loop, "symlink loop", false},
		{"inside a symlink loop", filepath.Join(loop, "x.png"), "symlink loop", false},
		{"missing folder", filepath.Join(dir, "no", "x.png"), "does not exist: create it first", false},
		{"block device", blockDev, "block device", !haveBlock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				t.Skip("mknod not permitted: the block device case runs as root only")
			}
			err := Write(tc.path, writeString("x"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	want := 1
	if haveBlock {
		want = 2
	}
	if names := entries(t, dir); len(names) != want {
		t.Errorf("folder holds %v after refusals", names)
	}
}

func TestWriteReadOnlyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ro.json")
	os.WriteFile(p, []byte("keep"), 0o444)
	err := Write(p, writeString("new"))
	if os.Geteuid() == 0 {
		// Root may write anything; the mode is still kept.
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o444 {
			t.Errorf("mode %v, want 0444 kept", st.Mode())
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("error %v, want read-only", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "keep" {
		t.Errorf("the read-only file now holds %q", b)
	}
}

// TestCheckDistinctDevices: /dev/null twice is fine (nothing is replaced
// there); a FIFO twice is not (the outputs would interleave).
func TestCheckDistinctDevices(t *testing.T) {
	if err := CheckDistinct(nil, []string{"/dev/null", "/dev/null"}); err != nil {
		t.Errorf("/dev/null twice: %v", err)
	}
	fifo := filepath.Join(t.TempDir(), "p")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckDistinct(nil, []string{fifo, fifo}); err == nil {
		t.Error("a FIFO as two outputs was accepted")
	}
}
