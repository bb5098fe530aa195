package hub

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeHub is an httptest server that answers like huggingface.co's resolve
// endpoint, plus a second server on another port playing the CDN that LFS
// files are redirected to.
type fakeHub struct {
	hub, cdn *httptest.Server

	mu       sync.Mutex
	repos    map[string]*fakeRepo
	renamed  map[string]string // old id → new id (answered with a relative redirect)
	token    string            // the one valid token
	blobs    map[string][]byte // sha256 → bytes the CDN serves
	cuts     map[string][]int64
	hang     map[string]chan struct{} // sha256 → the CDN sends half, then waits for this (or the client)
	noRange  bool                     // the CDN ignores Range headers
	requests []fakeRequest
}

// fakeRepo is one repository at one commit.
type fakeRepo struct {
	commit   string
	branches map[string]string // branch or tag → commit
	files    map[string]fakeFile
	gated    bool // needs a token with access
	granted  bool // the valid token has accepted the licence
}

type fakeFile struct {
	data []byte
	lfs  bool
}

// fakeRequest is what a server saw.
type fakeRequest struct {
	server, method, path, rangeHeader, auth, acceptEncoding string
}

func newFakeHub(t testing.TB) *fakeHub {
	t.Helper()
	f := &fakeHub{
		repos:   map[string]*fakeRepo{},
		renamed: map[string]string{},
		blobs:   map[string][]byte{},
		cuts:    map[string][]int64{},
		hang:    map[string]chan struct{}{},
		token:   "hf_fakeSecretToken1234567890",
	}
	f.hub = httptest.NewServer(http.HandlerFunc(f.serveHub))
	f.cdn = httptest.NewServer(http.HandlerFunc(f.serveCDN))
	t.Cleanup(func() { f.hub.Close(); f.cdn.Close() })
	return f
}

// addRepo registers a repository whose main branch is at commit.
func (f *fakeHub) addRepo(id, commit string, files map[string]fakeFile) *fakeRepo {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &fakeRepo{commit: commit, branches: map[string]string{"main": commit}, files: files}
	f.repos[id] = r
	for _, file := range files {
		if file.lfs {
			f.blobs[sha256Hex(file.data)] = file.data
		}
	}
	return r
}

func (f *fakeHub) log(server string, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, fakeRequest{server, r.Method, r.URL.Path, r.Header.Get("Range"), r.Header.Get("Authorization"), r.Header.Get("Accept-Encoding")})
}

// seen returns the requests a server ("hub" or "cdn") received.
func (f *fakeHub) seen(server string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if r.server == server {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeHub) serveHub(w http.ResponseWriter, r *http.Request) {
	f.log("hub", r)
	f.mu.Lock()
	defer f.mu.Unlock()
	// /{org}/{name}/resolve/{revision, one escaped segment}/{file...}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/", 5)
	if len(parts) < 5 || parts[2] != "resolve" {
		http.NotFound(w, r)
		return
	}
	id := parts[0] + "/" + parts[1]
	rev, _ := url.PathUnescape(parts[3])
	file, _ := url.PathUnescape(parts[4])
	if to, ok := f.renamed[id]; ok {
		w.Header().Set("Location", "/"+to+"/resolve/"+parts[3]+"/"+parts[4])
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	auth := r.Header.Get("Authorization")
	validToken := auth == "Bearer "+f.token
	if auth != "" && !validToken {
		w.Header().Set("X-Error-Message", "Invalid credentials in Authorization header")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	repo, ok := f.repos[id]
	if !ok {
		w.Header().Set("X-Error-Code", "RepoNotFound")
		if validToken {
			w.WriteHeader(http.StatusNotFound)
		} else {
			w.WriteHeader(http.StatusUnauthorized)
		}
		return
	}
	if repo.gated && !(validToken && repo.granted) {
		w.Header().Set("X-Error-Code", "GatedRepo")
		w.Header().Set("X-Error-Message", "Access to model "+id+" is restricted.")
		if validToken {
			w.WriteHeader(http.StatusForbidden)
		} else {
			w.WriteHeader(http.StatusUnauthorized)
		}
		return
	}
	commit, ok := repo.branches[rev]
	if !ok && rev == repo.commit {
		commit, ok = rev, true
	}
	if !ok {
		w.Header().Set("X-Error-Code", "RevisionNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("X-Repo-Commit", commit)
	ff, ok := repo.files[file]
	if !ok {
		w.Header().Set("X-Error-Code", "EntryNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if ff.lfs {
		sum := sha256Hex(ff.data)
		pointer := fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", sum, len(ff.data))
		w.Header().Set("ETag", `"`+gitBlobSHA1([]byte(pointer))+`"`)
		w.Header().Set("X-Linked-Etag", `"`+sum+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(ff.data)))
		w.Header().Set("Location", f.cdn.URL+"/blobs/"+sum+"?X-Amz-Signature=deadbeef")
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+gitBlobSHA1(ff.data)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(ff.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(ff.data)
	}
}

func (f *fakeHub) serveCDN(w http.ResponseWriter, r *http.Request) {
	f.log("cdn", r)
	f.mu.Lock()
	sum := strings.TrimPrefix(r.URL.Path, "/blobs/")
	data, ok := f.blobs[sum]
	var cut int64 = -1
	if c := f.cuts[sum]; len(c) > 0 {
		cut, f.cuts[sum] = c[0], c[1:]
	}
	hang := f.hang[sum]
	delete(f.hang, sum)
	noRange := f.noRange
	f.mu.Unlock()
	if !ok || r.URL.Query().Get("X-Amz-Signature") == "" {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	var start int64
	if rg := r.Header.Get("Range"); rg != "" && !noRange {
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"), 10, 64)
		if err != nil || n >= int64(len(data)) {
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start = n
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(data)-1, len(data)))
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)-int(start)))
	if start > 0 {
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	body := data[start:]
	switch {
	case hang != nil:
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		select {
		case <-hang:
		case <-r.Context().Done():
		}
		panic(http.ErrAbortHandler)
	case cut >= 0 && cut < int64(len(body)):
		w.Write(body[:cut])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection mid-body
	}
	w.Write(body)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// gitBlobSHA1 is git's object id of a blob, the hub's ETag for non-LFS files.
func gitBlobSHA1(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// progressLog records Progress calls.
type progressLog struct {
	mu       sync.Mutex
	updates  []int64
	finished []error
	onUpdate func(done, total int64)
}

func (p *progressLog) Update(name string, done, total int64) {
	p.mu.Lock()
	p.updates = append(p.updates, done)
	cb := p.onUpdate
	p.mu.Unlock()
	if cb != nil {
		cb(done, total)
	}
}

func (p *progressLog) Finish(name string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished = append(p.finished, err)
}
