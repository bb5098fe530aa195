package hub

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds the redirect chains followed by hand.
const maxRedirects = 10

// newRequest builds a request with the headers every hub call carries. The
// token goes only to the endpoint's own host.
func (c *Client) newRequest(ctx context.Context, method, rawURL string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", RedactURL(rawURL), stripURLError(err))
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	// No transparent compression: sizes and checksums are about the raw bytes.
	req.Header.Set("Accept-Encoding", "identity")
	if c.Token != "" && c.sameHostAsEndpoint(req.URL) {
		req.Header.Set("Authorization", "Bearer "+c.Token.Reveal())
	}
	return req, nil
}

// sameHostAsEndpoint compares scheme and host:port with the endpoint's.
func (c *Client) sameHostAsEndpoint(u *url.URL) bool {
	ep, err := url.Parse(c.Endpoint)
	return err == nil && strings.EqualFold(ep.Scheme, u.Scheme) && strings.EqualFold(ep.Host, u.Host)
}

// noFollow is c's HTTP client with automatic redirects turned off, so that
// each hop is decided here (see do).
func (c *Client) noFollow() *http.Client {
	hc := *c.httpClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// RedactURL returns raw without its query string and fragment (CDN
// signatures) and without any user info (HF_ENDPOINT=http://user:TOKEN@host
// carries credentials): what may go into a message. Use it for every URL
// printed, including the endpoint.
func RedactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		u.RawQuery, u.Fragment, u.User, u.ForceQuery = "", "", nil, false
		return u.String()
	}
	// Unparsable: cut by hand, user info first.
	s := raw
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	rest, scheme := s, ""
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, rest = s[:i+3], s[i+3:]
	}
	host := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host = rest[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	return sanitizeServerText(scheme + rest)
}

// endpointName is the endpoint as messages show it: without credentials.
func (c *Client) endpointName() string { return RedactURL(c.Endpoint) }

// drain discards a little of a body so the connection can be reused, then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	body.Close()
}

// serverMessage makes text a server sent fit for a terminal and a log:
// control characters and escape sequences removed, the length bounded,
// and the credentials this client sends (the token, the endpoint's user
// info) replaced should the server echo them.
func (c *Client) serverMessage(msg string) string {
	msg = sanitizeServerText(msg)
	secrets := []string{c.Token.Reveal()}
	if u, err := url.Parse(c.Endpoint); err == nil && u.User != nil {
		p, _ := u.User.Password()
		basic := base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + p))
		secrets = append(secrets, u.User.String(), u.User.Username(), p, basic)
	}
	for _, s := range secrets {
		if len(s) >= 4 { // a one-letter user name would redact every such letter
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

// httpError turns an error response into an *HTTPError.
func (c *Client) httpError(resp *http.Response, repo, revision, file string) *HTTPError {
	tokenSource := ""
	if resp.Request != nil && resp.Request.Header.Get("Authorization") != "" {
		tokenSource = orDefault(c.TokenSource, "the configured token")
	}
	u := ""
	if resp.Request != nil {
		u = RedactURL(resp.Request.URL.String())
	}
	return &HTTPError{
		Status:      resp.StatusCode,
		Code:        resp.Header.Get("X-Error-Code"),
		Message:     c.serverMessage(resp.Header.Get("X-Error-Message")),
		URL:         u,
		Repo:        repo,
		Revision:    revision,
		File:        file,
		Endpoint:    c.endpointName(),
		TokenSource: tokenSource,
		commit:      resp.Header.Get("X-Repo-Commit"),
	}
}
