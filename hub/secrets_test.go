package hub

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://huggingface.co", "https://huggingface.co"},
		{"http://user:TOKEN@hub.local:8080/org/m/resolve/main/x?sig=1#f", "http://hub.local:8080/org/m/resolve/main/x"},
		{"http://TOKEN@hub.local", "http://hub.local"},
		{"https://cdn.example/blob?X-Amz-Signature=abc", "https://cdn.example/blob"},
		{"http://user:TO KEN@ho st/%zz?q", "http://ho st/%zz"}, // unparsable: cut by hand
		{"http://a:b@c@d/x", "http://d/x"},
	} {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// hostileHub answers like a hub that wants to abuse our terminal: its
// error messages carry escape sequences and echo the credentials it got.
func hostileHub(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing.json"):
			w.Header().Set("X-Repo-Commit", strings.Repeat("a", 40))
			w.Header().Set("X-Error-Code", "EntryNotFound")
			w.WriteHeader(http.StatusNotFound)
		case strings.HasSuffix(r.URL.Path, "/evil.json"):
			// C1 controls and bidi overrides are valid header bytes: Go's
			// client accepts them, so HTTPError.Message must clean them.
			w.Header().Set("X-Error-Message", "\u009d0;pwned\u009c you sent "+r.Header.Get("Authorization")+"\u009b2J\u202e!")
			w.WriteHeader(http.StatusInternalServerError)
		case strings.HasSuffix(r.URL.Path, "/esc.json"):
			// ESC is not: Go's client fails, quoting the header line.
			w.Header().Set("X-Error-Message", "\x1b]0;pwned\x07you sent "+r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusInternalServerError)
		case strings.HasSuffix(r.URL.Path, "/badtoken.json"):
			w.Header().Set("X-Error-Message", "Invalid credentials in Authorization header: "+r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusUnauthorized)
		case strings.HasSuffix(r.URL.Path, "/badetag.json"):
			w.Header().Set("X-Repo-Commit", strings.Repeat("b", 40))
			w.Header().Set("ETag", "\"abc\u009b31m\"")
			w.Header().Set("Content-Length", "3")
		default:
			w.WriteHeader(http.StatusOK) // no X-Repo-Commit
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// TestServerTextAndCredentialsNeverPrinted: with credentials in
// HF_ENDPOINT and a token, no error shows the password, the token or a
// control character, whatever the server sends back; a 404 names the
// endpoint (without its user info).
func TestServerTextAndCredentialsNeverPrinted(t *testing.T) {
	const token, password = "hf_secretTOKEN_abcdef123456", "pa55w0rd-SECRET"
	s := hostileHub(t)
	host := strings.TrimPrefix(s.URL, "http://")
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadHost := closed.Addr().String()
	closed.Close()
	for _, tc := range []struct {
		name, endpoint, token, file string
		says                        []string
	}{
		{"404 names the endpoint", "http://alice:" + password + "@" + host, token, "missing.json", []string{"missing.json", "not found", "on http://" + host}},
		{"C1 controls and an echoed token", "http://alice:" + password + "@" + host, token, "evil.json", []string{"0;pwned you sent Bearer [redacted]2J!", "try again later"}},
		{"ESC and an echoed token in a header Go refuses", "http://alice:" + password + "@" + host, token, "esc.json", []string{"malformed MIME header", "Bearer [redacted]"}},
		{"echoed basic credentials", "http://alice:" + password + "@" + host, "", "badtoken.json", []string{"Basic [redacted]"}},
		{"no commit header", "http://alice:" + password + "@" + host, token, "plain.json", []string{"http://" + host + " answered", "X-Repo-Commit"}},
		{"control characters in an ETag", "http://alice:" + password + "@" + host, token, "badetag.json", []string{"unusable ETag"}},
		{"unreachable endpoint", "http://alice:" + password + "@" + deadHost, token, "config.json", []string{"http://" + deadHost}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Config{Endpoint: tc.endpoint, CacheDir: t.TempDir(), Token: Secret(tc.token), TokenSource: "HF_TOKEN"})
			c.Retries, c.RetryWait = 0, time.Millisecond
			_, err := c.Download(context.Background(), "org/model", "main", tc.file)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, secret := range []string{password, token, "alice", "YWxpY2U6"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error shows %q: %s", secret, msg)
				}
			}
			for _, r := range msg {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e' {
					t.Errorf("error holds control character %U: %q", r, msg)
				}
			}
			for _, w := range tc.says {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			var he *HTTPError
			if errors.As(err, &he) && strings.Contains(he.Endpoint, password) {
				t.Errorf("HTTPError.Endpoint holds the password: %s", he.Endpoint)
			}
		})
	}
}

func TestSanitizeServerText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain message", "plain message"},
		{"a\tb\nc\r\n", "a b c  "},
		{"\x1b]0;title\x07rest", "]0;titlerest"},
		{"\u009b31mred", "31mred"},
		{"\x9b31m", "\ufffd31m"}, // a lone byte is invalid UTF-8, not C1
		{"bad \xff byte", "bad \ufffd byte"},
		{"rtl \u202eevil\u202c", "rtl evil"},
		{strings.Repeat("é", 400), strings.Repeat("é", 300) + "…"},
	} {
		if got := sanitizeServerText(tc.in); got != tc.want {
			t.Errorf("sanitizeServerText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
