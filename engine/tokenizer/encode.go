package tokenizer

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// normOp is one step of the normalizer.
type normOp struct {
	kind     int
	from, to string
}

const (
	opReplace = iota // replace every from with to
	opPrepend        // put to in front of non-empty text
)

// normalize applies the normalizer to one text section.
func (t *Tokenizer) normalize(s string) string {
	for _, op := range t.norm {
		switch op.kind {
		case opReplace:
			s = strings.ReplaceAll(s, op.from, op.to)
		case opPrepend:
			if s != "" {
				s = op.to + s
			}
		}
	}
	return s
}

// Encode returns the token ids of text with no special tokens added and no
// truncation: what Hugging Face's tokenizer(text, add_special_tokens=False)
// gives. Invalid UTF-8 is read as U+FFFD (see ToValidUTF8).
func (t *Tokenizer) Encode(text string) []int {
	return t.appendEncode(nil, text)
}

// appendEncode appends the ids of text to ids.
func (t *Tokenizer) appendEncode(ids []int, text string) []int {
	text = ToValidUTF8(text)
	w := workPool.Get().(*bpeWork)
	defer workPool.Put(w)
	w.sections = t.added.split(text, w.sections[:0])
	for _, sec := range w.sections {
		if sec.tok != 0 {
			ids = append(ids, int(t.added.toks[sec.tok-1].id))
			continue
		}
		if sec.end <= sec.start {
			continue
		}
		word := t.normalize(text[sec.start:sec.end])
		if word == "" {
			continue
		}
		ids = t.bpe(w, ids, word)
	}
	return ids
}

// bpeWork is scratch space for one Encode call, pooled to keep encoding
// labels free of allocations beyond the result.
type bpeWork struct {
	sections []section
	syms     []bpeSym
	heap     []bpeCand
}

var workPool = sync.Pool{New: func() any { return new(bpeWork) }}

// bpeSym is one symbol of a word during merging: the bytes
// word[start:end], its vocabulary id (-1 if the text is not a token), and
// its live neighbours (-1 at the ends). A symbol merged into its left
// neighbour is dead (start = -1).
type bpeSym struct {
	start, end int32
	prev, next int32
	id         int32
}

// bpeCand is a possible merge of the live symbol at pos with its right
// neighbour, valid while the left symbol still ends at mid and the right
// one at end. Candidates pop in order of rank, then position, as in
// Hugging Face's tokenizers and transformers.js.
type bpeCand struct {
	rank     int32
	pos      int32
	mid, end int32
	id       int32 // the merged token
}

func (a bpeCand) less(b bpeCand) bool {
	return a.rank < b.rank || a.rank == b.rank && a.pos < b.pos
}

// pairRank looks up the merge of word[start:mid] and word[mid:end].
func (t *Tokenizer) pairRank(word string, start, mid, end int32) (rank, id int32, ok bool) {
	id, ok = t.vocab.get(word[start:end])
	if !ok {
		return 0, 0, false
	}
	left := mid - start
	// Scan backwards: with duplicated merges the later one wins, as in
	// Hugging Face's tokenizers and transformers.js.
	for k := t.mergeStart[id+1] - 1; k >= t.mergeStart[id]; k-- {
		if t.mergeLeft[k] == left {
			return t.mergeRank[k], id, true
		}
	}
	return 0, 0, false
}

// maxWord bounds the bytes BPE merges as one word, so positions fit in
// int32. A longer run of text with no added token in it (over a gigabyte)
// is merged in pieces of at most maxWord bytes, cut at character
// boundaries; no real text comes near it. A variable for tests.
var maxWord = 1 << 30

// bpe appends the ids of one normalised word to ids.
func (t *Tokenizer) bpe(w *bpeWork, ids []int, word string) []int {
	for len(word) > maxWord {
		cut := maxWord
		for cut > 0 && !utf8.RuneStart(word[cut]) {
			cut--
		}
		if cut == 0 { // maxWord smaller than a character (tests only)
			_, cut = utf8.DecodeRuneInString(word)
		}
		ids = t.bpeWord(w, ids, word[:cut])
		word = word[cut:]
	}
	return t.bpeWord(w, ids, word)
}

// bpeWord appends the ids of one word of at most maxWord bytes.
func (t *Tokenizer) bpeWord(w *bpeWork, ids []int, word string) []int {
	if word == "" {
		return ids
	}
	if t.ignoreMerges {
		if id, ok := t.vocab.get(word); ok {
			return append(ids, int(id))
		}
	}
	// One symbol per character.
	syms := w.syms[:0]
	for i := 0; i < len(word); {
		c := word[i]
		size := 1
		id := int32(-1)
		if c < utf8.RuneSelf {
			id = t.asciiID[c]
		} else {
			_, size = utf8.DecodeRuneInString(word[i:])
			if v, ok := t.vocab.get(word[i : i+size]); ok {
				id = v
			}
		}
		n := int32(len(syms))
		syms = append(syms, bpeSym{start: int32(i), end: int32(i + size), prev: n - 1, next: n + 1, id: id})
		i += size
	}
	syms[len(syms)-1].next = -1

	if len(syms) > 1 && len(t.mergeRank) > 0 {
		h := w.heap[:0]
		for i := 0; i+1 < len(syms); i++ {
			a, b := &syms[i], &syms[i+1]
			if rank, id, ok := t.pairRank(word, a.start, a.end, b.end); ok {
				h = heapPush(h, bpeCand{rank: rank, pos: int32(i), mid: a.end, end: b.end, id: id})
			}
		}
		for len(h) > 0 {
			var c bpeCand
			c, h = heapPop(h)
			a := &syms[c.pos]
			if a.start < 0 || a.end != c.mid || a.next < 0 {
				continue
			}
			b := &syms[a.next]
			if b.end != c.end {
				continue
			}
			// Merge b into a.
			a.end, a.id, a.next = b.end, c.id, b.next
			b.start = -1
			if a.next >= 0 {
				syms[a.next].prev = c.pos
				n := &syms[a.next]
				if rank, id, ok := t.pairRank(word, a.start, a.end, n.end); ok {
					h = heapPush(h, bpeCand{rank: rank, pos: c.pos, mid: a.end, end: n.end, id: id})
				}
			}
			if a.prev >= 0 {
				p := &syms[a.prev]
				if rank, id, ok := t.pairRank(word, p.start, p.end, a.end); ok {
					h = heapPush(h, bpeCand{rank: rank, pos: a.prev, mid: p.end, end: a.end, id: id})
				}
			}
		}
		w.heap = h
	}

	// Emit: tokens as they are, other symbols as their UTF-8 bytes.
	lastUnk := false
	for i := int32(0); i >= 0; i = syms[i].next {
		s := syms[i]
		if s.id >= 0 {
			ids = append(ids, int(s.id))
			lastUnk = false
			continue
		}
		if t.byteFB && t.haveBytes(word[s.start:s.end]) {
			for j := s.start; j < s.end; j++ {
				ids = append(ids, int(t.byteIDs[word[j]]))
			}
			lastUnk = false
			continue
		}
		if !(t.fuseUnk && lastUnk) {
			ids = append(ids, int(t.unkID))
		}
		lastUnk = true
	}
	w.syms = syms
	return ids
}

// haveBytes reports whether every byte of s has a <0xNN> token.
func (t *Tokenizer) haveBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if t.byteIDs[s[i]] < 0 {
			return false
		}
	}
	return true
}

// heapPush and heapPop keep h a binary min-heap of candidates.
func heapPush(h []bpeCand, c bpeCand) []bpeCand {
	h = append(h, c)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func heapPop(h []bpeCand) (bpeCand, []bpeCand) {
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return top, h
}
