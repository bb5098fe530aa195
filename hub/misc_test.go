package hub

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
)

func TestNormalizeETag(t *testing.T) {
	for in, want := range map[string]string{
		`"abc123"`:   "abc123",
		`W/"abc123"`: "abc123",
		`abc123`:     "abc123",
		``:           "",
	} {
		if got := normalizeETag(in); got != want {
			t.Errorf("normalizeETag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContentRangeStart(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"bytes 100-199/200", 100, true},
		{"bytes 0-0/1", 0, true},
		{"bytes */200", 0, false},
		{"", 0, false},
		{"items 1-2/3", 0, false},
	} {
		got, ok := contentRangeStart(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("contentRangeStart(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0:             "0 B",
		999:           "999 B",
		1000:          "1.0 kB",
		1_503_238_553: "1.5 GB",
		7_485_000_000: "7.5 GB",
	} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestWriteErrorRecognisesFullDisk(t *testing.T) {
	c := &Client{}
	err := c.writeError("/cache/blobs/x.incomplete", transfer{size: 5000}, &partial{have: 1000}, fmt.Errorf("write: %w", syscall.ENOSPC))
	if !strings.Contains(err.Error(), "not enough disk space in /cache/blobs") || !strings.Contains(err.Error(), "4.0 kB more") {
		t.Errorf("ENOSPC explained as %q", err)
	}
}

func TestValidateRepoID(t *testing.T) {
	for id, ok := range map[string]bool{
		"google/siglip2-base-patch16-224": true,
		"gpt2":                            true,
		"Org_1/model.v2":                  true,
		"a/b/c":                           false,
		"google/":                         false,
		"-x/y":                            false,
		"x/y.":                            false,
		"x--y/z":                          false,
		"x/y..z":                          false,
		"x/y.git":                         false,
		"x y/z":                           false,
		strings.Repeat("a", 97):           false,
	} {
		if err := ValidateRepoID(id); (err == nil) != ok {
			t.Errorf("ValidateRepoID(%q) = %v, want ok=%v", id, err, ok)
		}
	}
}

func TestResolveURLEscaping(t *testing.T) {
	got := resolveURL("https://hub.example", "org/name", "refs/pr/1", "sub dir/file#1.json")
	want := "https://hub.example/org/name/resolve/refs%2Fpr%2F1/sub%20dir/file%231.json"
	if got != want {
		t.Errorf("resolveURL = %q, want %q", got, want)
	}
}
