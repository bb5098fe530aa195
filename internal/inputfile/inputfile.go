// Package inputfile opens and reads the files a user names as input (model
// configs, tokenizers, weights, images, label lists) so that a wrong path
// fails at once with a clear error instead of hanging or exhausting memory:
//
//   - only regular files are read: a FIFO would block forever, a device such
//     as /dev/zero would never end, a directory or socket cannot be read;
//     each is refused with an error naming the file and what it is;
//   - symbolic links are followed, and a link that points back to itself
//     says "symlink loop" instead of a bare "too many levels of symbolic
//     links";
//   - ReadFile enforces a size limit and names it in the error.
//
// Typical use:
//
//	data, err := inputfile.ReadFile(path, inputfile.ConfigLimit)
//	f, err := inputfile.Open(path) // for streaming or memory-mapping
//
// The package imports nothing else from this module.
package inputfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Sentinel errors, matched with errors.Is against what this package returns.
var (
	// ErrNotRegular marks a path that names a FIFO, device, socket or
	// directory rather than a regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge marks a file over the limit given to ReadFile.
	ErrTooLarge = errors.New("file too large")
	// ErrSymlinkLoop marks a path whose symbolic links lead back to
	// themselves.
	ErrSymlinkLoop = errors.New("symlink loop")
)

// Size limits for the files this program reads whole. Real files are far
// smaller; the limits only stop a wrong file (a disk image, /dev/zero behind
// a link) from filling memory.
const (
	// ConfigLimit bounds small JSON files: config.json,
	// preprocessor_config.json, model.safetensors.index.json (16 MiB).
	ConfigLimit = 16 << 20
	// TokenizerLimit bounds tokenizer.json and tokenizer.model (256 MiB;
	// Gemma's tokenizer.json is 34 MB).
	TokenizerLimit = 256 << 20
	// ListLimit bounds text lists such as a labels file or an input-ids
	// file (64 MiB).
	ListLimit = 64 << 20
)

// Open opens path for reading after checking that it is (or links to) a
// regular file. It never blocks on a FIFO and never opens a device: the
// type is checked before opening and again on the opened file. The caller
// closes the file.
func Open(path string) (*os.File, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, describe("open", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !st.Mode().IsRegular() { // replaced between the check and the open
		f.Close()
		return nil, notRegular(path, st.Mode())
	}
	return f, nil
}

// ReadFile reads the whole regular file at path, refusing it when it holds
// more than limit bytes (a limit ≤ 0 means no limit). The size is checked
// before reading and enforced while reading, so a file that grows cannot
// slip past it.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if limit > 0 && st.Size() > limit {
		return nil, tooLarge(path, st.Size(), limit)
	}
	size := st.Size()
	var r io.Reader = f
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
		size = min(size, limit+1)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+512))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if limit > 0 && int64(buf.Len()) > limit {
		return nil, tooLarge(path, int64(buf.Len()), limit)
	}
	return buf.Bytes(), nil
}

// CheckRegular reports, without opening it, whether path is (or links to) a
// regular file, with the same errors as Open. Use it before handing a path
// to code that opens it by itself (memory-mapping, for example), then check
// the opened file's type again.
func CheckRegular(path string) error { return checkPath(path) }

// CheckDir reports whether path is (or links to) a directory: nil when it
// is, otherwise an error naming the path that says whether it is missing, a
// symlink loop or not a directory. It wraps fs.ErrNotExist,
// ErrSymlinkLoop or ErrNotRegular accordingly.
func CheckDir(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return describe("open folder", path, err)
	}
	if !st.IsDir() {
		return &fileError{fmt.Sprintf("%s is %s, not a folder", path, Kind(st.Mode())), ErrNotRegular, nil}
	}
	return nil
}

// IsSymlinkLoop reports whether err comes from a symlink loop, whether or
// not this package produced it (a plain os.Stat error counts).
func IsSymlinkLoop(err error) bool {
	return errors.Is(err, ErrSymlinkLoop) || isLoopErrno(err)
}

// Kind names a file mode's type for messages: "a regular file", "a named
// pipe (FIFO)", "a character device", and so on.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file"
}

// checkPath stats path (following links) and refuses what is not a
// regular file.
func checkPath(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return describe("open", path, err)
	}
	if !st.Mode().IsRegular() {
		return notRegular(path, st.Mode())
	}
	return nil
}

func notRegular(path string, m fs.FileMode) error {
	what := "give the path of a regular file"
	if m.IsDir() {
		what = "give the path of a file inside it"
	}
	return &fileError{fmt.Sprintf("%s is %s, not a regular file: %s", path, Kind(m), what), ErrNotRegular, nil}
}

func tooLarge(path string, size, limit int64) error {
	return &fileError{fmt.Sprintf("%s holds %s, more than the %s this program reads for such a file: is it the right file?",
		path, formatBytes(size), formatBytes(limit)), ErrTooLarge, nil}
}

// describe wraps an open or stat error, naming symlink loops as such.
func describe(op, path string, err error) error {
	if isLoopErrno(err) {
		return &fileError{fmt.Sprintf("%s %s: symlink loop (a symbolic link on the way points back to itself): fix or remove the link", op, path),
			ErrSymlinkLoop, err}
	}
	return fmt.Errorf("%s %s: %w", op, path, unwrapPath(err))
}

// fileError is an error of this package: its message, the sentinel it
// matches and the system error behind it, if any.
type fileError struct {
	msg   string
	kind  error
	cause error
}

// Error is the message, naming the path.
func (e *fileError) Error() string { return e.msg }

// Is matches the sentinel of the error's kind.
func (e *fileError) Is(target error) bool { return target == e.kind }

// Unwrap returns the system error behind, if any.
func (e *fileError) Unwrap() error { return e.cause }

// unwrapPath drops the *fs.PathError wrapper, whose text would repeat the
// path the caller names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, pe.Err) {
		return pathErr{pe}
	}
	return err
}

// pathErr prints a *fs.PathError as its cause alone but still unwraps to
// it, so errors.Is(err, fs.ErrNotExist) keeps working.
type pathErr struct{ pe *fs.PathError }

// Error is the cause alone: the caller names the path.
func (p pathErr) Error() string { return p.pe.Err.Error() }

// Unwrap returns the *fs.PathError.
func (p pathErr) Unwrap() error { return p.pe }

// formatBytes writes a size in binary units for limits (16 MiB).
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), "KMGTP"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[exp])
}
