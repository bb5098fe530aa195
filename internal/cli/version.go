package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// version is the release version, set when release binaries are built
// (tools/release: -ldflags "-X <this package>.version=v1.2.3"). Empty in
// other builds, where the module version or the commit stands in.
var version = ""

// versionLine is what --version prints: the version, where it came from
// when that is not a release, and the platform and Go release it was
// built for.
func versionLine() string {
	info, _ := debug.ReadBuildInfo()
	return "siglip2-tui " + describeVersion(version, info) + " " + runtime.GOOS + "/" + runtime.GOARCH + " " + runtime.Version()
}

// describeVersion is the injected release version when there is one;
// else the module version `go install …@v1.2.3` records; else the commit
// the binary was built from (its first 12 hex digits, its time, "+dirty"
// when the tree had changes); else "devel".
func describeVersion(injected string, info *debug.BuildInfo) string {
	if injected != "" {
		return injected
	}
	if info == nil {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return "devel"
	}
	s := "devel (commit " + rev[:min(12, len(rev))]
	if settings["vcs.modified"] == "true" {
		s += "+dirty"
	}
	if t := settings["vcs.time"]; t != "" {
		s += ", " + t
	}
	return s + ")"
}

// isVersionFlag reports whether the command line asks for the version.
func isVersionFlag(args []string) bool {
	return len(args) == 1 && strings.TrimLeft(args[0], "-") == "version"
}
