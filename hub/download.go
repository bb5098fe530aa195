package hub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// File is one file of a repository, in the cache.
type File struct {
	// Path is snapshots/<commit>/<file> inside the cache: a link into blobs/.
	Path string
	// Commit is the commit the file belongs to.
	Commit string
}

// Download returns the cached copy of file at revision of repo, fetching it
// from the hub first if needed, the way huggingface_hub's hf_hub_download
// does:
//
//   - a revision that is a full commit hash whose file is cached is served
//     without asking the hub;
//   - in offline mode the cache alone answers (refs/<revision> → snapshot);
//   - otherwise a HEAD gives the commit and ETag; if the hub cannot be
//     reached, or answers with an error other than "no such revision or
//     file", a cached copy of the revision is still used;
//   - a file the hub says is missing is recorded under .no_exist/.
//
// The error says what to do; test it with errors.Is against ErrNotFound,
// ErrRepoNotFound, ErrRevisionNotFound, ErrEntryNotFound, ErrGated,
// ErrUnauthorized, ErrNotCached, ErrChecksum, ErrDiskFull or a context error.
// Cancelling ctx during a transfer leaves blobs/<etag>.incomplete for the
// next call to resume.
func (c *Client) Download(ctx context.Context, repo, revision, file string) (File, error) {
	if revision == "" {
		revision = DefaultRevision
	}
	if err := ValidateRepoID(repo); err != nil {
		return File{}, err
	}
	if err := validateRelPath("file name", file); err != nil {
		return File{}, err
	}
	if err := validateRelPath("revision", revision); err != nil {
		return File{}, err
	}
	if IsCommitHash(revision) {
		if p, commit, st := c.Cache.Lookup(repo, revision, file); st == Cached {
			return File{Path: p, Commit: commit}, nil
		}
	}
	if c.Offline {
		return c.cachedOr(repo, revision, file, &NotCachedError{Repo: repo, Revision: revision, File: file, CacheDir: c.Cache.Dir, Offline: true})
	}
	meta, err := c.head(ctx, repo, revision, file)
	if err != nil {
		return c.afterHeadError(ctx, repo, revision, file, err)
	}
	return c.store(ctx, repo, revision, file, meta)
}

// cachedOr serves file from the cache, or returns fallback.
func (c *Client) cachedOr(repo, revision, file string, fallback error) (File, error) {
	p, commit, st := c.Cache.Lookup(repo, revision, file)
	switch st {
	case Cached:
		return File{Path: p, Commit: commit}, nil
	case KnownMissing:
		return File{}, &knownMissingError{repo: repo, revision: revision, file: file, commit: commit}
	}
	return File{}, fallback
}

// afterHeadError handles a failed HEAD: record a missing file, fall back to
// the cache, retry passing failures, or explain.
func (c *Client) afterHeadError(ctx context.Context, repo, revision, file string, err error) (File, error) {
	if ctx.Err() != nil {
		return File{}, fmt.Errorf("download %s of %s: %w", file, repo, ctx.Err())
	}
	var he *HTTPError
	if errors.As(err, &he) && (he.Is(ErrEntryNotFound) || he.Is(ErrRevisionNotFound)) {
		if he.Is(ErrEntryNotFound) && he.commit != "" {
			c.recordMissing(repo, revision, file, he.commit)
		}
		return File{}, err
	}
	switch f, cerr := c.cachedOr(repo, revision, file, nil); {
	case f.Path != "":
		return f, nil
	case cerr != nil: // recorded as missing
		return File{}, cerr
	}
	// Nothing cached: a passing failure deserves a few more tries.
	wait := c.RetryWait
	for try := 0; try < 3 && retryable(err); try++ {
		if !sleepCtx(ctx, wait) {
			return File{}, fmt.Errorf("download %s of %s: %w", file, repo, ctx.Err())
		}
		wait *= 2
		var meta fileMeta
		if meta, err = c.head(ctx, repo, revision, file); err == nil {
			return c.store(ctx, repo, revision, file, meta)
		}
		if ctx.Err() != nil {
			return File{}, fmt.Errorf("download %s of %s: %w", file, repo, ctx.Err())
		}
	}
	if errors.As(err, &he) {
		return File{}, err
	}
	return File{}, &NotCachedError{Repo: repo, Revision: revision, File: file, CacheDir: c.Cache.Dir, Cause: err}
}

// recordMissing writes huggingface_hub's .no_exist/<commit>/<file> marker and
// the revision's ref; failures only cost a later HEAD, so they are ignored.
func (c *Client) recordMissing(repo, revision, file, commit string) {
	if validateSegment("commit", commit) != nil {
		return
	}
	repoDir := c.Cache.RepoDir(repo)
	marker := localPath(filepath.Join(repoDir, ".no_exist", commit), file)
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err == nil {
		if f, err := os.OpenFile(marker, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			f.Close()
		}
	}
	_ = writeRef(repoDir, revision, commit)
}

// store puts the file described by meta into the cache, downloading its blob
// unless it is already there, and returns its snapshot path.
func (c *Client) store(ctx context.Context, repo, revision, file string, meta fileMeta) (File, error) {
	repoDir := c.Cache.RepoDir(repo)
	blob := filepath.Join(repoDir, "blobs", meta.etag)
	pointer := localPath(filepath.Join(repoDir, "snapshots", meta.commit), file)
	done := File{Path: pointer, Commit: meta.commit}
	if isFile(pointer) {
		_ = writeRef(repoDir, revision, meta.commit) // best effort: the cache may be read-only
		return done, nil
	}
	for _, d := range []string{filepath.Dir(blob), filepath.Dir(pointer)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return File{}, fmt.Errorf("create cache folder %s: %w (set HF_HUB_CACHE to a writable folder)", d, err)
		}
	}
	writeCacheDirTag(c.Cache.Dir)
	if err := writeRef(repoDir, revision, meta.commit); err != nil {
		return File{}, err
	}
	lockPath := filepath.Join(c.Cache.Dir, ".locks", RepoFolderName(repo), meta.etag+".lock")
	lock, err := acquireLock(ctx, lockPath, nil)
	shared := true
	switch {
	case errors.Is(err, errLockUnsupported):
		shared = false
	case err != nil:
		return File{}, fmt.Errorf("download %s of %s: %w", file, repo, err)
	}
	defer lock.release()
	if !isFile(blob) {
		job := transfer{repo: repo, rev: revision, name: file, url: meta.location, size: meta.size, etag: meta.etag, dst: blob, shared: shared}
		if err := c.fetch(ctx, job); err != nil {
			return File{}, fmt.Errorf("download %s of %s: %w", file, repo, err)
		}
	}
	if err := linkBlob(blob, pointer); err != nil {
		return File{}, err
	}
	return done, nil
}

// knownMissingError is a file the cache records as absent at a commit.
type knownMissingError struct{ repo, revision, file, commit string }

func (e *knownMissingError) Error() string {
	return fmt.Sprintf("%s of %s does not exist at revision %s (commit %s), as recorded in the cache", e.file, e.repo, e.revision, e.commit)
}

// Is matches ErrEntryNotFound and ErrNotFound.
func (e *knownMissingError) Is(target error) bool {
	return target == ErrEntryNotFound || target == ErrNotFound
}

// retryable tells passing failures (dropped connections, timeouts, 408,
// 429, 5xx) from final ones. A refused connection or an unknown host name
// means there is no network (or a wrong HF_ENDPOINT): retrying within
// seconds would only make the user wait.
func retryable(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status == http.StatusRequestTimeout || he.Status == http.StatusTooManyRequests || he.Status >= 500
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && !dnsErr.IsTimeout && !dnsErr.IsTemporary {
		return false
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" && !opErr.Timeout() {
		return false // refused, unreachable network, no route
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrDiskFull)
}

// sleepCtx waits d or until ctx ends; it reports whether the wait completed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
