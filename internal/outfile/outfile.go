// Package outfile writes the files a command produces (heatmap PNGs, JSON
// exports, dumps) under one rule, whatever the output path names:
//
//   - a regular file is replaced atomically: the new content goes to a
//     temporary file in the same folder (.NAME.RANDOM.tmp), is synced, and
//     is renamed over the old file, which keeps its permission bits (and,
//     for root, its owner); a new file gets 0644 under the umask;
//   - a symbolic link is followed and its target written by the same rule
//     (the link stays a link; a dangling link's target is created);
//   - a character device, a FIFO or a socket is opened and written in
//     place, never replaced (-o /dev/null stays /dev/null); a FIFO waits
//     for its reader, as any writer of a FIFO does;
//   - a directory, a block device or a read-only file is an error;
//   - "-" means standard output, for callers that allow it (WriteOrStdout).
//
// Temporary files are removed when writing fails, and by Cleanup, which a
// signal handler calls before the program exits, so an interrupted write
// leaves nothing behind.
//
// Typical use:
//
//	if err := outfile.CheckDistinct([]string{imagePath}, []string{pngOut, jsonOut}); err != nil {
//		return err
//	}
//	err := outfile.Write(pngOut, func(w io.Writer) error { return png.Encode(w, img) })
//
//	// in the signal handler, before os.Exit(130):
//	outfile.Cleanup()
//
// The package imports nothing else from this module.
package outfile

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// maxLinks bounds how many symbolic links a path may go through.
const maxLinks = 40

// ErrInterrupted is returned by writes that Cleanup stopped.
var ErrInterrupted = errors.New("interrupted")

// Write writes what write produces to path by the package's rule. The
// writer given to write is buffered; write must not keep it. "-" is refused
// here: use WriteOrStdout where standard output makes sense.
func Write(path string, write func(w io.Writer) error) error {
	if path == "-" {
		return fmt.Errorf("output \"-\" (standard output) is not possible here: give a file name (./- for a file named \"-\")")
	}
	return writePath(path, write)
}

// WriteOrStdout is Write, except that "-" writes to stdout.
func WriteOrStdout(path string, stdout io.Writer, write func(w io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriterSize(stdout, 64<<10)
		if err := write(bw); err != nil {
			return fmt.Errorf("write to standard output: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write to standard output: %w", err)
		}
		return nil
	}
	return writePath(path, write)
}

func writePath(path string, write func(w io.Writer) error) error {
	if path == "" {
		return fmt.Errorf("no output file given")
	}
	target, info, err := resolve(path)
	if err != nil {
		return err
	}
	name := path
	if target != path {
		name = fmt.Sprintf("%s (→ %s)", path, target)
	}
	switch {
	case info == nil:
		dir := filepath.Dir(target)
		if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("write %s: the folder %s does not exist: create it first", name, dir)
		} else if err == nil && !st.IsDir() {
			return fmt.Errorf("write %s: %s is not a folder", name, dir)
		}
		return replace(target, name, info, write)
	case info.Mode().IsRegular():
		return replace(target, name, info, write)
	case info.IsDir():
		return fmt.Errorf("write %s: it is a directory: give a file name inside it", name)
	case info.Mode()&fs.ModeNamedPipe != 0, info.Mode()&fs.ModeCharDevice != 0:
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return inPlace(f, name, write)
	case info.Mode()&fs.ModeSocket != 0:
		c, err := net.Dial("unix", target)
		if err != nil {
			return fmt.Errorf("write %s: connect to the socket: %w", name, err)
		}
		return inPlace(c, name, write)
	case info.Mode()&fs.ModeDevice != 0:
		return fmt.Errorf("write %s: it is a block device (a disk): refusing to write to it; give a file name", name)
	}
	return fmt.Errorf("write %s: it is not a regular file, device, FIFO or socket (mode %s)", name, info.Mode())
}

// inPlace writes to an opened device, FIFO or socket and closes it.
func inPlace(w io.WriteCloser, name string, write func(io.Writer) error) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// resolve follows path's symbolic links (each component's, as the system
// does) and returns the final path with its information, or nil
// information when nothing exists there yet.
func resolve(path string) (string, fs.FileInfo, error) {
	p := path
	for hop := 0; ; hop++ {
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			// The parent may itself be a loop or a file; creating the
			// temporary file will report that.
			if _, perr := os.Stat(filepath.Dir(p)); isLoop(perr) {
				return "", nil, loopError(path)
			}
			return p, nil, nil
		}
		if err != nil {
			if isLoop(err) {
				return "", nil, loopError(path)
			}
			return "", nil, fmt.Errorf("write %s: %w", path, err)
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			return p, info, nil
		}
		if hop == maxLinks {
			return "", nil, loopError(path)
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", nil, fmt.Errorf("write %s: %w", path, err)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
}

func loopError(path string) error {
	return fmt.Errorf("write %s: symlink loop (a symbolic link on the way points back to itself): fix or remove the link", path)
}

// replace writes a new file next to target and renames it over target.
func replace(target, name string, old fs.FileInfo, write func(io.Writer) error) (err error) {
	if old != nil && !writable(target) {
		return fmt.Errorf("write %s: the file is read-only: make it writable or choose another name", name)
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, tmp, err := createTemp(dir, base)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
		forget(tmp)
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if old != nil {
		keepOwner(f, old) // first: a change of owner clears set-user-ID bits
		if err := f.Chmod(old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)); err != nil {
			return fmt.Errorf("write %s: keep its mode: %w", name, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if !stillPending(tmp) {
		os.Remove(tmp)
		done = true
		return fmt.Errorf("write %s: %w", name, ErrInterrupted)
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		done = true
		return fmt.Errorf("write %s: %w", name, err)
	}
	done = true
	syncDir(dir)
	return nil
}

// createTemp makes dir/.base.RANDOM.tmp, mode 0644 under the umask (the
// system applies it at creation), and registers it for Cleanup.
func createTemp(dir, base string) (*os.File, string, error) {
	for try := 0; ; try++ {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, "", err
		}
		tmp := filepath.Join(dir, "."+base+"."+hex.EncodeToString(r[:])+".tmp")
		pending.Lock()
		if pending.closed {
			pending.Unlock()
			return nil, "", ErrInterrupted
		}
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			pending.files[tmp] = true
		}
		pending.Unlock()
		if errors.Is(err, fs.ErrExist) && try < 10 {
			continue
		}
		return f, tmp, err
	}
}

// pending holds the temporary files of writes in progress.
var pending = struct {
	sync.Mutex
	files  map[string]bool
	closed bool
}{files: map[string]bool{}}

func forget(tmp string) {
	pending.Lock()
	delete(pending.files, tmp)
	pending.Unlock()
}

func stillPending(tmp string) bool {
	pending.Lock()
	defer pending.Unlock()
	return pending.files[tmp]
}

// Cleanup removes the temporary files of every write in progress and makes
// later writes fail with ErrInterrupted. Call it from the handler of
// SIGINT and SIGTERM just before the program exits: an interrupted write
// then leaves the old file (if any) as it was and no temporary file. It is
// safe to call from any goroutine, more than once.
func Cleanup() {
	pending.Lock()
	defer pending.Unlock()
	pending.closed = true
	for p := range pending.files {
		os.Remove(p)
		delete(pending.files, p)
	}
}
