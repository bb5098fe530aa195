package hub

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// cacheDirTag marks the cache for backup tools (https://bford.info/cachedir/);
// huggingface_hub writes the same signature.
const cacheDirTag = "Signature: 8a477f597d28d172789f06886806bc55\n" +
	"# This file is a cache directory tag created for the huggingface_hub cache.\n" +
	"# For information about cache directory tags, see:\n" +
	"#\thttps://bford.info/cachedir/\n"

// writeCacheDirTag creates CACHEDIR.TAG in dir unless it exists; failures
// are ignored, as the tag is only a courtesy.
func writeCacheDirTag(dir string) {
	p := filepath.Join(dir, "CACHEDIR.TAG")
	if _, err := os.Lstat(p); err == nil {
		return
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return
	}
	_, _ = io.WriteString(f, cacheDirTag)
	f.Close()
}

// writeRef records that revision (a branch, tag or short hash) points at
// commit, in refs/<revision> without a trailing newline (huggingface_hub
// reads the file verbatim). A full commit hash gets no ref. The file is
// replaced atomically and only when it changes.
func writeRef(repoDir, revision, commit string) error {
	if revision == commit {
		return nil
	}
	p := localPath(filepath.Join(repoDir, "refs"), revision)
	if b, err := os.ReadFile(p); err == nil && string(b) == commit {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	tmp := p + "." + randomHex(4) + ".tmp"
	if err := os.WriteFile(tmp, []byte(commit), 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	return nil
}

// linkBlob makes pointer a relative symlink to blob
// (snapshots/<commit>/<file> → ../../blobs/<etag>), so that the cache can be
// moved as a whole. Where symlinks cannot be made, pointer becomes a copy.
func linkBlob(blob, pointer string) error {
	rel, err := filepath.Rel(filepath.Dir(pointer), blob)
	if err != nil {
		rel = blob
	}
	if err := os.Remove(pointer); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replace %s: %w", pointer, err)
	}
	err = os.Symlink(rel, pointer)
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrExist) && sameFile(pointer, blob) {
		return nil // another process linked it between Remove and Symlink
	}
	if cerr := copyFile(blob, pointer); cerr != nil {
		return fmt.Errorf("link %s into the snapshot: %v; copy failed too: %w", blob, err, cerr)
	}
	return nil
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// copyFile copies src to dst through a temporary file renamed into place.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + "." + randomHex(4) + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}
