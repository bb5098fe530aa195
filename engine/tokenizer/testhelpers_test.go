package tokenizer

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// repoRoot is the module root, two levels above this package.
var repoRoot = filepath.Join("..", "..")

// realTokenizerPath is the real Gemma tokenizer.json that
// scripts/fetch-test-data puts in testdata/npm (git-ignored).
var realTokenizerPath = filepath.Join(repoRoot, "testdata", "npm", "tokenizer-gemini", "models", "tokenizer.json")

// goldensPath holds the transformers.js goldens (committed).
var goldensPath = filepath.Join(repoRoot, "testdata", "reference", "tokenizer", "tokenizer_goldens.json")

// requireTestData reports whether missing fetched test data must fail the
// test rather than skip it: in CI, or when SIGLIP2_REQUIRE_TOKENIZER=1.
func requireTestData() bool {
	return os.Getenv("CI") == "true" || os.Getenv("SIGLIP2_REQUIRE_TOKENIZER") == "1"
}

// missingTestData skips the test (locally) or fails it (CI) because data
// fetched by scripts/fetch-test-data is absent.
func missingTestData(tb testing.TB, what string) {
	tb.Helper()
	msg := what + " is missing: run scripts/fetch-test-data (needs npm)"
	if requireTestData() {
		tb.Fatal(msg + " — required here because CI=true or SIGLIP2_REQUIRE_TOKENIZER=1")
	}
	tb.Skip(msg)
}

var (
	realOnce sync.Once
	realTok  *Tokenizer
	realErr  error
)

// realTokenizer loads the real Gemma tokenizer once per test binary.
func realTokenizer(tb testing.TB) *Tokenizer {
	tb.Helper()
	if _, err := os.Stat(realTokenizerPath); err != nil {
		missingTestData(tb, realTokenizerPath)
	}
	realOnce.Do(func() { realTok, realErr = Load(realTokenizerPath) })
	if realErr != nil {
		tb.Fatal(realErr)
	}
	return realTok
}
