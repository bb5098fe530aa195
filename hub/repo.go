package hub

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultRevision is the branch used when no revision is given.
const DefaultRevision = "main"

var (
	repoPartRE = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,96}$`)
	commitRE   = regexp.MustCompile(`^[0-9a-f]{40}$`)
	sha256RE   = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidateRepoID checks a model id ("name" or "namespace/name") with the rules
// of huggingface_hub's validate_repo_id: letters, digits, '-', '_', '.', at
// most 96 characters, not starting or ending with '-' or '.', no "--" or
// "..", not ending in ".git".
func ValidateRepoID(id string) error {
	bad := func(why string) error {
		return fmt.Errorf("invalid model id %q: %s (expected \"namespace/name\", e.g. google/siglip2-base-patch16-224)", id, why)
	}
	parts := strings.Split(id, "/")
	if len(parts) > 2 {
		return bad("more than one '/'")
	}
	for _, p := range parts {
		if !repoPartRE.MatchString(p) {
			return bad("only letters, digits, '-', '_' and '.' are allowed, 1 to 96 of them")
		}
		if strings.HasPrefix(p, "-") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, "-") || strings.HasSuffix(p, ".") {
			return bad("a part cannot start or end with '-' or '.'")
		}
	}
	if strings.Contains(id, "--") || strings.Contains(id, "..") {
		return bad(`"--" and ".." are not allowed`)
	}
	if strings.HasSuffix(id, ".git") {
		return bad(`it cannot end in ".git"`)
	}
	return nil
}

// RepoFolderName is the cache folder of a model repository:
// "google/siglip2-base-patch16-224" → "models--google--siglip2-base-patch16-224".
func RepoFolderName(repoID string) string {
	return "models--" + strings.ReplaceAll(repoID, "/", "--")
}

// IsCommitHash reports whether rev is a full 40-hex-digit commit hash, which
// huggingface_hub treats as immutable: such a revision is served from the
// cache without asking the hub and never gets a refs/ entry.
func IsCommitHash(rev string) bool { return commitRE.MatchString(rev) }

// isSHA256 reports whether an ETag is an LFS sha256 digest, which the
// downloaded bytes can be checked against.
func isSHA256(etag string) bool { return sha256RE.MatchString(etag) }

// validateRelPath checks a '/'-separated path that will be joined under a
// cache folder (a file in the repo or a revision name such as refs/pr/1): it
// must not be absolute, name a drive, climb with "..", or hold backslashes
// or NUL bytes, so it can never point outside that folder.
func validateRelPath(kind, p string) error {
	bad := func(why string) error { return fmt.Errorf("invalid %s %q: %s", kind, p, why) }
	switch {
	case p == "":
		return bad("empty")
	case strings.ContainsAny(p, "\\\x00"):
		return bad("backslashes and NUL bytes are not allowed")
	case strings.HasPrefix(p, "/"):
		return bad("it must be relative")
	case len(p) >= 2 && p[1] == ':':
		return bad("it must not name a drive")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("empty, '.' and '..' parts are not allowed")
		}
	}
	return nil
}

// validateSegment checks a value the server sent that becomes a single file or
// folder name in the cache (a commit hash, an ETag).
func validateSegment(kind, s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00") || sanitizeServerText(s) != s {
		return fmt.Errorf("the hub sent an unusable %s %q", kind, s)
	}
	return nil
}

// localPath turns a '/'-separated repo path into an OS path under dir.
func localPath(dir, rel string) string {
	return filepath.Join(dir, filepath.FromSlash(rel))
}

// resolveURL is {endpoint}/{repo}/resolve/{revision}/{file}, with the
// revision escaped as one path segment (refs/pr/1 → refs%2Fpr%2F1) and each
// part of the file name escaped, as huggingface_hub's hf_hub_url does.
func resolveURL(endpoint, repoID, revision, file string) string {
	parts := strings.Split(file, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return endpoint + "/" + repoID + "/resolve/" + url.PathEscape(revision) + "/" + strings.Join(parts, "/")
}
