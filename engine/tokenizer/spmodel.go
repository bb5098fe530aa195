package tokenizer

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// SentencePiece piece types (sentencepiece_model.proto, ModelProto.SentencePiece.Type).
const (
	spNormal      = 1
	spUnknown     = 2
	spControl     = 3
	spUserDefined = 4
	spUnused      = 5
	spByte        = 6
)

// spPiece is one ModelProto.SentencePiece.
type spPiece struct {
	piece string
	score float32
	typ   int
}

// spModel holds the fields of a SentencePiece ModelProto this package uses.
type spModel struct {
	pieces []spPiece
	// trainer_spec
	modelType    int // 1 unigram (the default), 2 BPE, 3 word, 4 char
	byteFallback bool
	// normalizer_spec; the proto defaults are true
	normName                      string
	charsmap                      bool // a precompiled_charsmap is present
	addDummyPrefix, removeExtraWS bool
	escapeWS                      bool
}

// parseSentencePiece reads a SentencePiece tokenizer.model (a ModelProto)
// and converts it the way Hugging Face's GemmaConverter does, so that it
// tokenizes exactly as the tokenizer.json that transformers would make from
// it:
//   - ids are the pieces' positions; "<0x09>" is renamed "\t" when the
//     model has no "\t" piece (older Gemma models);
//   - the merge list is derived from the vocabulary: for each piece, every
//     split into two pieces is a merge; merges are ordered by the score of
//     the piece they make (highest first, ties in id order), and the splits
//     of one piece by the ids of their halves. (This reproduces the merge
//     list of Gemma's published tokenizer.json exactly.)
//   - control, unknown and user-defined pieces become added tokens, matched
//     on the raw text before BPE;
//   - the normalizer replaces ' ' with '▁'; byte fallback follows the
//     trainer spec.
//
// Only BPE models with Gemma's normalizer settings (no dummy prefix, no
// whitespace folding, no precompiled normalisation) are accepted; anything
// else would silently tokenize differently.
func parseSentencePiece(b []byte) (*Tokenizer, error) {
	m, err := readModelProto(b)
	if err != nil {
		return nil, fmt.Errorf("read SentencePiece model: %w", err)
	}
	switch {
	case len(m.pieces) == 0:
		return nil, fmt.Errorf("SentencePiece model has no pieces")
	case len(m.pieces) >= maxVocab:
		return nil, fmt.Errorf("SentencePiece model has %d pieces (limit %d)", len(m.pieces), maxVocab)
	case m.modelType != 2:
		return nil, fmt.Errorf("SentencePiece model type %d is not BPE (2): only BPE models such as Gemma's are supported", m.modelType)
	case m.addDummyPrefix || m.removeExtraWS || !m.escapeWS || m.charsmap:
		return nil, fmt.Errorf("SentencePiece normalizer %q (add_dummy_prefix=%v, remove_extra_whitespaces=%v, escape_whitespaces=%v, precompiled map=%v) is not Gemma's identity normalizer: not supported",
			m.normName, m.addDummyPrefix, m.removeExtraWS, m.escapeWS, m.charsmap)
	}

	n := len(m.pieces)
	t := &Tokenizer{byteFB: m.byteFallback, fuseUnk: true}
	t.pieces = make([]string, n)
	t.used = make([]bool, n)
	hasTab := false
	for _, p := range m.pieces {
		hasTab = hasTab || p.piece == "\t"
	}
	scores := make([]float32, n)
	var added []addedToken
	unk := ""
	for id, p := range m.pieces {
		piece := p.piece
		if piece == "<0x09>" && !hasTab {
			piece = "\t"
		}
		if piece == "" {
			return nil, fmt.Errorf("SentencePiece piece %d is empty", id)
		}
		t.pieces[id], t.used[id] = piece, true
		scores[id] = p.score
		switch p.typ {
		case spControl, spUnknown, spUserDefined:
			added = append(added, addedToken{content: piece, id: int32(id), special: p.typ != spUserDefined})
		}
		if p.typ == spUnknown && unk == "" {
			unk = piece
		}
	}
	// GemmaConverter gives the first three pieces (pad, eos, bos) score 0.
	for id := 0; id < min(3, n); id++ {
		scores[id] = 0
	}
	t.vocab = newVocabTable(t.pieces, n)
	for id := range t.pieces {
		t.vocab.put(int32(id))
	}
	t.setMerges(deriveMerges(t, scores))
	if err := t.setAdded(added); err != nil {
		return nil, err
	}
	t.norm = []normOp{{kind: opReplace, from: " ", to: "▁"}}
	if err := t.finish(unk); err != nil {
		return nil, err
	}
	return t, nil
}

// deriveMerges lists, in rank order, every split of a piece into two
// pieces, ordered as Hugging Face's converter orders them: splits of one
// piece by (left id, right id), then all of them, stably, by the score of
// the piece they make, highest first.
func deriveMerges(t *Tokenizer, scores []float32) []mergeRef {
	type split struct {
		ref         mergeRef
		left, right int32
	}
	var refs []mergeRef
	var local []split
	for id, piece := range t.pieces {
		if owner, _ := t.vocab.get(piece); int(owner) != id {
			continue // a repeated piece: the later id owns the text
		}
		local = local[:0]
		for i := 0; i < len(piece); {
			_, size := utf8.DecodeRuneInString(piece[i:])
			i += size
			if i >= len(piece) {
				break
			}
			l, ok1 := t.vocab.get(piece[:i])
			r, ok2 := t.vocab.get(piece[i:])
			if ok1 && ok2 {
				local = append(local, split{mergeRef{id: int32(id), left: int32(i)}, l, r})
			}
		}
		slices.SortStableFunc(local, func(a, b split) int {
			if a.left != b.left {
				return cmp.Compare(a.left, b.left)
			}
			return cmp.Compare(a.right, b.right)
		})
		for _, s := range local {
			refs = append(refs, s.ref)
		}
	}
	slices.SortStableFunc(refs, func(a, b mergeRef) int {
		return cmp.Compare(scores[b.id], scores[a.id])
	})
	return refs
}

// readModelProto decodes the protobuf fields of ModelProto this package
// needs and skips the rest.
func readModelProto(b []byte) (*spModel, error) {
	m := &spModel{modelType: 1, addDummyPrefix: true, removeExtraWS: true, escapeWS: true}
	err := protoFields(b, func(field int, wire int, v uint64, data []byte) error {
		switch {
		case field == 1 && wire == 2:
			p := spPiece{typ: spNormal}
			err := protoFields(data, func(f, w int, v uint64, d []byte) error {
				switch {
				case f == 1 && w == 2:
					p.piece = string(d)
				case f == 2 && w == 5:
					p.score = math.Float32frombits(uint32(v))
				case f == 3 && w == 0:
					p.typ = int(v)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			if !utf8.ValidString(p.piece) {
				return fmt.Errorf("piece %d is not valid UTF-8", len(m.pieces))
			}
			m.pieces = append(m.pieces, p)
		case field == 2 && wire == 2: // trainer_spec
			return protoFields(data, func(f, w int, v uint64, d []byte) error {
				switch {
				case f == 3 && w == 0:
					m.modelType = int(v)
				case f == 35 && w == 0:
					m.byteFallback = v != 0
				}
				return nil
			})
		case field == 3 && wire == 2: // normalizer_spec
			return protoFields(data, func(f, w int, v uint64, d []byte) error {
				switch {
				case f == 1 && w == 2:
					m.normName = string(d)
				case f == 2 && w == 2:
					m.charsmap = len(d) > 0
				case f == 3 && w == 0:
					m.addDummyPrefix = v != 0
				case f == 4 && w == 0:
					m.removeExtraWS = v != 0
				case f == 5 && w == 0:
					m.escapeWS = v != 0
				}
				return nil
			})
		}
		return nil
	})
	return m, err
}

// protoFields calls fn for each field of a protobuf message: its number,
// wire type, and value (varint, fixed32 or fixed64 in v; length-delimited
// bytes in data).
func protoFields(b []byte, fn func(field, wire int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return fmt.Errorf("bad field key")
		}
		b = b[n:]
		field, wire := key>>3, int(key&7)
		if field == 0 || field > math.MaxInt32 {
			return fmt.Errorf("bad field number %d", field)
		}
		var v uint64
		var data []byte
		switch wire {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return fmt.Errorf("field %d: bad varint", field)
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return fmt.Errorf("field %d: truncated fixed64", field)
			}
			v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return fmt.Errorf("field %d: bad length", field)
			}
			data, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return fmt.Errorf("field %d: truncated fixed32", field)
			}
			v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return fmt.Errorf("field %d: unsupported wire type %d (not a SentencePiece model?)", field, wire)
		}
		if err := fn(int(field), wire, v, data); err != nil {
			return err
		}
	}
	return nil
}
