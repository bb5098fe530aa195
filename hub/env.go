package hub

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultEndpoint is the hub used when HF_ENDPOINT is not set.
const DefaultEndpoint = "https://huggingface.co"

// Secret holds an access token. It prints as "[redacted]" with every fmt verb
// so that a token never reaches a log line or an error message by accident;
// read it with Reveal when building the Authorization header.
type Secret string

// String redacts the token.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString redacts the token for %#v.
func (s Secret) GoString() string { return `hub.Secret("` + s.String() + `")` }

// Reveal returns the token itself; only the HTTP layer should call it.
func (s Secret) Reveal() string { return string(s) }

// Config is what a Client needs from its environment: where the hub and the
// cache are, the token, and whether the network may be used.
type Config struct {
	// Endpoint is the hub's base URL without a trailing slash (HF_ENDPOINT).
	Endpoint string
	// CacheDir is the huggingface_hub cache folder (HF_HUB_CACHE and friends).
	CacheDir string
	// Token is sent as "Authorization: Bearer" to the endpoint's host only.
	Token Secret
	// TokenSource says where Token came from ("HF_TOKEN", "the token file
	// /path/token"), for error messages that must not show the token itself.
	TokenSource string
	// Offline forbids all network access (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE).
	Offline bool
}

// ConfigFromEnv reads the same variables as Python's huggingface_hub, with the
// same precedence:
//
//   - cache: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
//     $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub;
//   - token: HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file named by
//     HF_TOKEN_PATH, else $HF_HOME/token (HF_HOME defaulting as above);
//   - offline: HF_HUB_OFFLINE, else TRANSFORMERS_OFFLINE, true for 1/ON/YES/TRUE;
//   - endpoint: HF_ENDPOINT without trailing slashes, else DefaultEndpoint.
//
// getenv is normally os.Getenv and home the user's home folder; both are
// parameters so that tests can supply their own. An unreadable token file is
// an error (a missing one is not).
func ConfigFromEnv(getenv func(string) string, home string) (Config, error) {
	expand := func(p string) string { return expandPath(p, getenv, home) }
	hfHome := expand(firstNonEmpty(getenv("HF_HOME"),
		filepath.Join(firstNonEmpty(getenv("XDG_CACHE_HOME"), filepath.Join(home, ".cache")), "huggingface")))
	cfg := Config{
		Endpoint: strings.TrimRight(firstNonEmpty(getenv("HF_ENDPOINT"), DefaultEndpoint), "/"),
		CacheDir: expand(firstNonEmpty(getenv("HF_HUB_CACHE"), getenv("HUGGINGFACE_HUB_CACHE"), filepath.Join(hfHome, "hub"))),
		Offline:  envTrue(firstNonEmpty(getenv("HF_HUB_OFFLINE"), getenv("TRANSFORMERS_OFFLINE"))),
	}
	for _, name := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if t := cleanToken(getenv(name)); t != "" {
			cfg.Token, cfg.TokenSource = Secret(t), name
			return cfg, nil
		}
	}
	tokenPath := expand(firstNonEmpty(getenv("HF_TOKEN_PATH"), filepath.Join(hfHome, "token")))
	b, err := os.ReadFile(tokenPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return cfg, nil
	case err != nil:
		return cfg, fmt.Errorf("read hub token file %s: %w (fix its permissions, or set HF_TOKEN)", tokenPath, err)
	}
	if t := cleanToken(string(b)); t != "" {
		cfg.Token, cfg.TokenSource = Secret(t), "the token file "+tokenPath
	}
	return cfg, nil
}

// envTrue mirrors huggingface_hub's _is_true: 1, ON, YES, TRUE in any case.
func envTrue(v string) bool {
	switch strings.ToUpper(v) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// cleanToken drops line breaks and surrounding spaces, as huggingface_hub does.
func cleanToken(t string) string {
	t = strings.ReplaceAll(t, "\r", "")
	t = strings.ReplaceAll(t, "\n", "")
	return strings.TrimSpace(t)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// expandPath applies Python's os.path.expanduser then os.path.expandvars:
// a leading ~ becomes home, $VAR and ${VAR} become their values, and
// variables that are unset are left as written.
func expandPath(p string, getenv func(string) string, home string) string {
	if p == "~" {
		p = home
	} else if strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		p = filepath.Join(home, p[2:])
	}
	if !strings.Contains(p, "$") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		if p[i] != '$' {
			b.WriteByte(p[i])
			i++
			continue
		}
		name, width := varName(p[i+1:])
		if name == "" {
			b.WriteByte('$')
			i++
			continue
		}
		if v := getenv(name); v != "" {
			b.WriteString(v)
		} else {
			b.WriteString(p[i : i+1+width])
		}
		i += 1 + width
	}
	return b.String()
}

// varName reads a variable name after '$': NAME or {NAME}. It returns the
// name and how many bytes it spans (braces included).
func varName(s string) (string, int) {
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end <= 1 {
			return "", 0
		}
		return s[1:end], end + 1
	}
	n := 0
	for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	return s[:n], n
}
