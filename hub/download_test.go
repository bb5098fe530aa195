package hub

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	commitA = "0123456789abcdef0123456789abcdef01234567"
	commitB = "89abcdef0123456789abcdef0123456789abcdef"
	repoID  = "google/tiny-test"
)

var (
	configJSON = []byte(`{"model_type": "siglip"}`)
	weights    = pseudoRandom(300_000)
)

func pseudoRandom(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(b)
	return b
}

// standardRepo serves config.json from git and model.safetensors from LFS.
func standardRepo(f *fakeHub) *fakeRepo {
	return f.addRepo(repoID, commitA, map[string]fakeFile{
		"config.json":       {data: configJSON},
		"model.safetensors": {data: weights, lfs: true},
	})
}

func testClient(t *testing.T, f *fakeHub, token string) *Client {
	t.Helper()
	c := New(Config{Endpoint: f.hub.URL, CacheDir: t.TempDir(), Token: Secret(token), TokenSource: "HF_TOKEN"})
	c.RetryWait = time.Millisecond
	c.StallTimeout = 10 * time.Second
	return c
}

func readAll(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDownloadWritesHuggingFaceLayout(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	c := testClient(t, f, "")
	ctx := context.Background()

	for _, tc := range []struct {
		file string
		want []byte
		etag string
	}{
		{"config.json", configJSON, gitBlobSHA1(configJSON)},
		{"model.safetensors", weights, sha256Hex(weights)},
	} {
		got, err := c.Download(ctx, repoID, "main", tc.file)
		if err != nil {
			t.Fatalf("Download(%s): %v", tc.file, err)
		}
		repo := filepath.Join(c.Cache.Dir, "models--google--tiny-test")
		wantPath := filepath.Join(repo, "snapshots", commitA, tc.file)
		if got.Path != wantPath || got.Commit != commitA {
			t.Errorf("Download(%s) = %+v, want path %s commit %s", tc.file, got, wantPath, commitA)
		}
		if !bytes.Equal(readAll(t, got.Path), tc.want) {
			t.Errorf("%s: content differs", tc.file)
		}
		link, err := os.Readlink(got.Path)
		if err != nil {
			t.Fatalf("%s is not a symlink: %v", got.Path, err)
		}
		if want := filepath.Join("..", "..", "blobs", tc.etag); link != want {
			t.Errorf("%s links to %q, want relative %q", tc.file, link, want)
		}
		if !bytes.Equal(readAll(t, filepath.Join(repo, "blobs", tc.etag)), tc.want) {
			t.Errorf("blob of %s differs", tc.file)
		}
		if _, err := os.Stat(filepath.Join(repo, "blobs", tc.etag+".incomplete")); !os.IsNotExist(err) {
			t.Errorf("%s.incomplete left behind (err %v)", tc.etag, err)
		}
		if _, err := os.Stat(filepath.Join(c.Cache.Dir, ".locks", "models--google--tiny-test", tc.etag+".lock")); err != nil {
			t.Errorf("lock file of %s: %v", tc.file, err)
		}
	}
	if ref := readAll(t, filepath.Join(c.Cache.Dir, "models--google--tiny-test", "refs", "main")); string(ref) != commitA {
		t.Errorf("refs/main = %q, want %q with no newline", ref, commitA)
	}
	if tag := readAll(t, filepath.Join(c.Cache.Dir, "CACHEDIR.TAG")); !bytes.HasPrefix(tag, []byte("Signature: 8a477f597d28d172789f06886806bc55\n")) {
		t.Errorf("CACHEDIR.TAG = %q", tag)
	}
	for _, r := range f.seen("hub") {
		if r.acceptEncoding != "identity" {
			t.Errorf("%s %s sent Accept-Encoding %q, want identity", r.method, r.path, r.acceptEncoding)
		}
	}

	// A second call asks the hub (HEAD) but transfers nothing.
	before := len(f.seen("cdn"))
	hubGets := countMethod(f.seen("hub"), "GET")
	if _, err := c.Download(ctx, repoID, "main", "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(ctx, repoID, "main", "config.json"); err != nil {
		t.Fatal(err)
	}
	if len(f.seen("cdn")) != before || countMethod(f.seen("hub"), "GET") != hubGets {
		t.Error("cached files were downloaded again")
	}
	// A commit hash that is cached needs no request at all.
	n := len(f.seen("hub"))
	if _, err := c.Download(ctx, repoID, commitA, "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	if len(f.seen("hub")) != n {
		t.Error("a cached commit hash still asked the hub")
	}
}

func countMethod(rs []fakeRequest, m string) int {
	n := 0
	for _, r := range rs {
		if r.method == m {
			n++
		}
	}
	return n
}

func TestTokenGoesToHubOnlyAndNeverIntoErrors(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	c := testClient(t, f, f.token)
	if _, err := c.Download(context.Background(), repoID, "main", "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	hub, cdn := f.seen("hub"), f.seen("cdn")
	if len(hub) == 0 || len(cdn) == 0 {
		t.Fatalf("expected requests to both servers, got hub %d cdn %d", len(hub), len(cdn))
	}
	for _, r := range hub {
		if r.auth != "Bearer "+f.token {
			t.Errorf("hub request %s %s had Authorization %q", r.method, r.path, r.auth)
		}
	}
	for _, r := range cdn {
		if r.auth != "" {
			t.Errorf("CDN request %s %s carried the Authorization header", r.method, r.path)
		}
	}

	// Every error path, with a token set: none may show it.
	f.addRepo("google/gated", commitA, map[string]fakeFile{"config.json": {data: configJSON}}).gated = true
	for _, tc := range []struct{ repo, rev, file, token string }{
		{"google/gated", "main", "config.json", f.token},
		{"google/missing", "main", "config.json", f.token},
		{repoID, "nope", "config.json", f.token},
		{repoID, "main", "nope.json", f.token},
		{repoID, "main", "config.json", "hf_wrongTokenABCDEF"},
	} {
		c := testClient(t, f, tc.token)
		_, err := c.Download(context.Background(), tc.repo, tc.rev, tc.file)
		if err == nil {
			t.Fatalf("%+v: no error", tc)
		}
		for _, s := range []string{err.Error(), fmtAll(err), fmtAll(c)} {
			if strings.Contains(s, tc.token) {
				t.Errorf("%+v: the token leaked: %s", tc, s)
			}
		}
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	f.addRepo("google/gated", commitA, map[string]fakeFile{"config.json": {data: configJSON}}).gated = true
	for _, tc := range []struct {
		name, repo, rev, file, token string
		is                           []error
		says                         []string
	}{
		{"unknown model, anonymous (401)", "google/nope", "main", "config.json", "",
			[]error{ErrRepoNotFound, ErrNotFound}, []string{"google/nope", "not found", "HF_TOKEN"}},
		{"unknown model, with token (404)", "google/nope", "main", "config.json", "good",
			[]error{ErrRepoNotFound, ErrNotFound}, []string{"google/nope", "not found", "token from HF_TOKEN"}},
		{"unknown revision (404)", repoID, "v9", "config.json", "",
			[]error{ErrRevisionNotFound, ErrNotFound}, []string{`revision "v9"`, "--revision"}},
		{"missing file (404)", repoID, "main", "tokenizer.json", "",
			[]error{ErrEntryNotFound, ErrNotFound}, []string{"tokenizer.json", "not found"}},
		{"gated, anonymous (401)", "google/gated", "main", "config.json", "",
			[]error{ErrGated, ErrUnauthorized}, []string{"gated", "accept its licence", "HF_TOKEN", f.hub.URL + "/google/gated"}},
		{"gated, licence not accepted (403)", "google/gated", "main", "config.json", "good",
			[]error{ErrGated, ErrUnauthorized}, []string{"gated", "token from HF_TOKEN", "accept the licence"}},
		{"bad token (401)", repoID, "main", "config.json", "hf_bad",
			[]error{ErrUnauthorized}, []string{"rejected the token from HF_TOKEN", "settings/tokens"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := tc.token
			if token == "good" {
				token = f.token
			}
			_, err := testClient(t, f, token).Download(context.Background(), tc.repo, tc.rev, tc.file)
			if err == nil {
				t.Fatal("no error")
			}
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("error %q is not %v", err, target)
				}
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestMissingFileIsRecordedInNoExist(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	c := testClient(t, f, "")
	if _, err := c.Download(context.Background(), repoID, "main", "tokenizer.json"); !errors.Is(err, ErrEntryNotFound) {
		t.Fatalf("err = %v, want ErrEntryNotFound", err)
	}
	repo := c.Cache.RepoDir(repoID)
	if st, err := os.Stat(filepath.Join(repo, ".no_exist", commitA, "tokenizer.json")); err != nil || st.Size() != 0 {
		t.Fatalf(".no_exist marker: %v", err)
	}
	if ref := readAll(t, filepath.Join(repo, "refs", "main")); string(ref) != commitA {
		t.Errorf("refs/main = %q", ref)
	}
	// Offline, the marker answers without the network.
	c.Offline = true
	n := len(f.seen("hub"))
	if _, err := c.Download(context.Background(), repoID, "main", "tokenizer.json"); !errors.Is(err, ErrEntryNotFound) || errors.Is(err, ErrNotCached) {
		t.Errorf("offline err = %v, want ErrEntryNotFound", err)
	}
	if len(f.seen("hub")) != n {
		t.Error("offline mode made a request")
	}
}

func TestRenamedRepositoryRelativeRedirect(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	f.renamed["old-org/old-name"] = repoID
	c := testClient(t, f, f.token)
	got, err := c.Download(context.Background(), "old-org/old-name", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readAll(t, got.Path), weights) {
		t.Error("content differs")
	}
	if !strings.Contains(got.Path, "models--old-org--old-name") {
		t.Errorf("stored at %s, want under the requested id as huggingface_hub does", got.Path)
	}
	sawNew := false
	for _, r := range f.seen("hub") {
		sawNew = sawNew || strings.HasPrefix(r.path, "/"+repoID+"/")
		if r.auth == "" {
			t.Errorf("hub request %s lost the token across a same-host redirect", r.path)
		}
	}
	if !sawNew {
		t.Error("the relative redirect was not followed")
	}
}

func TestResumeAfterConnectionCut(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	sum := sha256Hex(weights)
	f.cuts[sum] = []int64{100_000, 50_000} // two drops, then a whole answer
	c := testClient(t, f, "")
	prog := &progressLog{}
	c.Progress = prog
	got, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readAll(t, got.Path), weights) {
		t.Fatal("content differs after resuming")
	}
	var ranges []string
	for _, r := range f.seen("cdn") {
		ranges = append(ranges, r.rangeHeader)
	}
	want := []string{"", "bytes=100000-", "bytes=150000-"}
	if strings.Join(ranges, "|") != strings.Join(want, "|") {
		t.Errorf("CDN Range headers %q, want %q", ranges, want)
	}
	if len(prog.finished) != 1 || prog.finished[0] != nil {
		t.Errorf("Finish calls %v, want one nil", prog.finished)
	}
	if last := prog.updates[len(prog.updates)-1]; last != int64(len(weights)) {
		t.Errorf("last progress %d, want %d", last, len(weights))
	}
}

func TestCancelLeavesResumableIncomplete(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	sum := sha256Hex(weights)
	release := make(chan struct{})
	f.hang[sum] = release
	defer close(release)
	c := testClient(t, f, "")
	ctx, cancel := context.WithCancel(context.Background())
	half := int64(len(weights) / 2)
	c.Progress = &progressLog{onUpdate: func(done, total int64) {
		if done >= half {
			cancel() // Ctrl-C once half the file is on disk
		}
	}}
	_, err := c.Download(ctx, repoID, "main", "model.safetensors")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	blobs := filepath.Join(c.Cache.RepoDir(repoID), "blobs")
	st, err := os.Stat(filepath.Join(blobs, sum+".incomplete"))
	if err != nil || st.Size() != half {
		t.Fatalf(".incomplete after cancel: %v (size %v, want %d)", err, st, half)
	}
	if _, err := os.Stat(filepath.Join(blobs, sum)); !os.IsNotExist(err) {
		t.Fatal("a blob exists after a cancelled download")
	}
	if _, err := os.Stat(filepath.Join(c.Cache.SnapshotDir(repoID, commitA), "model.safetensors")); !os.IsNotExist(err) {
		t.Fatal("a snapshot entry exists after a cancelled download")
	}

	// The next run resumes from the partial file.
	c.Progress = &progressLog{}
	got, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readAll(t, got.Path), weights) {
		t.Fatal("content differs after resuming")
	}
	cdn := f.seen("cdn")
	if last := cdn[len(cdn)-1].rangeHeader; last != "bytes=150000-" {
		t.Errorf("resumed with Range %q, want bytes=150000-", last)
	}
}

func TestStalledTransferIsResumed(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	sum := sha256Hex(weights)
	release := make(chan struct{})
	defer close(release)
	f.hang[sum] = release // sends half, then nothing until the client gives up
	c := testClient(t, f, "")
	c.StallTimeout = 200 * time.Millisecond
	got, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readAll(t, got.Path), weights) {
		t.Fatal("content differs")
	}
	cdn := f.seen("cdn")
	if len(cdn) != 2 || cdn[1].rangeHeader != "bytes=150000-" {
		t.Errorf("CDN requests %+v, want a second one resuming at 150000", cdn)
	}
}

func TestServerIgnoringRangeRestarts(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	f.noRange = true
	c := testClient(t, f, "")
	sum := sha256Hex(weights)
	blobs := filepath.Join(c.Cache.RepoDir(repoID), "blobs")
	os.MkdirAll(blobs, 0o755)
	// A stale partial file whose bytes are wrong: a 200 answer must replace them.
	if err := os.WriteFile(filepath.Join(blobs, sum+".incomplete"), bytes.Repeat([]byte{0xEE}, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readAll(t, got.Path), weights) {
		t.Fatal("content differs")
	}
}

func TestChecksumMismatchDiscardsDownload(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	sum := sha256Hex(weights)
	corrupt := append([]byte(nil), weights...)
	corrupt[12345] ^= 0xFF
	f.blobs[sum] = corrupt
	c := testClient(t, f, "")
	_, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("err = %v, want ErrChecksum", err)
	}
	if !strings.Contains(err.Error(), "run again") || !strings.Contains(err.Error(), sum) {
		t.Errorf("error %q should name the expected sha256 and say to run again", err)
	}
	blobs := filepath.Join(c.Cache.RepoDir(repoID), "blobs")
	for _, name := range []string{sum, sum + ".incomplete"} {
		if _, err := os.Stat(filepath.Join(blobs, name)); !os.IsNotExist(err) {
			t.Errorf("%s kept after a checksum failure", name)
		}
	}
	if _, err := os.Stat(filepath.Join(c.Cache.SnapshotDir(repoID, commitA), "model.safetensors")); !os.IsNotExist(err) {
		t.Error("snapshot entry made for a corrupt file")
	}
	// Once the CDN serves the right bytes, a rerun succeeds.
	f.mu.Lock()
	f.blobs[sum] = weights
	f.mu.Unlock()
	if _, err := c.Download(context.Background(), repoID, "main", "model.safetensors"); err != nil {
		t.Fatal(err)
	}
}

func TestOfflineUsesCacheOnly(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	c := testClient(t, f, "")
	if _, err := c.Download(context.Background(), repoID, "main", "config.json"); err != nil {
		t.Fatal(err)
	}
	c.Offline = true
	n := len(f.seen("hub"))
	got, err := c.Download(context.Background(), repoID, "main", "config.json")
	if err != nil || got.Commit != commitA || !bytes.Equal(readAll(t, got.Path), configJSON) {
		t.Fatalf("offline cached download = %+v, %v", got, err)
	}
	_, err = c.Download(context.Background(), repoID, "main", "model.safetensors")
	var nc *NotCachedError
	if !errors.As(err, &nc) || !nc.Offline || !errors.Is(err, ErrNotCached) {
		t.Fatalf("offline uncached err = %v, want an offline NotCachedError", err)
	}
	if !strings.Contains(err.Error(), "HF_HUB_OFFLINE") || !strings.Contains(err.Error(), c.Cache.Dir) {
		t.Errorf("error %q should name HF_HUB_OFFLINE and the cache folder", err)
	}
	if _, err := c.Download(context.Background(), repoID, "v2", "config.json"); !errors.Is(err, ErrNotCached) {
		t.Errorf("unknown revision offline: %v, want ErrNotCached", err)
	}
	if len(f.seen("hub")) != n {
		t.Error("offline mode made requests")
	}
}

func TestUnreachableHubFallsBackToCache(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	c := testClient(t, f, "")
	if _, err := c.Download(context.Background(), repoID, "main", "config.json"); err != nil {
		t.Fatal(err)
	}
	f.hub.Close()
	got, err := c.Download(context.Background(), repoID, "main", "config.json")
	if err != nil || got.Commit != commitA {
		t.Fatalf("with the hub down: %+v, %v; want the cached copy", got, err)
	}
	_, err = c.Download(context.Background(), repoID, "main", "model.safetensors")
	var nc *NotCachedError
	if !errors.As(err, &nc) || nc.Offline || nc.Cause == nil {
		t.Fatalf("err = %v, want a NotCachedError with the network cause", err)
	}
}

func TestHubErrorFallsBackToCachedRevision(t *testing.T) {
	// huggingface_hub serves a cached copy when the hub answers 401/5xx, and
	// only gives up at once for a missing revision or file.
	f := newFakeHub(t)
	r := standardRepo(f)
	c := testClient(t, f, "")
	if _, err := c.Download(context.Background(), repoID, "main", "config.json"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	r.gated = true
	f.mu.Unlock()
	if _, err := c.Download(context.Background(), repoID, "main", "config.json"); err != nil {
		t.Errorf("cached file with a 401 from the hub: %v", err)
	}
	if _, err := c.Download(context.Background(), repoID, "main", "model.safetensors"); !errors.Is(err, ErrGated) {
		t.Errorf("uncached file with a 401: %v, want ErrGated", err)
	}
}

func TestRevisionAsCommitAndBranchRefs(t *testing.T) {
	f := newFakeHub(t)
	r := standardRepo(f)
	r.branches["v1.0"] = commitA
	r.branches["refs/pr/1"] = commitA
	c := testClient(t, f, "")
	for _, rev := range []string{"v1.0", "refs/pr/1"} {
		if _, err := c.Download(context.Background(), repoID, rev, "config.json"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Download(context.Background(), repoID, commitA, "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	refs := filepath.Join(c.Cache.RepoDir(repoID), "refs")
	for _, rev := range []string{"v1.0", "refs/pr/1"} {
		if ref := readAll(t, localPath(refs, rev)); string(ref) != commitA {
			t.Errorf("refs/%s = %q", rev, ref)
		}
	}
	if _, err := os.Stat(filepath.Join(refs, commitA)); !os.IsNotExist(err) {
		t.Error("a commit hash got a refs/ entry; huggingface_hub writes none")
	}
	// main moves on: the new commit gets its own snapshot, refs/main follows.
	f.mu.Lock()
	r.branches["main"] = commitB
	f.mu.Unlock()
	got, err := c.Download(context.Background(), repoID, "main", "config.json")
	if err != nil || got.Commit != commitB {
		t.Fatalf("after main moved: %+v, %v", got, err)
	}
	if ref := readAll(t, filepath.Join(refs, "main")); string(ref) != commitB {
		t.Errorf("refs/main = %q, want %q", ref, commitB)
	}
}

func TestConcurrentDownloadsShareOneTransfer(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	c := testClient(t, f, "")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c2 := *c // separate clients on one cache, as separate processes would be
			_, errs[i] = c2.Download(context.Background(), repoID, "main", "model.safetensors")
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.seen("cdn")); n != 1 {
		t.Errorf("the blob was transferred %d times; the lock should make it once", n)
	}
	got := readAll(t, filepath.Join(c.Cache.SnapshotDir(repoID, commitA), "model.safetensors"))
	if !bytes.Equal(got, weights) {
		t.Error("content differs")
	}
}

func TestDiskFullBeforeDownload(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	c := testClient(t, f, "")
	old := freeBytesFn
	freeBytesFn = func(string) (int64, bool) { return 1000, true }
	defer func() { freeBytesFn = old }()
	_, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("err = %v, want ErrDiskFull", err)
	}
	for _, s := range []string{"not enough disk space", "HF_HUB_CACHE", "300.0 kB", "1.0 kB free"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if len(f.seen("cdn")) != 0 {
		t.Error("transfer started although the disk is full")
	}
}

func TestBadArguments(t *testing.T) {
	f := newFakeHub(t)
	c := testClient(t, f, "")
	for _, tc := range []struct{ repo, rev, file string }{
		{"google/../etc", "main", "config.json"},
		{"a/b/c", "main", "config.json"},
		{"google/x--y", "main", "config.json"},
		{repoID, "main", "../config.json"},
		{repoID, "main", "/etc/passwd"},
		{repoID, "main", `sub\config.json`},
		{repoID, "../../x", "config.json"},
	} {
		if _, err := c.Download(context.Background(), tc.repo, tc.rev, tc.file); err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("%+v: err = %v, want an 'invalid ...' error", tc, err)
		}
	}
	if len(f.seen("hub")) != 0 {
		t.Error("bad arguments reached the network")
	}
}

func TestCDNRefusalIsExplainedAndResumable(t *testing.T) {
	f := newFakeHub(t)
	standardRepo(f)
	sum := sha256Hex(weights)
	f.cuts[sum] = []int64{100_000}
	c := testClient(t, f, f.token)
	c.Retries = 1
	// The first transfer breaks off; the CDN then loses the blob (as when a
	// signed link expires): the error must not blame the token.
	c.RetryWait = 0
	c.Progress = &progressLog{onUpdate: func(done, total int64) {
		if done == 100_000 {
			f.mu.Lock()
			delete(f.blobs, sum)
			f.mu.Unlock()
		}
	}}
	_, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if err == nil || !strings.Contains(err.Error(), "may have expired") || strings.Contains(err.Error(), "HF_TOKEN") {
		t.Fatalf("err = %v, want an expired-link explanation", err)
	}
	f.mu.Lock()
	f.blobs[sum] = weights
	f.mu.Unlock()
	c.Progress = nil
	got, err := c.Download(context.Background(), repoID, "main", "model.safetensors")
	if err != nil || !bytes.Equal(readAll(t, got.Path), weights) {
		t.Fatalf("rerun: %v", err)
	}
	cdn := f.seen("cdn")
	if last := cdn[len(cdn)-1].rangeHeader; last != "bytes=100000-" {
		t.Errorf("rerun Range %q, want bytes=100000-", last)
	}
}
