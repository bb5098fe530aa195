package outfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckDistinct: an output naming an input or another output is
// refused however it is spelled (relative path, symlink, hard link, a file
// that does not exist yet); distinct files, "-" as both stdin and stdout,
// and character devices are accepted.
func TestCheckDistinct(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "img.png")
	os.WriteFile(img, []byte("png"), 0o644)
	os.Symlink("img.png", filepath.Join(dir, "alias.png"))
	os.Link(img, filepath.Join(dir, "hard.png"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.Symlink("sub", filepath.Join(dir, "sublink"))
	in := func(name string) string { return filepath.Join(dir, name) }
	rel, err := filepath.Rel(mustGetwd(t), img)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name            string
		inputs, outputs []string
		want            string // "" means accepted
	}{
		{"distinct", []string{img}, []string{in("out.png"), in("out.json")}, ""},
		{"output is the input", []string{img}, []string{img}, "would overwrite the input"},
		{"output is the input, relative", []string{img}, []string{rel}, "would overwrite the input"},
		{"output is the input through a symlink", []string{img}, []string{in("alias.png")}, "would overwrite the input"},
		{"output is the input through a hard link", []string{img}, []string{in("hard.png")}, "would overwrite the input"},
		{"two outputs, one new file", nil, []string{in("x.png"), in("x.png")}, "are the same file"},
		{"two outputs through a linked folder", nil, []string{in("sub/x.png"), in("sublink/x.png")}, "are the same file"},
		{"two outputs with ./", nil, []string{in("x.png"), dir + "/./x.png"}, "are the same file"},
		{"two standard outputs", nil, []string{"-", "-"}, "standard output"},
		{"stdin and stdout", []string{"-"}, []string{"-"}, ""},
		{"empty ignored", []string{"", img}, []string{"", in("y.png"), ""}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckDistinct(tc.inputs, tc.outputs)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
