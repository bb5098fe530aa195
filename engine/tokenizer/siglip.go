package tokenizer

import (
	"fmt"
	"strings"
)

// SigLIP2Length is the number of tokens SigLIP 2's text tower reads (its
// text config's max_position_embeddings), for every released checkpoint.
const SigLIP2Length = 64

// DefaultTemplate is the label prompt used unless another is given; "{}"
// stands for the label.
const DefaultTemplate = "this is a photo of {}."

// MaxSigLIPLength bounds EncodeSigLIP's length: far above any model's
// max_position_embeddings (64 for released ones), and small enough that a
// mistaken length cannot reserve gigabytes.
const MaxSigLIPLength = 1 << 16

// EncodeSigLIP returns exactly length ids framed as SigLIP 2's processor
// frames text (padding="max_length", truncation=True): the text's ids with
// no <bos>, cut to their first length-1, then <eos>, then <pad> up to
// length. It does not lower-case: use Prompt for labels. length is the text
// config's max_position_embeddings (SigLIP2Length for released models).
func (t *Tokenizer) EncodeSigLIP(text string, length int) ([]int, error) {
	if length < 1 || length > MaxSigLIPLength {
		return nil, fmt.Errorf("SigLIP text length %d is outside [1, %d] (1 leaves room for <eos> only; models take 64)", length, MaxSigLIPLength)
	}
	ids := make([]int, 0, length)
	ids = t.appendEncode(ids, text)
	if len(ids) > length-1 {
		ids = ids[:length-1]
	}
	ids = append(ids, t.eosID)
	for len(ids) < length {
		ids = append(ids, t.padID)
	}
	return ids, nil
}

// Prompt fills template with label the way SigLIP 2 labels should be fed:
// the model was trained on lower-cased text and Hugging Face's tokenizer
// does not lower-case, so with lowercase set the whole prompt (label and
// template) is lower-cased (Unicode simple case mapping, strings.ToLower).
// An empty template means DefaultTemplate; otherwise it must contain "{}"
// exactly once. Invalid UTF-8 in the label is first read as U+FFFD, as
// Encode would read it.
func Prompt(label, template string, lowercase bool) (string, error) {
	if template == "" {
		template = DefaultTemplate
	}
	if n := strings.Count(template, "{}"); n != 1 {
		return "", fmt.Errorf("label template %q has %d \"{}\" placeholders, want exactly one (e.g. %q)", template, n, DefaultTemplate)
	}
	p := strings.Replace(template, "{}", ToValidUTF8(label), 1)
	if lowercase {
		p = strings.ToLower(ToValidUTF8(p))
	}
	return p, nil
}
