package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors, matched with errors.Is against what Client returns.
var (
	// ErrNotFound matches every "does not exist" answer: unknown repository,
	// revision or file.
	ErrNotFound = errors.New("not found on the hub")
	// ErrRepoNotFound: the repository does not exist, or is private and the
	// token (if any) cannot see it.
	ErrRepoNotFound = errors.New("repository not found")
	// ErrRevisionNotFound: the repository exists but not the branch, tag or commit.
	ErrRevisionNotFound = errors.New("revision not found")
	// ErrEntryNotFound: the repository and revision exist but not the file.
	ErrEntryNotFound = errors.New("file not found in repository")
	// ErrGated: the repository needs its licence accepted and a token of an
	// account that did so.
	ErrGated = errors.New("gated repository")
	// ErrUnauthorized: the hub refused the request's credentials (401/403).
	ErrUnauthorized = errors.New("access denied")
	// ErrNotCached: the file is not in the cache and the hub could not be
	// asked (offline mode, or the network failed). See NotCachedError.
	ErrNotCached = errors.New("not in the cache")
	// ErrChecksum: the downloaded bytes do not match the sha256 the hub announced.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrDiskFull: the cache's disk has no room for the download.
	ErrDiskFull = errors.New("disk full")
)

// HTTPError is a hub answer with an error status. It never holds the token.
type HTTPError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the hub's X-Error-Code header (RepoNotFound, RevisionNotFound,
	// EntryNotFound, GatedRepo), empty if absent.
	Code string
	// Message is the hub's X-Error-Message header, empty if absent, with
	// control characters and escape sequences removed and any echo of the
	// credentials sent replaced by "[redacted]".
	Message string
	// URL is the requested address without its query string.
	URL string
	// Repo, Revision and File name what was asked for; File is empty for
	// requests that are not about one file.
	Repo, Revision, File string
	// Endpoint is the hub's base URL without user info (see RedactURL),
	// used to tell where to accept a licence.
	Endpoint string
	// TokenSource says where the token that was sent came from, empty if none was.
	TokenSource string
	// commit is the X-Repo-Commit header of the answer, if any (a 404 for a
	// missing file still names the commit, which .no_exist/ records).
	commit string
}

// Is matches the sentinel errors above according to status and hub error code.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.isRepoNotFound() || e.Code == "RevisionNotFound" || e.Code == "EntryNotFound" ||
			(e.Status == http.StatusNotFound && e.Code != "GatedRepo")
	case ErrRepoNotFound:
		return e.isRepoNotFound()
	case ErrRevisionNotFound:
		return e.Code == "RevisionNotFound"
	case ErrEntryNotFound:
		return e.Code == "EntryNotFound"
	case ErrGated:
		return e.Code == "GatedRepo"
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	}
	return false
}

// isRepoNotFound follows huggingface_hub: the hub answers 401 for private,
// gated and missing repositories alike when no valid token is sent.
func (e *HTTPError) isRepoNotFound() bool {
	return e.Code == "RepoNotFound" ||
		(e.Status == http.StatusUnauthorized && e.Code == "" && !e.invalidToken())
}

func (e *HTTPError) invalidToken() bool {
	return strings.Contains(strings.ToLower(e.Message), "invalid credentials") ||
		strings.Contains(strings.ToLower(e.Message), "invalid username or password")
}

// Error says what failed and what to do about it.
func (e *HTTPError) Error() string {
	what := e.Repo
	if e.File != "" {
		what = fmt.Sprintf("%s of %s", e.File, e.Repo)
	}
	page := e.Endpoint + "/" + e.Repo
	switch {
	case e.Code == "GatedRepo":
		if e.TokenSource != "" {
			return fmt.Sprintf("%s is gated and the token from %s has not been granted access (HTTP %d): open %s, accept the licence while logged in with that token's account, and try again",
				e.Repo, e.TokenSource, e.Status, page)
		}
		return fmt.Sprintf("%s is gated (HTTP %d): open %s, accept its licence, then set HF_TOKEN to an access token of that account (or log in with 'hf auth login')",
			e.Repo, e.Status, page)
	case e.invalidToken():
		return fmt.Sprintf("the hub rejected the token from %s (HTTP %d %s): create a new one at %s/settings/tokens and set HF_TOKEN",
			orDefault(e.TokenSource, "the environment"), e.Status, e.Message, e.Endpoint)
	case e.isRepoNotFound():
		hint := "set HF_TOKEN to a token that can read it"
		if e.TokenSource != "" {
			hint = "check that the token from " + e.TokenSource + " can read it"
		}
		return fmt.Sprintf("model %s not found on %s (HTTP %d): check the id; if it is private or gated, %s", e.Repo, e.Endpoint, e.Status, hint)
	case e.Code == "RevisionNotFound":
		return fmt.Sprintf("revision %q not found in %s (HTTP %d): check --revision (a branch, tag or commit hash of %s)", e.Revision, e.Repo, e.Status, page)
	case e.Code == "EntryNotFound" || e.Status == http.StatusNotFound:
		return fmt.Sprintf("%s not found at revision %q on %s (HTTP %d)", what, e.Revision, e.Endpoint, e.Status)
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		if e.TokenSource != "" {
			return fmt.Sprintf("access to %s denied (HTTP %d%s): make sure the token from %s has read access", what, e.Status, msgSuffix(e.Message), e.TokenSource)
		}
		return fmt.Sprintf("access to %s denied (HTTP %d%s): set HF_TOKEN to a token with read access", what, e.Status, msgSuffix(e.Message))
	case e.Status == http.StatusTooManyRequests:
		return fmt.Sprintf("the hub is rate-limiting downloads of %s (HTTP 429): wait a minute and try again, or set HF_TOKEN for a higher limit", what)
	case e.Status >= 500:
		return fmt.Sprintf("the hub failed to serve %s (HTTP %d%s): try again later", what, e.Status, msgSuffix(e.Message))
	}
	return fmt.Sprintf("download %s: HTTP %d%s from %s", what, e.Status, msgSuffix(e.Message), e.URL)
}

func msgSuffix(m string) string {
	if m == "" {
		return ""
	}
	return ": " + m
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// NotCachedError is returned when a file is needed, is not in the cache, and
// the hub could not be asked: offline mode, or a network failure (Cause).
type NotCachedError struct {
	Repo, Revision, File string
	// CacheDir is where the file was looked for.
	CacheDir string
	// Offline is true when HF_HUB_OFFLINE (or the Client's Offline) forbade the network.
	Offline bool
	// Cause is the network error when Offline is false.
	Cause error
}

// Error names the file, the cache, and why the hub was not asked.
func (e *NotCachedError) Error() string {
	if e.Offline {
		return fmt.Sprintf("%s of %s (revision %s) is not in the cache %s and downloads are off (HF_HUB_OFFLINE is set)",
			e.File, e.Repo, e.Revision, e.CacheDir)
	}
	return fmt.Sprintf("%s of %s (revision %s) is not in the cache %s and the hub could not be reached: %v",
		e.File, e.Repo, e.Revision, e.CacheDir, e.Cause)
}

// Is matches ErrNotCached.
func (e *NotCachedError) Is(target error) bool { return target == ErrNotCached }

// Unwrap returns the network error, if any.
func (e *NotCachedError) Unwrap() error { return e.Cause }

// ChecksumError reports downloaded bytes whose sha256 differs from the ETag.
type ChecksumError struct {
	File      string
	Want, Got string
}

// Error says the partial download was discarded and a rerun will retry.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("downloaded %s but its sha256 is %s, not %s as the hub announced: the corrupt download was deleted, run again to retry",
		e.File, e.Got, e.Want)
}

// Is matches ErrChecksum.
func (e *ChecksumError) Is(target error) bool { return target == ErrChecksum }

// DiskFullError reports a download that does not fit.
type DiskFullError struct {
	// Dir is where the file was being written.
	Dir string
	// Need is how many more bytes were needed; Free how many were free (-1 if unknown).
	Need, Free int64
	// Cause is the underlying error (ENOSPC), nil if the check was made before writing.
	Cause error
}

// Error says how much room is needed and how to get it.
func (e *DiskFullError) Error() string {
	free := ""
	if e.Free >= 0 {
		free = fmt.Sprintf(", %s free", FormatBytes(e.Free))
	}
	return fmt.Sprintf("not enough disk space in %s (%s more needed%s): free some space, or set HF_HUB_CACHE to a folder on a disk with room",
		e.Dir, FormatBytes(e.Need), free)
}

// Is matches ErrDiskFull.
func (e *DiskFullError) Is(target error) bool { return target == ErrDiskFull }

// Unwrap returns the system error.
func (e *DiskFullError) Unwrap() error { return e.Cause }

// FormatBytes writes a size in decimal units (kB, MB, GB), as the hub's pages do.
func FormatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTP"[exp])
}
