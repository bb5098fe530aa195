package hub

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// buildPythonCache lays out a cache by hand, following huggingface_hub's
// documented layout (docs "Manage huggingface_hub cache-system"): blobs named
// by ETag, snapshot entries as relative symlinks into ../../blobs (deeper for
// files in sub-folders), refs/<branch> holding the bare commit hash, and
// .no_exist/<commit>/<file> markers.
func buildPythonCache(t *testing.T, dir string) {
	t.Helper()
	repo := filepath.Join(dir, "models--google--tiny-test")
	mk := func(p string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	cfgTag, wTag := gitBlobSHA1(configJSON), sha256Hex(weights)
	mk(filepath.Join(repo, "blobs", cfgTag), configJSON)
	mk(filepath.Join(repo, "blobs", wTag), weights)
	mk(filepath.Join(repo, "refs", "main"), []byte(commitA))
	mk(filepath.Join(repo, "refs", "refs", "pr", "1"), []byte(commitB))
	link("../../blobs/"+cfgTag, filepath.Join(repo, "snapshots", commitA, "config.json"))
	link("../../blobs/"+wTag, filepath.Join(repo, "snapshots", commitA, "model.safetensors"))
	link("../../../blobs/"+cfgTag, filepath.Join(repo, "snapshots", commitA, "sub", "config.json"))
	link("../../blobs/"+cfgTag, filepath.Join(repo, "snapshots", commitB, "config.json"))
	link("../../blobs/0000000000000000000000000000000000000000", filepath.Join(repo, "snapshots", commitB, "broken.json"))
	mk(filepath.Join(repo, ".no_exist", commitA, "tokenizer.json"), nil)
	mk(filepath.Join(dir, ".locks", "models--google--tiny-test", wTag+".lock"), nil)
}

func TestLookupReadsHuggingFaceCache(t *testing.T) {
	dir := t.TempDir()
	buildPythonCache(t, dir)
	c := Cache{Dir: dir}
	snapA := filepath.Join(dir, "models--google--tiny-test", "snapshots", commitA)
	snapB := filepath.Join(dir, "models--google--tiny-test", "snapshots", commitB)
	for _, tc := range []struct {
		rev, file  string
		wantPath   string
		wantCommit string
		want       LookupStatus
	}{
		{"main", "config.json", filepath.Join(snapA, "config.json"), commitA, Cached},
		{"", "model.safetensors", filepath.Join(snapA, "model.safetensors"), commitA, Cached},
		{"main", "sub/config.json", filepath.Join(snapA, "sub", "config.json"), commitA, Cached},
		{commitA, "config.json", filepath.Join(snapA, "config.json"), commitA, Cached},
		{"refs/pr/1", "config.json", filepath.Join(snapB, "config.json"), commitB, Cached},
		{"main", "tokenizer.json", "", commitA, KnownMissing},
		{"main", "tokenizer.model", "", commitA, NotCached},
		{"refs/pr/1", "broken.json", "", commitB, NotCached}, // link into a missing blob
		{"v2", "config.json", "", "", NotCached},
		{commitB, "model.safetensors", "", commitB, NotCached},
		{"main", "../../../etc/passwd", "", "", NotCached},
	} {
		p, commit, st := c.Lookup(repoID, tc.rev, tc.file)
		if p != tc.wantPath || commit != tc.wantCommit || st != tc.want {
			t.Errorf("Lookup(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.rev, tc.file, p, commit, st, tc.wantPath, tc.wantCommit, tc.want)
		}
	}
	if _, _, st := c.Lookup("google/other", "main", "config.json"); st != NotCached {
		t.Error("an unknown repository was found")
	}
}

func TestDownloadOfflineFromHandBuiltCache(t *testing.T) {
	dir := t.TempDir()
	buildPythonCache(t, dir)
	c := New(Config{Endpoint: "http://127.0.0.1:1", CacheDir: dir, Offline: true})
	got, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got.Commit != commitA || string(readAll(t, got.Path)) != string(weights) {
		t.Errorf("offline download from a huggingface_hub cache = %+v", got)
	}
}

// TestWrittenCacheReadsLikeHandBuilt checks that what Client writes is the
// layout buildPythonCache lays out: the same files, links and refs.
func TestWrittenCacheReadsLikeHandBuilt(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	c := testClient(t, f, "")
	for _, file := range []string{"config.json", "model.safetensors"} {
		if _, err := c.Download(context.Background(), repoID, "main", file); err != nil {
			t.Fatal(err)
		}
	}
	c.Download(context.Background(), repoID, "main", "tokenizer.json") // 404 → .no_exist

	want := t.TempDir()
	buildPythonCache(t, want)
	for _, rel := range []string{
		"models--google--tiny-test/refs/main",
		"models--google--tiny-test/snapshots/" + commitA + "/config.json",
		"models--google--tiny-test/snapshots/" + commitA + "/model.safetensors",
		"models--google--tiny-test/blobs/" + gitBlobSHA1(configJSON),
		"models--google--tiny-test/blobs/" + sha256Hex(weights),
		"models--google--tiny-test/.no_exist/" + commitA + "/tokenizer.json",
		".locks/models--google--tiny-test/" + sha256Hex(weights) + ".lock",
	} {
		g, w := filepath.Join(c.Cache.Dir, rel), filepath.Join(want, rel)
		gi, err := os.Lstat(g)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		wi, _ := os.Lstat(w)
		if gi.Mode().Type() != wi.Mode().Type() {
			t.Errorf("%s: type %v, want %v", rel, gi.Mode().Type(), wi.Mode().Type())
		}
		if wi.Mode()&os.ModeSymlink != 0 {
			gl, _ := os.Readlink(g)
			wl, _ := os.Readlink(w)
			if filepath.ToSlash(gl) != wl {
				t.Errorf("%s links to %q, want %q", rel, gl, wl)
			}
		} else if rel != ".locks/models--google--tiny-test/"+sha256Hex(weights)+".lock" && string(readAll(t, g)) != string(readAll(t, w)) {
			t.Errorf("%s: content differs", rel)
		}
	}
	// And the reader agrees on both.
	for _, dir := range []string{c.Cache.Dir, want} {
		if p, commit, st := (Cache{Dir: dir}).Lookup(repoID, "main", "model.safetensors"); st != Cached || commit != commitA || p == "" {
			t.Errorf("Lookup in %s: %q %q %v", dir, p, commit, st)
		}
	}
}

func TestRevisionsListsSnapshotsAndRefs(t *testing.T) {
	dir := t.TempDir()
	buildPythonCache(t, dir)
	revs, err := Cache{Dir: dir}.Revisions(repoID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]CachedRevision{}
	for _, r := range revs {
		got[r.Commit] = r
	}
	if len(revs) != 2 {
		t.Fatalf("got %d revisions, want 2: %+v", len(revs), revs)
	}
	a, b := got[commitA], got[commitB]
	if !reflect.DeepEqual(a.Refs, []string{"main"}) || !reflect.DeepEqual(b.Refs, []string{"refs/pr/1"}) {
		t.Errorf("refs: %v / %v", a.Refs, b.Refs)
	}
	if want := []string{"config.json", "model.safetensors", "sub/config.json"}; !reflect.DeepEqual(a.Files, want) {
		t.Errorf("files of %s: %v, want %v", commitA, a.Files, want)
	}
	if want := int64(2*len(configJSON) + len(weights)); a.Size != want {
		t.Errorf("size %d, want %d", a.Size, want)
	}
	if want := []string{"config.json"}; !reflect.DeepEqual(b.Files, want) {
		t.Errorf("files of %s: %v, want %v (broken links left out)", commitB, b.Files, want)
	}
	if revs, err := (Cache{Dir: dir}).Revisions("google/none"); err != nil || len(revs) != 0 {
		t.Errorf("uncached repo: %v, %v", revs, err)
	}
}
