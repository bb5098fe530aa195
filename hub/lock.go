package hub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// errLockUnsupported means the platform or file system cannot lock files; the
// caller then downloads to a private temporary file instead of the shared
// .incomplete one, so concurrent processes can waste bandwidth but never
// corrupt the cache.
var errLockUnsupported = errors.New("file locking not supported here")

// lockPoll is how often a busy lock is retried.
const lockPoll = 100 * time.Millisecond

// fileLock is an exclusive advisory lock held on an open file. On Unix it is
// flock(2), the lock Python's filelock takes on the same .locks/ files, so
// this program and huggingface_hub exclude each other.
type fileLock struct {
	f *os.File
}

// acquireLock creates path's folder and file if needed and waits until the
// lock is ours or ctx ends. onWait, if not nil, is called once when the lock
// is found busy (to tell the user another process is downloading).
func acquireLock(ctx context.Context, path string, onWait func()) (*fileLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create lock folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	waited := false
	for {
		busy, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		if !busy {
			return &fileLock{f: f}, nil
		}
		if !waited && onWait != nil {
			onWait()
		}
		waited = true
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// release unlocks and closes the lock file; the file itself stays, as
// removing it would race with a process that just opened it.
func (l *fileLock) release() {
	if l == nil || l.f == nil {
		return
	}
	unlock(l.f)
	l.f.Close()
	l.f = nil
}
