package engine

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestUnknownWordsOfAClosedVocabulary(t *testing.T) {
	dir := withTinyTokenizer(t, "siglip2_fixed")
	if err := os.WriteFile(filepath.Join(dir, VocabularyFile), []byte(`{"words": ["a", "Red", "circle", "on", "the", "left"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir, Options{Backend: cpuBackend})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.ClosedVocabulary() {
		t.Fatal("vocabulary.json was not read")
	}
	cases := []struct {
		label string
		want  []string
	}{
		{"a red circle", nil},
		{"A RED Circle on the left", nil}, // the words are compared lower-cased
		{"a cat", []string{"cat"}},
		{"a cat, a dog and a cat", []string{"cat", "dog", "and"}},
		{"photo-of a red circle!", []string{"photo", "of"}},
		{"", nil},
	}
	for _, c := range cases {
		if got := m.UnknownWords(c.label); !slices.Equal(got, c.want) {
			t.Errorf("UnknownWords(%q) = %q, want %q", c.label, got, c.want)
		}
	}
	labels, _, err := m.EncodeLabels(t.Context(), []string{"a red circle", "a cat"}, PromptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if labels[0].Unknown != nil || !slices.Equal(labels[1].Unknown, []string{"cat"}) {
		t.Errorf("labels' unknown words: %q, %q", labels[0].Unknown, labels[1].Unknown)
	}
}

// Without vocabulary.json a word is unknown only when the tokenizer can
// map it to nothing but <unk> (the tiny tokenizer knows the letters a, b,
// c and t, and falls back to bytes for a few others).
func TestOpenVocabularyFlagsOnlyUnknownTokens(t *testing.T) {
	m, err := Load(withTinyTokenizer(t, "siglip2_fixed"), Options{Backend: cpuBackend})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.ClosedVocabulary() {
		t.Fatal("closed vocabulary without vocabulary.json")
	}
	if got := m.UnknownWords("a cat abc tab"); got != nil {
		t.Errorf("words the tokenizer spells flagged: %q", got)
	}
	if got := m.UnknownWords("a cat zebra"); !slices.Equal(got, []string{"zebra"}) {
		t.Errorf("UnknownWords(a cat zebra) = %q, want [zebra] (z, e, r are <unk> here)", got)
	}
}

func TestBadVocabularyFileIsRefused(t *testing.T) {
	for _, body := range []string{`{"words": []}`, `not json`} {
		dir := withTinyTokenizer(t, "siglip2_fixed")
		if err := os.WriteFile(filepath.Join(dir, VocabularyFile), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(dir, Options{Backend: cpuBackend}); err == nil {
			t.Errorf("vocabulary %q accepted", body)
		}
	}
}
