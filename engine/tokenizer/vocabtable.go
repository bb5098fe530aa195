package tokenizer

import (
	"hash/maphash"
	"math/bits"
)

// vocabTable maps token text to id. It is an open-addressing hash table of
// 8-byte slots (hash tag, id) whose keys are the tokenizer's pieces, so a
// lookup touches one slot, the piece's string header and its bytes.
// Loading a 256 000-token vocabulary and resolving its 580 000 merges takes
// about half the time it takes with a Go map, which matters for the
// load-time budget.
type vocabTable struct {
	slots  []vslot
	mask   uint64
	seed   maphash.Seed
	pieces []string // id → text; shared with the Tokenizer
	n      int
	dups   bool // some text was put under two ids (the later id won)
}

// vslot is one slot: the key's hash tag and id+1 (0: empty).
type vslot struct {
	tag uint32
	id1 int32
}

// newVocabTable makes a table for about n of the pieces.
func newVocabTable(pieces []string, n int) *vocabTable {
	size := 1 << bits.Len(uint(2*n+8)) // load factor ≤ 1/2
	return &vocabTable{slots: make([]vslot, size), mask: uint64(size - 1), seed: maphash.MakeSeed(), pieces: pieces}
}

// put maps pieces[id] to id; a key already present takes the new id, as
// the later of two repeated keys in a JSON object does.
func (v *vocabTable) put(id int32) {
	key := v.pieces[id]
	h := maphash.String(v.seed, key)
	tag := uint32(h >> 32)
	for i := h & v.mask; ; i = (i + 1) & v.mask {
		s := &v.slots[i]
		if s.id1 == 0 {
			*s = vslot{tag: tag, id1: id + 1}
			v.n++
			if 2*v.n > len(v.slots) {
				v.grow()
			}
			return
		}
		if s.tag == tag && v.pieces[s.id1-1] == key {
			s.id1 = id + 1
			v.dups = true
			return
		}
	}
}

func (v *vocabTable) grow() {
	old := v.slots
	v.slots = make([]vslot, 2*len(old))
	v.mask = uint64(len(v.slots) - 1)
	for _, s := range old {
		if s.id1 == 0 {
			continue
		}
		h := maphash.String(v.seed, v.pieces[s.id1-1])
		for i := h & v.mask; ; i = (i + 1) & v.mask {
			if v.slots[i].id1 == 0 {
				v.slots[i] = s
				break
			}
		}
	}
}

// get returns the id of key.
func (v *vocabTable) get(key string) (int32, bool) {
	h := maphash.String(v.seed, key)
	tag := uint32(h >> 32)
	for i := h & v.mask; ; i = (i + 1) & v.mask {
		s := v.slots[i]
		if s.id1 == 0 {
			return 0, false
		}
		if s.tag == tag && v.pieces[s.id1-1] == key {
			return s.id1 - 1, true
		}
	}
}

// getBytes is get for a byte slice, without copying it.
func (v *vocabTable) getBytes(key []byte) (int32, bool) {
	h := maphash.Bytes(v.seed, key)
	tag := uint32(h >> 32)
	for i := h & v.mask; ; i = (i + 1) & v.mask {
		s := v.slots[i]
		if s.id1 == 0 {
			return 0, false
		}
		if s.tag == tag && v.pieces[s.id1-1] == string(key) {
			return s.id1 - 1, true
		}
	}
}
