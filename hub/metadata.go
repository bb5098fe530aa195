package hub

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// fileMeta is what a HEAD on a resolve URL tells about one file.
type fileMeta struct {
	commit   string // X-Repo-Commit
	etag     string // normalised X-Linked-Etag or ETag: the blob's name
	size     int64  // X-Linked-Size or Content-Length
	location string // where to GET the bytes (a CDN for LFS files)
}

// head asks the hub about one file. It follows relative redirects (a renamed
// repository) but not absolute ones (a CDN), whose Location becomes the
// download address, as huggingface_hub's get_hf_file_metadata does.
func (c *Client) head(ctx context.Context, repo, revision, file string) (fileMeta, error) {
	if c.MetadataTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.MetadataTimeout)
		defer cancel()
	}
	target := resolveURL(c.Endpoint, repo, revision, file)
	hc := c.noFollow()
	for hop := 0; ; hop++ {
		req, err := c.newRequest(ctx, http.MethodHead, target)
		if err != nil {
			return fileMeta{}, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fileMeta{}, fmt.Errorf("ask %s about %s: %w", c.endpointName(), file, c.netError(err))
		}
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return fileMeta{}, c.httpError(resp, repo, revision, file)
		}
		isRedirect := resp.StatusCode >= 300 && resp.StatusCode <= 399
		loc := resp.Header.Get("Location")
		if isRedirect && loc != "" {
			lu, err := url.Parse(loc)
			if err != nil {
				return fileMeta{}, fmt.Errorf("the hub redirected %s to an unreadable address: %w", file, c.netError(err))
			}
			if lu.Host == "" { // relative: a renamed repository; keep asking the hub
				if hop >= maxRedirects {
					return fileMeta{}, fmt.Errorf("ask %s about %s: too many redirects", c.endpointName(), file)
				}
				target = req.URL.ResolveReference(&url.URL{Path: lu.Path, RawPath: lu.RawPath}).String()
				continue
			}
		}
		return c.parseMeta(resp.Header, isRedirect, loc, req.URL.String(), file)
	}
}

// parseMeta reads what a HEAD answer (2xx, or a redirect to a CDN) says
// about file: commit, ETag, size, where to download. The values come from
// the server, so each is checked before it becomes part of a cache path.
func (c *Client) parseMeta(h http.Header, isRedirect bool, loc, reqURL, file string) (fileMeta, error) {
	meta := fileMeta{
		commit:   h.Get("X-Repo-Commit"),
		etag:     normalizeETag(firstNonEmpty(h.Get("X-Linked-Etag"), h.Get("ETag"))),
		location: reqURL,
		size:     -1,
	}
	if isRedirect && loc != "" {
		meta.location = loc
	}
	if s := h.Get("X-Linked-Size"); s != "" {
		meta.size = parseSize(s)
	} else if !isRedirect {
		meta.size = parseSize(h.Get("Content-Length"))
	}
	switch {
	case meta.commit == "":
		return fileMeta{}, fmt.Errorf("%s answered for %s without an X-Repo-Commit header: HF_ENDPOINT may not point to a Hugging Face hub, or a proxy strips headers", c.endpointName(), file)
	case meta.etag == "":
		return fileMeta{}, fmt.Errorf("%s answered for %s without an ETag: the download could not be checked or cached", c.endpointName(), file)
	case meta.size < 0:
		return fileMeta{}, fmt.Errorf("%s answered for %s without a size (X-Linked-Size or Content-Length)", c.endpointName(), file)
	}
	if err := validateSegment("commit", meta.commit); err != nil {
		return fileMeta{}, err
	}
	if err := validateSegment("ETag", meta.etag); err != nil {
		return fileMeta{}, err
	}
	return meta, nil
}

// normalizeETag strips the weak marker and quotes: W/"abc" and "abc" → abc,
// as huggingface_hub's _normalize_etag does.
func normalizeETag(etag string) string {
	etag = strings.TrimPrefix(etag, "W/")
	return strings.Trim(etag, `"`)
}

func parseSize(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// netError is a transport error as messages show it: without the URL that
// *url.Error puts in front (see stripURLError), and passed through
// serverMessage, because Go quotes a malformed header line the server sent
// (which may echo the credentials we sent) in its own errors. errors.Is and
// errors.As still see the original.
func (c *Client) netError(err error) error {
	err = stripURLError(err)
	if msg := c.serverMessage(err.Error()); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

// redactedError shows a cleaned message for an error it still wraps.
type redactedError struct {
	msg string
	err error
}

// Error is the cleaned message.
func (e *redactedError) Error() string { return e.msg }

// Unwrap gives errors.Is and errors.As the original error.
func (e *redactedError) Unwrap() error { return e.err }

// stripURLError removes the URL (with possible CDN signatures) that
// *url.Error puts in front of a network error; the caller names the file.
func stripURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
