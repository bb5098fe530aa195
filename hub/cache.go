package hub

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Cache is a huggingface_hub cache folder (HF_HUB_CACHE). Its methods only
// read; Client writes.
type Cache struct {
	// Dir is the cache root, e.g. ~/.cache/huggingface/hub.
	Dir string
}

// LookupStatus says what the cache knows about one file at one revision.
type LookupStatus int

const (
	// NotCached means the cache does not know the file: ask the hub.
	NotCached LookupStatus = iota
	// Cached means the file is in the snapshot folder.
	Cached
	// KnownMissing means the hub said the file does not exist at this commit
	// (huggingface_hub's .no_exist marker).
	KnownMissing
)

// RepoDir is the folder that holds one model repository's blobs, snapshots and refs.
func (c Cache) RepoDir(repoID string) string { return filepath.Join(c.Dir, RepoFolderName(repoID)) }

// SnapshotDir is the folder of one commit's files.
func (c Cache) SnapshotDir(repoID, commit string) string {
	return filepath.Join(c.RepoDir(repoID), "snapshots", commit)
}

// ResolveRevision turns a revision into a commit hash using only the cache: a
// 40-hex commit hash is returned as is, a branch or tag through refs/<revision>.
// ok is false when the cache has never seen the revision.
func (c Cache) ResolveRevision(repoID, revision string) (commit string, ok bool) {
	if revision == "" {
		revision = DefaultRevision
	}
	if IsCommitHash(revision) {
		return revision, true
	}
	if validateRelPath("revision", revision) != nil {
		return "", false
	}
	b, err := os.ReadFile(localPath(filepath.Join(c.RepoDir(repoID), "refs"), revision))
	if err != nil {
		return "", false
	}
	commit = string(bytes.TrimSpace(b))
	if validateSegment("commit", commit) != nil {
		return "", false
	}
	return commit, true
}

// Lookup finds file at revision the way huggingface_hub's
// try_to_load_from_cache does: revision through refs/, then the .no_exist
// marker, then snapshots/<commit>/<file>, which must be (or link to) a
// regular file. path is set when status is Cached.
func (c Cache) Lookup(repoID, revision, file string) (path string, commit string, status LookupStatus) {
	if validateRelPath("file name", file) != nil {
		return "", "", NotCached
	}
	commit, ok := c.ResolveRevision(repoID, revision)
	if !ok {
		return "", "", NotCached
	}
	repo := c.RepoDir(repoID)
	if isFile(localPath(filepath.Join(repo, ".no_exist", commit), file)) {
		return "", commit, KnownMissing
	}
	p := localPath(c.SnapshotDir(repoID, commit), file)
	if isFile(p) {
		return p, commit, Cached
	}
	return "", commit, NotCached
}

// isFile reports whether p is, or links to, a regular file.
func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// CachedRevision describes one snapshot folder of a cached repository.
type CachedRevision struct {
	// Commit is the snapshot's commit hash.
	Commit string
	// Refs are the branches and tags whose refs/ entry points at Commit.
	Refs []string
	// Files are the snapshot's files ('/'-separated), sorted; broken links are left out.
	Files []string
	// Size is the total size of those files in bytes.
	Size int64
	// Modified is the newest modification time among the snapshot's entries.
	Modified time.Time
}

// Revisions lists the snapshots of a repository, newest first. A repository
// that is not cached gives an empty list and no error.
func (c Cache) Revisions(repoID string) ([]CachedRevision, error) {
	repo := c.RepoDir(repoID)
	entries, err := os.ReadDir(filepath.Join(repo, "snapshots"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cache of %s: %w", repoID, err)
	}
	refs := c.refs(repo)
	var out []CachedRevision
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		rev := CachedRevision{Commit: e.Name(), Refs: refs[e.Name()]}
		root := filepath.Join(repo, "snapshots", e.Name())
		walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if info, err := d.Info(); err == nil && info.ModTime().After(rev.Modified) {
				rev.Modified = info.ModTime()
			}
			if d.IsDir() {
				return nil
			}
			st, err := os.Stat(p) // follows the link into blobs/
			if err != nil || !st.Mode().IsRegular() {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			rev.Files = append(rev.Files, filepath.ToSlash(rel))
			rev.Size += st.Size()
			return nil
		})
		if walkErr != nil {
			return nil, fmt.Errorf("read cache of %s: %w", repoID, walkErr)
		}
		sort.Strings(rev.Files)
		out = append(out, rev)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Modified.After(out[j].Modified) })
	return out, nil
}

// refs maps each commit to the refs pointing at it (refs/pr/1 included).
func (c Cache) refs(repo string) map[string][]string {
	out := map[string][]string{}
	root := filepath.Join(repo, "refs")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".tmp") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		commit := string(bytes.TrimSpace(b))
		out[commit] = append(out[commit], filepath.ToSlash(rel))
		return nil
	})
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}
