package hub

import (
	"context"
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
		return nil, fmt.Errorf("build request for %s: %w", redactURL(rawURL), err)
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

// redactURL drops the query string (CDN signatures) and any user info from a
// URL before it goes into an error message.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			return raw[:i]
		}
		return raw
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// drain discards a little of a body so the connection can be reused, then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	body.Close()
}

// httpError turns an error response into an *HTTPError.
func (c *Client) httpError(resp *http.Response, repo, revision, file string) *HTTPError {
	tokenSource := ""
	if resp.Request != nil && resp.Request.Header.Get("Authorization") != "" {
		tokenSource = orDefault(c.TokenSource, "the configured token")
	}
	u := ""
	if resp.Request != nil {
		u = redactURL(resp.Request.URL.String())
	}
	return &HTTPError{
		Status:      resp.StatusCode,
		Code:        resp.Header.Get("X-Error-Code"),
		Message:     resp.Header.Get("X-Error-Message"),
		URL:         u,
		Repo:        repo,
		Revision:    revision,
		File:        file,
		Endpoint:    c.Endpoint,
		TokenSource: tokenSource,
		commit:      resp.Header.Get("X-Repo-Commit"),
	}
}
