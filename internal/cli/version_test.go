package cli

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeVersion(t *testing.T) {
	vcs := func(kv ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/siglip2-tui/siglip2-tui", Version: "(devel)"}}
		for i := 0; i < len(kv); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return info
	}
	release := vcs()
	release.Main.Version = "v1.4.0"
	for _, c := range []struct {
		name, injected string
		info           *debug.BuildInfo
		want           string
	}{
		{"release build", "v1.5.0", release, "v1.5.0"},
		{"go install @version", "", release, "v1.4.0"},
		{"checkout", "", vcs("vcs.revision", "0123456789abcdef0123", "vcs.time", "2026-12-01T10:00:00Z", "vcs.modified", "false"),
			"devel (commit 0123456789ab, 2026-12-01T10:00:00Z)"},
		{"dirty checkout", "", vcs("vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), "devel (commit 0123456789ab+dirty)"},
		{"no VCS", "", vcs(), "devel"},
		{"no build info", "", nil, "devel"},
	} {
		if got := describeVersion(c.injected, c.info); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{arg}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", arg, code, stderr.String())
		}
		if out := stdout.String(); !strings.HasPrefix(out, "siglip2-tui ") || !strings.Contains(out, "/") || !strings.Contains(out, "go1.") {
			t.Errorf("%s printed %q", arg, out)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--version", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("--version with an argument: exit %d, want 2 (unknown command)", code)
	}
}
