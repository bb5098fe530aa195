// Command release builds the release archives: siglip2-tui for linux/amd64,
// linux/arm64, darwin/arm64, darwin/amd64 and windows/amd64, each packed
// with README.md (and LICENSE when there is one) into a .tar.gz (a .zip for
// Windows), and a SHA256SUMS file listing them. Run it from the
// repository's root:
//
//	go run ./tools/release [-version v1.2.3] [-out dist]
//
// The archives are reproducible: the binaries are built with cgo off,
// -trimpath, no build id and no VCS stamp, for fixed instruction-set
// baselines (GOAMD64=v1, GOARM64=v8.0), and every archive entry has a fixed
// time (the commit's, or $SOURCE_DATE_EPOCH), owner and order, so the same
// source and Go release give the same bytes. scripts/release-check builds
// twice and compares the checksums.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// versionVar is the variable the version is injected into; it follows the
// CLI's package.
const versionVar = "github.com/siglip2-tui/siglip2-tui/internal/cli.version"

// targets are the release platforms.
var targets = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "arm64"}, {"darwin", "amd64"}, {"windows", "amd64"},
}

// docs are the files packed beside the binary, when they exist.
var docs = []string{"README.md", "LICENSE"}

func main() {
	version := flag.String("version", "", "the version to stamp (default: git describe --tags --always --dirty)")
	out := flag.String("out", "dist", "the folder to write the archives and SHA256SUMS to")
	flag.Parse()
	if err := run(*version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(version, out string) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run me from the repository's root (no go.mod here)")
	}
	if version == "" {
		v, err := git("describe", "--tags", "--always", "--dirty")
		if err != nil {
			return fmt.Errorf("no -version given and git describe failed: %w", err)
		}
		version = v
	}
	stamp, err := sourceTime()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "siglip2-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	sums := map[string]string{}
	for _, t := range targets {
		bin := filepath.Join(tmp, t.goos+"-"+t.goarch, "siglip2-tui")
		if t.goos == "windows" {
			bin += ".exe"
		}
		if err := build(t.goos, t.goarch, version, bin); err != nil {
			return err
		}
		base := fmt.Sprintf("siglip2-tui_%s_%s_%s", version, t.goos, t.goarch)
		files := []entry{{name: filepath.Base(bin), path: bin, mode: 0o755}}
		for _, d := range docs {
			if _, err := os.Stat(d); err == nil {
				files = append(files, entry{name: d, path: d, mode: 0o644})
			}
		}
		archive := base + ".tar.gz"
		write := writeTarGz
		if t.goos == "windows" {
			archive, write = base+".zip", writeZip
		}
		dst := filepath.Join(out, archive)
		if err := write(dst, base, files, stamp); err != nil {
			return fmt.Errorf("%s: %w", archive, err)
		}
		sum, err := fileSHA256(dst)
		if err != nil {
			return err
		}
		sums[archive] = sum
		fmt.Printf("%s  %s\n", sum, dst)
	}
	return os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(sumsFile(sums)), 0o644)
}

// build compiles the CLI for one target.
func build(goos, goarch, version, dst string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid= -X "+versionVar+"="+version, "-o", dst, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch,
		"GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS=-mod=readonly")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s/%s: %w", goos, goarch, err)
	}
	return nil
}

// sourceTime is the time stamped on every archive entry:
// $SOURCE_DATE_EPOCH when set, else the time of the commit checked out.
func sourceTime() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		var err error
		if s, err = git("log", "-1", "--format=%ct"); err != nil {
			return time.Time{}, fmt.Errorf("set SOURCE_DATE_EPOCH (no git commit to take the time from: %w)", err)
		}
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func git(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// sumsFile is the SHA256SUMS content in sha256sum's format, sorted by name.
func sumsFile(sums map[string]string) string {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	for _, n := range names {
		fmt.Fprintf(&sb, "%s  %s\n", sums[n], n)
	}
	return sb.String()
}
