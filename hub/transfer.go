package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// transfer is one blob to download.
type transfer struct {
	repo   string // the repository, for errors
	rev    string // the revision asked for, for errors
	name   string // the repo file name, for progress and errors
	url    string // where the bytes are (hub or CDN)
	size   int64  // expected length
	etag   string // the blob's name; a sha256 for LFS files
	dst    string // blobs/<etag>
	shared bool   // the lock is held: use and keep dst.incomplete
}

// errRestart means the server will not resume: the partial file must be
// dropped and the transfer restarted from byte 0.
var errRestart = errors.New("server ignored the resume request")

// errTooLong means a body went past the announced size: the hub's metadata
// and its bytes disagree, which retrying cannot mend.
var errTooLong = errors.New("the server sent more bytes than the hub announced")

// errCDNRefused marks a content server's refusal (typically an expired
// signed link); a new run asks the hub for a fresh link.
var errCDNRefused = errors.New("content server refused the request")

// partial is the file being written and what is known of it.
type partial struct {
	f    *os.File
	have int64     // bytes on disk
	sum  hash.Hash // sha256 of those bytes, nil when the ETag is not one
}

// restart empties the partial file.
func (p *partial) restart() error {
	if err := p.f.Truncate(0); err != nil {
		return err
	}
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	p.have = 0
	if p.sum != nil {
		p.sum.Reset()
	}
	return nil
}

// fetch downloads job into job.dst: into a .incomplete file first, resumed
// from where an earlier attempt stopped, size- and sha256-checked, then
// renamed into place so that dst is never seen half-written.
func (c *Client) fetch(ctx context.Context, job transfer) (err error) {
	tmp := job.dst + ".incomplete"
	if !job.shared {
		tmp = job.dst + "." + randomHex(4) + ".incomplete"
	}
	if c.Progress != nil {
		defer func() { c.Progress.Finish(job.name, err) }()
	}
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return fmt.Errorf("open %s: %w", tmp, err)
	}
	keep := job.shared // a shared .incomplete survives failures for the next run to resume
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil && (!keep || errors.Is(err, ErrChecksum)) {
			os.Remove(tmp)
		}
	}()
	p := &partial{f: f}
	if isSHA256(job.etag) {
		p.sum = sha256.New()
	}
	if err := p.resumeFrom(job.size); err != nil {
		return fmt.Errorf("read partial download %s: %w", tmp, err)
	}
	if free, ok := freeBytesFn(filepath.Dir(tmp)); ok && free < job.size-p.have {
		return &DiskFullError{Dir: filepath.Dir(tmp), Need: job.size - p.have, Free: free}
	}
	c.report(job, p.have)
	for tries := c.Retries; p.have < job.size; {
		before := p.have
		err := c.getOnce(ctx, job, p)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errTooLong):
			return fmt.Errorf("fetch %s: %w (%d); run again later", job.name, err, job.size)
		case isDiskFull(err):
			return &DiskFullError{Dir: filepath.Dir(tmp), Need: job.size - p.have, Free: -1, Cause: err}
		case errors.Is(err, errRestart):
			if rerr := p.restart(); rerr != nil {
				return fmt.Errorf("restart %s: %w", tmp, rerr)
			}
			c.report(job, 0)
		case retryable(err):
			if p.have > before {
				tries = c.Retries // progress was made: the budget is per stall, not per file
			}
			if tries <= 0 {
				return fmt.Errorf("%w (gave up after %d attempts without progress; run again to resume from %s)", err, c.Retries+1, FormatBytes(p.have))
			}
			tries--
			if !sleepCtx(ctx, c.RetryWait) {
				return ctx.Err()
			}
		default:
			return err
		}
	}
	if p.have != job.size {
		return fmt.Errorf("received %d bytes of %s but the hub announced %d: run again to retry", p.have, job.name, job.size)
	}
	if p.sum != nil {
		if got := hex.EncodeToString(p.sum.Sum(nil)); got != job.etag {
			return &ChecksumError{File: job.name, Want: job.etag, Got: got}
		}
	}
	if err := f.Sync(); err != nil {
		return c.writeError(tmp, job, p, err)
	}
	if err := f.Close(); err != nil {
		return c.writeError(tmp, job, p, err)
	}
	f = nil
	if err := os.Rename(tmp, job.dst); err != nil {
		return fmt.Errorf("move %s into the cache: %w", tmp, err)
	}
	return nil
}

// resumeFrom positions the partial file after the bytes already there,
// hashing them; a file longer than size is started over.
func (p *partial) resumeFrom(size int64) error {
	st, err := p.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() > size {
		return p.restart()
	}
	p.have = st.Size()
	if p.sum != nil && p.have > 0 {
		if _, err := io.Copy(p.sum, io.NewSectionReader(p.f, 0, p.have)); err != nil {
			return err
		}
	}
	_, err = p.f.Seek(p.have, io.SeekStart)
	return err
}

func (c *Client) report(job transfer, done int64) {
	if c.Progress != nil {
		c.Progress.Update(job.name, done, job.size)
	}
}

// writeError explains a failed write, recognising a full disk.
func (c *Client) writeError(tmp string, job transfer, p *partial, err error) error {
	if isDiskFull(err) {
		return &DiskFullError{Dir: filepath.Dir(tmp), Need: job.size - p.have, Free: -1, Cause: err}
	}
	return fmt.Errorf("write %s: %w", tmp, err)
}

// getOnce makes one GET for the bytes from p.have on, following redirects by
// hand (the token only ever goes to the endpoint's host), and appends what
// arrives to p. A transfer that receives nothing for StallTimeout is cut off.
func (c *Client) getOnce(ctx context.Context, job transfer, p *partial) error {
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stalled atomic.Bool
	var watchdog *time.Timer
	if c.StallTimeout > 0 {
		watchdog = time.AfterFunc(c.StallTimeout, func() { stalled.Store(true); cancel() })
		defer watchdog.Stop()
	}
	stallErr := func(err error) error {
		if stalled.Load() && ctx.Err() == nil {
			return fmt.Errorf("no data received for %s", c.StallTimeout)
		}
		return err
	}

	hc := c.noFollow()
	target := job.url
	var resp *http.Response
	for hop := 0; ; hop++ {
		req, err := c.newRequest(reqCtx, http.MethodGet, target)
		if err != nil {
			return err
		}
		if p.have > 0 {
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-", p.have))
		}
		resp, err = hc.Do(req)
		if err != nil {
			return stallErr(fmt.Errorf("fetch %s: %w", job.name, c.netError(err)))
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			break
		}
		drain(resp.Body)
		if hop >= maxRedirects {
			return fmt.Errorf("fetch %s: too many redirects", job.name)
		}
		next, err := req.URL.Parse(loc)
		if err != nil {
			return fmt.Errorf("fetch %s: bad redirect: %w", job.name, err)
		}
		target = next.String()
	}
	defer resp.Body.Close()

	switch resp.StatusCode {
	case http.StatusPartialContent:
		if start, ok := contentRangeStart(resp.Header.Get("Content-Range")); !ok || start != p.have {
			return errRestart
		}
	case http.StatusOK:
		if p.have > 0 {
			return errRestart
		}
	case http.StatusRequestedRangeNotSatisfiable:
		return errRestart
	default:
		he := c.httpError(resp, job.repo, job.rev, job.name)
		if resp.Request != nil && !c.sameHostAsEndpoint(resp.Request.URL) && resp.StatusCode < 500 {
			// A content server, not the hub: its answer is about the signed
			// link, not about the user's rights.
			return fmt.Errorf("the file server %s refused %s (HTTP %d); its download link may have expired: run again (the download resumes): %w",
				resp.Request.URL.Host, job.name, resp.StatusCode, errCDNRefused)
		}
		return he
	}

	buf := make([]byte, 256<<10)
	want := job.size - p.have
	for want > 0 {
		n, rerr := resp.Body.Read(buf[:min(int64(len(buf)), want)])
		if n > 0 {
			if watchdog != nil {
				watchdog.Reset(c.StallTimeout)
			}
			if _, werr := p.f.Write(buf[:n]); werr != nil {
				return werr
			}
			if p.sum != nil {
				p.sum.Write(buf[:n])
			}
			p.have += int64(n)
			want -= int64(n)
			c.report(job, p.have)
		}
		if rerr == io.EOF {
			if want > 0 {
				return fmt.Errorf("fetch %s: connection closed after %s of %s: %w", job.name, FormatBytes(p.have), FormatBytes(job.size), io.ErrUnexpectedEOF)
			}
			break
		}
		if rerr != nil {
			return stallErr(fmt.Errorf("fetch %s: %w", job.name, c.netError(rerr)))
		}
	}
	// The announced size is reached; a longer body means the hub's metadata
	// and the bytes disagree, which the size check cannot catch on its own.
	var one [1]byte
	if n, _ := io.ReadFull(resp.Body, one[:]); n > 0 {
		return errTooLong
	}
	return nil
}

// contentRangeStart reads the first byte position of "bytes 100-199/200".
func contentRangeStart(h string) (int64, bool) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "bytes ") {
		return 0, false
	}
	spec, _, ok := strings.Cut(strings.TrimPrefix(h, "bytes "), "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(spec), 10, 64)
	return n, err == nil
}

// randomHex is n random bytes in hex, for unique temporary names.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freeBytesFn is freeBytes, replaceable by tests.
var freeBytesFn = freeBytes
