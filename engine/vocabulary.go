package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// VocabularyFile names an optional file of a model folder that lists every
// word the model saw in training, as {"words": [...], "about": "..."}. It
// is a siglip2-tui extension: the toy models ship one, so the screens can
// say that a label such as "a cat" means nothing to a model that only ever
// read captions of coloured shapes. Models without it have an open
// vocabulary (SigLIP 2 was trained on billions of web captions).
const VocabularyFile = "vocabulary.json"

// parseVocabulary reads a vocabulary file's words, lower-cased.
func parseVocabulary(data []byte) (map[string]bool, error) {
	var v struct {
		Words []string `json:"words"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", VocabularyFile, err)
	}
	if len(v.Words) == 0 {
		return nil, fmt.Errorf("%s lists no words", VocabularyFile)
	}
	out := make(map[string]bool, len(v.Words))
	for _, w := range v.Words {
		out[strings.ToLower(w)] = true
	}
	return out, nil
}

// Words splits a label into the words UnknownWords judges: runs of letters
// and digits (an apostrophe inside a word keeps it whole).
func Words(label string) []string {
	return strings.FieldsFunc(label, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// ClosedVocabulary tells whether the model declares the words it knows
// (VocabularyFile); such a model cannot know any other word.
func (m *Model) ClosedVocabulary() bool { return m.vocabulary != nil }

// UnknownWords returns the words of label the model cannot know, in order
// and without repeats: with a closed vocabulary every word not in it;
// otherwise the words the tokenizer (given them lower-cased, as labels are
// by default) can only map to its unknown token. Scores of such labels say
// nothing about the image: the text tower turns the unknown word into the
// same meaningless vector whatever it names.
func (m *Model) UnknownWords(label string) []string {
	var out []string
	for _, w := range Words(label) {
		lw := strings.ToLower(w)
		var unknown bool
		switch {
		case m.vocabulary != nil:
			unknown = !m.vocabulary[lw]
		case m.Tokenizer != nil && m.Tokenizer.UnknownID() >= 0:
			unknown = slices.Contains(m.Tokenizer.Encode(lw), m.Tokenizer.UnknownID())
		}
		if unknown && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}
