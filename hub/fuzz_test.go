package hub

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	fuzzToken    = "hf_fuzzSecretToken0123456789"
	fuzzPassword = "fuzzPassw0rdSECRET"
)

// fuzzClient has a token and credentials in its endpoint, so the fuzz
// targets can check that neither is ever printed.
func fuzzClient() *Client {
	return New(Config{Endpoint: "http://fuzzuser:" + fuzzPassword + "@hub.test", Token: Secret(fuzzToken), TokenSource: "HF_TOKEN"})
}

// checkPrintable fails when s holds a control character, a bidi override
// or one of the fuzz client's secrets.
func checkPrintable(t *testing.T, what, s string) {
	t.Helper()
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("%s holds %U: %q", what, r, s)
		}
	}
	for _, secret := range []string{fuzzToken, fuzzPassword} {
		if strings.Contains(s, secret) {
			t.Fatalf("%s shows a secret: %q", what, s)
		}
	}
}

// FuzzParseMeta feeds arbitrary header values to the parser of a HEAD
// answer: it must never panic; what it accepts must be usable as cache
// path segments (no separator, no control character) with a size ≥ 0; its
// errors must be printable.
func FuzzParseMeta(f *testing.F) {
	f.Add(strings.Repeat("a", 40), `"abc123"`, "", "42", "", "", false)
	f.Add(strings.Repeat("b", 40), `W/"x"`, `"`+strings.Repeat("c", 64)+`"`, "", "1000", "https://cdn/x?sig=1", true)
	f.Add("../..", "a/b", "", "-1", "", "", false)
	f.Add("c\u009b2J", "\x1b]0;t\x07", "", "1e9", "", "", false)
	c := fuzzClient()
	f.Fuzz(func(t *testing.T, commit, etag, linkedEtag, length, linkedSize, loc string, redirect bool) {
		h := http.Header{}
		for k, v := range map[string]string{"X-Repo-Commit": commit, "ETag": etag, "X-Linked-Etag": linkedEtag,
			"Content-Length": length, "X-Linked-Size": linkedSize} {
			if v != "" {
				h.Set(k, v)
			}
		}
		meta, err := c.parseMeta(h, redirect, loc, "http://hub.test/org/m/resolve/main/f", "f")
		if err != nil {
			checkPrintable(t, "error", err.Error())
			return
		}
		for _, seg := range []string{meta.commit, meta.etag} {
			if validateSegment("segment", seg) != nil || strings.ContainsAny(seg, "/\\") {
				t.Fatalf("accepted unusable path segment %q", seg)
			}
		}
		if meta.size < 0 {
			t.Fatalf("accepted size %d", meta.size)
		}
	})
}

// FuzzHTTPError builds error answers with arbitrary status, X-Error-Code
// and X-Error-Message (which may echo the token): the error must match
// the sentinels without panicking and print no control character and no
// secret.
func FuzzHTTPError(f *testing.F) {
	f.Add(404, "EntryNotFound", "")
	f.Add(401, "", "Invalid credentials in Authorization header")
	f.Add(500, "", "\x1b]0;pwned\x07 you sent Bearer "+fuzzToken)
	f.Add(403, "GatedRepo", "\u009b2J\u202e"+fuzzPassword)
	f.Add(418, "RevisionNotFound", strings.Repeat("x", 1000))
	c := fuzzClient()
	u, _ := url.Parse("http://hub.test/org/m/resolve/main/config.json?sig=" + fuzzToken)
	f.Fuzz(func(t *testing.T, status int, code, message string) {
		req := &http.Request{URL: u, Header: http.Header{"Authorization": {"Bearer " + fuzzToken}}}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Request: req}
		resp.Header.Set("X-Error-Code", code)
		resp.Header.Set("X-Error-Message", message)
		e := c.httpError(resp, "org/m", "main", "config.json")
		for _, target := range []error{ErrNotFound, ErrRepoNotFound, ErrRevisionNotFound, ErrEntryNotFound, ErrGated, ErrUnauthorized} {
			_ = e.Is(target)
		}
		checkPrintable(t, "error", e.Error())
		checkPrintable(t, "URL", e.URL)
		checkPrintable(t, "endpoint", e.Endpoint)
	})
}
