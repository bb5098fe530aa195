package tokenizer

import (
	"encoding/json"
	"fmt"
)

// jsonAddedToken is one entry of tokenizer.json's "added_tokens".
type jsonAddedToken struct {
	ID      *int   `json:"id"`
	Content string `json:"content"`
	LStrip  bool   `json:"lstrip"`
	RStrip  bool   `json:"rstrip"`
	Special bool   `json:"special"`
}

// jsonComponent is a normalizer or pre-tokenizer entry: a type tag and the
// fields of the kinds this package supports.
type jsonComponent struct {
	Type    string `json:"type"`
	Pattern *struct {
		String *string `json:"String"`
		Regex  *string `json:"Regex"`
	} `json:"pattern"`
	Content     *string         `json:"content"`
	Prepend     *string         `json:"prepend"`
	Normalizers []jsonComponent `json:"normalizers"`
}

// jsonModelFields are the small fields of tokenizer.json's "model".
type jsonModelFields struct {
	Type                    string   `json:"type"`
	UnkToken                *string  `json:"unk_token"`
	ByteFallback            bool     `json:"byte_fallback"`
	FuseUnk                 bool     `json:"fuse_unk"`
	Dropout                 *float64 `json:"dropout"`
	ContinuingSubwordPrefix *string  `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string  `json:"end_of_word_suffix"`
	IgnoreMerges            bool     `json:"ignore_merges"`
}

// mergeRef is one merge while loading: the id of the token it produces,
// the byte length of its left part.
type mergeRef struct{ id, left int32 }

// parseJSON reads a Hugging Face tokenizer.json. The vocabulary and the
// merge list are scanned in place (they are almost all of the file); the
// other sections go through encoding/json.
func parseJSON(b []byte) (*Tokenizer, error) {
	s := &scanner{b: b}
	var (
		arena      []byte  // vocabulary pieces, back to back
		ends       []int32 // end of each piece in arena
		ids        []int32 // id of each piece
		mergesPos  = -1    // where model.merges starts
		mergesDone bool    // merges read in the first pass
		t          = &Tokenizer{}
		haveModel  bool
		haveVocab  bool
		model      = map[string]json.RawMessage{}
		top        = map[string]json.RawMessage{}
	)
	err := s.object(func(key string) error {
		if key != "model" {
			raw, err := s.skip()
			top[key] = raw
			return err
		}
		haveModel = true
		if s.peek() != '{' {
			return fmt.Errorf("model is not an object")
		}
		return s.object(func(key string) error {
			switch key {
			case "vocab":
				if s.peek() != '{' {
					return fmt.Errorf("model.vocab is not an object of token → id (only BPE models are supported)")
				}
				haveVocab = true
				var err error
				arena, ends, ids, err = s.vocab(len(b) / 8)
				return err
			case "merges":
				// The merges need the vocabulary. It comes first in files
				// that Hugging Face writes; otherwise note where the merges
				// are and come back.
				mergesPos = s.pos
				if haveVocab {
					mergesDone = true
					return t.setVocabAndMerges(arena, ends, ids, s)
				}
				_, err := s.skip()
				return err
			default:
				raw, err := s.skip()
				model[key] = raw
				return err
			}
		})
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		return nil, err
	}
	if !haveModel || !haveVocab {
		return nil, fmt.Errorf("no model.vocab: not a Hugging Face tokenizer.json")
	}
	var mf jsonModelFields
	for key, dst := range map[string]any{
		"type": &mf.Type, "unk_token": &mf.UnkToken, "byte_fallback": &mf.ByteFallback,
		"fuse_unk": &mf.FuseUnk, "dropout": &mf.Dropout, "ignore_merges": &mf.IgnoreMerges,
		"continuing_subword_prefix": &mf.ContinuingSubwordPrefix, "end_of_word_suffix": &mf.EndOfWordSuffix,
	} {
		if raw, ok := model[key]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return nil, fmt.Errorf("model.%s: %w", key, err)
			}
		}
	}
	switch {
	case mf.Type != "" && mf.Type != "BPE":
		return nil, fmt.Errorf("model type %q is not supported: this package reads BPE tokenizers such as Gemma's", mf.Type)
	case mf.Dropout != nil && *mf.Dropout != 0:
		return nil, fmt.Errorf("model.dropout %v is not supported (BPE dropout is for training)", *mf.Dropout)
	case mf.ContinuingSubwordPrefix != nil && *mf.ContinuingSubwordPrefix != "":
		return nil, fmt.Errorf("model.continuing_subword_prefix is not supported")
	case mf.EndOfWordSuffix != nil && *mf.EndOfWordSuffix != "":
		return nil, fmt.Errorf("model.end_of_word_suffix is not supported")
	case mergesPos < 0:
		return nil, fmt.Errorf("no model.merges: not a BPE tokenizer.json")
	}

	t.byteFB, t.fuseUnk, t.ignoreMerges = mf.ByteFallback, mf.FuseUnk, mf.IgnoreMerges
	if !mergesDone {
		s.pos = mergesPos
		if err := t.setVocabAndMerges(arena, ends, ids, s); err != nil {
			return nil, err
		}
	}
	if err := t.readAddedTokens(top["added_tokens"]); err != nil {
		return nil, err
	}
	if err := t.readNormalizer(top["normalizer"]); err != nil {
		return nil, err
	}
	if raw, ok := top["pre_tokenizer"]; ok && string(raw) != "null" {
		var c jsonComponent
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer: %w", err)
		}
		return nil, fmt.Errorf("pre_tokenizer %q is not supported: this package reads Gemma-style tokenizers, which have none", c.Type)
	}
	unk := ""
	if mf.UnkToken != nil {
		unk = *mf.UnkToken
	}
	if err := t.finish(unk); err != nil {
		return nil, err
	}
	return t, nil
}

// setVocabAndMerges builds the vocabulary, then reads the merges at the
// scanner's position.
func (t *Tokenizer) setVocabAndMerges(arena []byte, ends, ids []int32, s *scanner) error {
	if err := t.setVocab(string(arena), ends, ids); err != nil {
		return err
	}
	if err := t.readMerges(s); err != nil {
		return fmt.Errorf("model.merges: %w", err)
	}
	return nil
}

// vocab reads the object of token → id into one arena of token bytes.
func (s *scanner) vocab(sizeHint int) (arena []byte, ends, ids []int32, err error) {
	if err := s.expect('{'); err != nil {
		return nil, nil, nil, err
	}
	arena = make([]byte, 0, sizeHint)
	if s.peek() == '}' {
		s.pos++
		return arena, nil, nil, nil
	}
	for {
		if arena, err = s.string(arena); err != nil {
			return nil, nil, nil, err
		}
		if len(arena) > 1<<31-1 {
			return nil, nil, nil, s.errorf("vocabulary too large")
		}
		ends = append(ends, int32(len(arena)))
		if err := s.expect(':'); err != nil {
			return nil, nil, nil, err
		}
		id, err := s.uint31()
		if err != nil {
			return nil, nil, nil, err
		}
		ids = append(ids, int32(id))
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return arena, ends, ids, nil
		default:
			return nil, nil, nil, s.errorf("want ',' or '}' in model.vocab")
		}
	}
}

// maxVocab bounds token ids so a corrupt file cannot ask for a huge table.
const maxVocab = 1 << 22

// setVocab fills pieces and vocab from the arena of token texts.
func (t *Tokenizer) setVocab(all string, ends, ids []int32) error {
	size := 0
	for _, id := range ids {
		if int(id) >= maxVocab {
			return fmt.Errorf("model.vocab: token id %d is too large (limit %d)", id, maxVocab)
		}
		size = max(size, int(id)+1)
	}
	t.pieces = make([]string, size)
	t.used = make([]bool, size)
	t.vocab = newVocabTable(t.pieces, len(ids))
	start := int32(0)
	for i, end := range ends {
		piece, id := all[start:end], ids[i]
		start = end
		if t.used[id] && t.pieces[id] != piece {
			return fmt.Errorf("model.vocab: id %d is given to both %q and %q", id, t.pieces[id], piece)
		}
		t.pieces[id], t.used[id] = piece, true
		t.vocab.put(id)
	}
	return nil
}

// readMerges reads model.merges at the scanner's position, in either
// layout: strings "a b" (tokenizers < 0.20) or pairs ["a", "b"].
//
// The merged tokens are looked up in batches: a tight loop of independent
// lookups lets the processor overlap their cache misses, which halves the
// time of the 580 000 lookups of Gemma's merge list.
func (t *Tokenizer) readMerges(s *scanner) error {
	const batch = 1024
	var (
		refs  = make([]mergeRef, 0, (len(s.b)-s.pos)/24)
		keys  []byte  // merged texts of the batch, back to back
		ends  []int32 // end of each in keys
		lefts []int32 // byte length of each left part
		err   error
	)
	// Merge lists are usually ordered by the token they make (Gemma's
	// always makes the previous merge's token or the next id), so the ids
	// next to the last one are tried before the hash table. The check is
	// exact as long as no token text has two ids.
	last := int32(0)
	guess := func(key []byte) (int32, bool) {
		if t.vocab.dups {
			return 0, false
		}
		for g := last; g <= last+1 && int(g) < len(t.pieces); g++ {
			if t.used[g] && t.pieces[g] == string(key) {
				return g, true
			}
		}
		return 0, false
	}
	resolve := func(first int) error {
		start := int32(0)
		for k, end := range ends {
			key := keys[start:end]
			id, ok := guess(key)
			if !ok {
				id, ok = t.vocab.getBytes(key)
			}
			last = id
			if !ok {
				l := lefts[k]
				return fmt.Errorf("merge %d (%q + %q) makes %q, which is not in the vocabulary", first+k, key[:l], key[l:], key)
			}
			refs = append(refs, mergeRef{id: id, left: lefts[k]})
			start = end
		}
		keys, ends, lefts = keys[:0], ends[:0], lefts[:0]
		return nil
	}
	err = s.array(func(i int) error {
		from := len(keys)
		left := 0
		switch s.peek() {
		case '"':
			if keys, err = s.string(keys); err != nil {
				return err
			}
			sp := -1
			for j, c := range keys[from:] {
				if c == ' ' {
					if sp >= 0 {
						sp = -2
						break
					}
					sp = j
				}
			}
			if sp < 0 {
				return fmt.Errorf("merge %d %q is not two tokens separated by one space", i, keys[from:])
			}
			left = sp
			keys = append(keys[:from+sp], keys[from+sp+1:]...)
		case '[':
			s.pos++
			if keys, err = s.string(keys); err != nil {
				return err
			}
			left = len(keys) - from
			if err := s.expect(','); err != nil {
				return fmt.Errorf("merge %d is not a pair of strings: %w", i, err)
			}
			if keys, err = s.string(keys); err != nil {
				return err
			}
			if err := s.expect(']'); err != nil {
				return fmt.Errorf("merge %d is not a pair of strings: %w", i, err)
			}
		default:
			return s.errorf("merge %d is neither a string nor a pair of strings", i)
		}
		if left == 0 || left == len(keys)-from {
			return fmt.Errorf("merge %d has an empty token", i)
		}
		ends = append(ends, int32(len(keys)))
		lefts = append(lefts, int32(left))
		if len(ends) == batch {
			return resolve(i + 1 - batch)
		}
		return nil
	})
	if err == nil {
		err = resolve(len(refs))
	}
	if err != nil {
		return err
	}
	t.setMerges(refs)
	return nil
}

// setMerges groups the merges (given in rank order) by the token they
// make.
func (t *Tokenizer) setMerges(refs []mergeRef) {
	n := len(t.pieces)
	t.mergeStart = make([]int32, n+1)
	for _, r := range refs {
		t.mergeStart[r.id+1]++
	}
	for i := 1; i <= n; i++ {
		t.mergeStart[i] += t.mergeStart[i-1]
	}
	t.mergeLeft = make([]int32, len(refs))
	t.mergeRank = make([]int32, len(refs))
	fill := make([]int32, n)
	copy(fill, t.mergeStart[:n])
	for rank, r := range refs {
		k := fill[r.id]
		fill[r.id]++
		t.mergeLeft[k] = r.left
		t.mergeRank[k] = int32(rank)
	}
}

// readAddedTokens reads "added_tokens".
func (t *Tokenizer) readAddedTokens(raw json.RawMessage) error {
	var list []jsonAddedToken
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("added_tokens: %w", err)
		}
	}
	toks := make([]addedToken, 0, len(list))
	for i, a := range list {
		if a.ID == nil || *a.ID < 0 || *a.ID >= maxVocab {
			return fmt.Errorf("added_tokens[%d] %q: missing or bad id", i, a.Content)
		}
		toks = append(toks, addedToken{content: a.Content, id: int32(*a.ID), lstrip: a.LStrip, rstrip: a.RStrip, special: a.Special})
	}
	return t.setAdded(toks)
}

// setAdded registers the added tokens: they get ids (extending the id →
// text table) and the matcher that cuts them out of raw text.
func (t *Tokenizer) setAdded(toks []addedToken) error {
	for i, a := range toks {
		if a.content == "" {
			return fmt.Errorf("added token %d (id %d) is empty", i, a.id)
		}
		for int(a.id) >= len(t.pieces) {
			t.pieces = append(t.pieces, "")
			t.used = append(t.used, false)
		}
		if t.used[a.id] && t.pieces[a.id] != a.content {
			return fmt.Errorf("added token %q has id %d, which the vocabulary gives to %q", a.content, a.id, t.pieces[a.id])
		}
		t.pieces[a.id], t.used[a.id] = a.content, true
	}
	t.vocab.pieces = t.pieces // the table reads keys from the grown slice
	if n := len(t.pieces) + 1; len(t.mergeStart) < n {
		last := int32(0)
		if len(t.mergeStart) > 0 {
			last = t.mergeStart[len(t.mergeStart)-1]
		}
		for len(t.mergeStart) < n {
			t.mergeStart = append(t.mergeStart, last)
		}
	}
	t.added = newAddedMatcher(toks)
	return nil
}

// readNormalizer reads "normalizer": null, Replace with a plain string
// pattern, Prepend, or a Sequence of those.
func (t *Tokenizer) readNormalizer(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var c jsonComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("normalizer: %w", err)
	}
	ops, err := normOps(c)
	if err != nil {
		return fmt.Errorf("normalizer: %w", err)
	}
	t.norm = ops
	return nil
}

func normOps(c jsonComponent) ([]normOp, error) {
	switch c.Type {
	case "Sequence":
		var ops []normOp
		for _, sub := range c.Normalizers {
			o, err := normOps(sub)
			if err != nil {
				return nil, err
			}
			ops = append(ops, o...)
		}
		return ops, nil
	case "Replace":
		if c.Pattern == nil || c.Pattern.String == nil || c.Content == nil {
			return nil, fmt.Errorf("Replace with a regex pattern is not supported (only plain strings, as in Gemma)")
		}
		if *c.Pattern.String == "" {
			return nil, fmt.Errorf("Replace with an empty pattern is not supported")
		}
		return []normOp{{kind: opReplace, from: *c.Pattern.String, to: *c.Content}}, nil
	case "Prepend":
		if c.Prepend == nil {
			return nil, fmt.Errorf("Prepend without a prepend string")
		}
		return []normOp{{kind: opPrepend, to: *c.Prepend}}, nil
	default:
		return nil, fmt.Errorf("%q is not supported: this package reads Gemma-style tokenizers (Replace, Prepend, Sequence)", c.Type)
	}
}
