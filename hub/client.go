package hub

import (
	"net/http"
	"runtime"
	"time"
)

// Client downloads files from a hub into a Cache. Its zero value is not
// usable; build one with New.
type Client struct {
	// Endpoint is the hub's base URL without a trailing slash.
	Endpoint string
	// Cache is where files are kept.
	Cache Cache
	// Token, if set, is sent to Endpoint's host and to no other host.
	Token Secret
	// TokenSource says where Token came from, for error messages.
	TokenSource string
	// Offline serves files from the cache only.
	Offline bool
	// Progress, if not nil, is told about every download.
	Progress Progress
	// UserAgent is sent with every request.
	UserAgent string
	// HTTP makes the requests. New sets one whose redirects never carry the
	// Authorization header to another host.
	HTTP *http.Client
	// MetadataTimeout bounds each HEAD request (huggingface_hub: 10 s).
	MetadataTimeout time.Duration
	// StallTimeout abandons a transfer that received nothing for this long;
	// it is then resumed, like a dropped connection.
	StallTimeout time.Duration
	// Retries is how many times a transfer that broke off is resumed in a
	// row without receiving any new byte (huggingface_hub: 5).
	Retries int
	// RetryWait is the pause before each such retry.
	RetryWait time.Duration
}

// New makes a Client from a Config.
func New(cfg Config) *Client {
	return &Client{
		Endpoint:        cfg.Endpoint,
		Cache:           Cache{Dir: cfg.CacheDir},
		Token:           cfg.Token,
		TokenSource:     cfg.TokenSource,
		Offline:         cfg.Offline,
		UserAgent:       "siglip2-tui (go; " + runtime.Version() + ")",
		HTTP:            &http.Client{CheckRedirect: dropAuthOnHostChange},
		MetadataTimeout: 10 * time.Second,
		StallTimeout:    60 * time.Second,
		Retries:         5,
		RetryWait:       time.Second,
	}
}

// dropAuthOnHostChange follows up to 10 redirects and removes the
// Authorization header whenever a redirect leaves the first request's host
// (scheme, name and port). Go's own rule keeps it for subdomains, which
// would hand the token to a CDN such as cdn-lfs.huggingface.co.
func dropAuthOnHostChange(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return http.ErrUseLastResponse
	}
	first := via[0].URL
	if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		req.Header.Del("Authorization")
	}
	return nil
}

// httpClient returns c.HTTP, or a default one if the caller left it nil.
func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{CheckRedirect: dropAuthOnHostChange}
}
