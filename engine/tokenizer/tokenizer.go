// Package tokenizer turns text into the token ids that SigLIP 2's text tower
// reads: Gemma's 256 000-token BPE with byte fallback, loaded from a Hugging
// Face tokenizer.json (or, when a model folder has none, from SentencePiece's
// tokenizer.model), plus SigLIP 2's framing (no <bos>, <eos> appended,
// right-padded with <pad> to 64 tokens) and the lower-cased label prompts
// the model was trained on.
//
// It reproduces Hugging Face's tokenizer exactly, as transformers.js
// (@lenml/tokenizers) runs it: added tokens are cut out of the raw text first
// (leftmost-longest), the rest is normalised (Gemma: ' ' → '▁', nothing
// else), and each piece is split into characters that BPE merges pairwise in
// the order of the merge list; characters the vocabulary lacks become
// <0xNN> byte tokens. Invalid UTF-8 is read as U+FFFD, one per maximal
// invalid subsequence, as Node.js, Python and Rust decode it.
//
// Of tokenizer.json it reads the BPE model, the added tokens (lstrip and
// rstrip honoured; single_word and normalized ignored, as transformers.js
// ignores them — Gemma sets none of them) and the normalizer (Replace with a
// plain string, Prepend, Sequence); a pre-tokenizer or another normalizer
// is refused with an error rather than tokenized wrongly. The
// post-processor is not used (EncodeSigLIP frames the text) and Decode
// implements Gemma's decoder.
//
// Of this module, the package imports only internal/inputfile: tokenizer
// files are read only when they are regular files within a size limit.
package tokenizer

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// Tokenizer is a loaded BPE tokenizer. It is immutable after loading and
// safe for concurrent use.
type Tokenizer struct {
	// pieces maps an id to its token text (added tokens included); ids no
	// token uses hold "" and are flagged in used.
	pieces []string
	used   []bool
	// vocab maps the BPE model's token text to its id.
	vocab *vocabTable
	// asciiID caches vocab ids of the 128 ASCII characters (-1: absent).
	asciiID [128]int32

	// The merge list, grouped by the id of the token a merge produces
	// (compressed sparse rows): the merges producing token m are entries
	// mergeStart[m] ≤ k < mergeStart[m+1], each with the byte length of its
	// left part and its rank (position in the merge list). A pair of
	// adjacent symbols (a, b) merges when a+b is a token and one of its
	// entries has len(a) as left length — that identifies the pair (a, b).
	mergeStart []int32
	mergeLeft  []int32
	mergeRank  []int32

	added   addedMatcher
	norm    []normOp
	byteFB  bool
	byteIDs [256]int32 // <0xNN> ids, -1 when absent
	unkID   int32      // -1 when the tokenizer has no unknown token
	fuseUnk bool       // one unknown token for a run of unknown characters
	// ignoreMerges: a word that is a token is not split (model.ignore_merges).
	ignoreMerges bool

	eosID, padID int
	source       string
}

// Names of the files LoadDir looks for, in order of preference.
const (
	// JSONFile is the Hugging Face tokenizers file.
	JSONFile = "tokenizer.json"
	// SentencePieceFile is the SentencePiece model protobuf.
	SentencePieceFile = "tokenizer.model"
)

// Load reads a tokenizer from a tokenizer.json or tokenizer.model file; the
// format is recognised from the content, not the name. A FIFO, device or
// directory is refused, and so is a file over inputfile.TokenizerLimit.
func Load(path string) (*Tokenizer, error) {
	b, err := inputfile.ReadFile(path, inputfile.TokenizerLimit)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	t, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", path, err)
	}
	t.source = path
	return t, nil
}

// LoadDir loads the tokenizer of a model folder: tokenizer.json when it is
// there, otherwise tokenizer.model.
func LoadDir(dir string) (*Tokenizer, error) {
	for _, name := range []string{JSONFile, SentencePieceFile} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return Load(p)
		}
	}
	return nil, fmt.Errorf("load tokenizer: %s has neither %s nor %s: download the model's tokenizer files into it, or point at a tokenizer file directly",
		dir, JSONFile, SentencePieceFile)
}

// Parse reads a tokenizer from the bytes of a tokenizer.json or
// tokenizer.model file.
func Parse(data []byte) (*Tokenizer, error) {
	t, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse tokenizer: %w", err)
	}
	return t, nil
}

func parse(b []byte) (*Tokenizer, error) {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return parseJSON(b)
		default:
			return parseSentencePiece(b)
		}
	}
	return nil, fmt.Errorf("empty file")
}

// Source is the file the tokenizer was loaded from ("" after Parse).
func (t *Tokenizer) Source() string { return t.source }

// VocabSize is the number of ids: one more than the largest token id.
func (t *Tokenizer) VocabSize() int { return len(t.pieces) }

// EOSID is the id of <eos>, which SigLIP 2 appends to every text.
func (t *Tokenizer) EOSID() int { return t.eosID }

// PadID is the id of <pad>, which fills a SigLIP 2 text up to its length.
func (t *Tokenizer) PadID() int { return t.padID }

// TokenID returns the id of a token given its text (a vocabulary piece such
// as "▁cat" or an added token such as "<eos>").
func (t *Tokenizer) TokenID(piece string) (int, bool) {
	if id, ok := t.added.ids[piece]; ok {
		return int(id), true
	}
	id, ok := t.vocab.get(piece)
	return int(id), ok
}

// Pieces returns the token text of each id, e.g. "▁photo" or "<0xF0>".
func (t *Tokenizer) Pieces(ids []int) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		if id < 0 || id >= len(t.pieces) || !t.used[id] {
			return nil, fmt.Errorf("token id %d at position %d is not in the vocabulary (size %d)", id, i, len(t.pieces))
		}
		out[i] = t.pieces[id]
	}
	return out, nil
}

// finish derives the lookup tables shared by both file formats once
// pieces, vocab, merges, added tokens and the byte/unk settings are set.
func (t *Tokenizer) finish(unkToken string) error {
	// Without ordinary tokens every text encodes to the same few ids (all
	// <unk>), so every label would score the same: refuse such a file.
	ordinary := 0
	if t.vocab != nil {
		ordinary = t.vocab.n
		for content := range t.added.ids {
			if _, ok := t.vocab.get(content); ok {
				ordinary--
			}
		}
	}
	if ordinary <= 0 {
		return fmt.Errorf("the vocabulary is empty (no token besides the special ones), so every text would get the same ids: this is not a usable tokenizer file")
	}
	for i := range t.asciiID {
		t.asciiID[i] = -1
		if id, ok := t.vocab.get(string(rune(i))); ok {
			t.asciiID[i] = id
		}
	}
	for i := range t.byteIDs {
		t.byteIDs[i] = -1
		if id, ok := t.vocab.get(byteToken(byte(i))); ok {
			t.byteIDs[i] = id
		}
	}
	t.unkID = -1
	if unkToken != "" {
		id, ok := t.TokenID(unkToken)
		if !ok {
			return fmt.Errorf("unk_token %q is not in the vocabulary", unkToken)
		}
		t.unkID = int32(id)
	}
	if t.unkID < 0 {
		complete := t.byteFB
		for _, id := range t.byteIDs {
			complete = complete && id >= 0
		}
		if !complete {
			return fmt.Errorf("the tokenizer has neither an unknown token nor a byte fallback for all 256 bytes, so it cannot encode text outside its vocabulary")
		}
	}
	var ok bool
	if t.eosID, ok = t.TokenID("<eos>"); !ok {
		return fmt.Errorf("no <eos> token: SigLIP 2 framing needs it (is this a Gemma tokenizer?)")
	}
	if t.padID, ok = t.TokenID("<pad>"); !ok {
		return fmt.Errorf("no <pad> token: SigLIP 2 framing needs it (is this a Gemma tokenizer?)")
	}
	return nil
}

// byteToken is the vocabulary piece for a byte in byte fallback: <0xNN>
// with upper-case hex digits.
func byteToken(b byte) string {
	const hex = "0123456789ABCDEF"
	return string([]byte{'<', '0', 'x', hex[b>>4], hex[b&15], '>'})
}

// UnknownID is the id of the unknown token (<unk>), or -1 when the
// tokenizer has none (byte fallback spells out every character).
func (t *Tokenizer) UnknownID() int { return int(t.unkID) }
