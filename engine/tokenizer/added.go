package tokenizer

// addedToken is a token matched on the raw text before normalisation and
// BPE (Gemma: <eos>, <b>, <table>, runs of '\n' and '▁', <unusedN> ...).
type addedToken struct {
	content string
	id      int32
	lstrip  bool // swallow whitespace before the token
	rstrip  bool // swallow whitespace after the token
	special bool
}

// addedMatcher finds added tokens in text, leftmost-longest, with a byte
// trie. Every token starts with a complete UTF-8 sequence, so a match can
// only start at a character boundary.
type addedMatcher struct {
	// root maps a first byte to its trie node (0: none).
	root [256]int32
	// nodes[0] is unused so that 0 can mean "no node".
	nodes []trieNode
	toks  []addedToken
	ids   map[string]int32
}

// trieNode is one state of the trie: its children sorted by byte, and the
// index+1 in toks of the token ending here (0: none).
type trieNode struct {
	edges []trieEdge
	tok   int32
}

type trieEdge struct {
	b    byte
	node int32
}

func newAddedMatcher(toks []addedToken) addedMatcher {
	m := addedMatcher{nodes: make([]trieNode, 1), toks: toks, ids: make(map[string]int32, len(toks))}
	for i, tk := range toks {
		m.ids[tk.content] = tk.id
		s := tk.content
		n := m.root[s[0]]
		if n == 0 {
			n = int32(len(m.nodes))
			m.nodes = append(m.nodes, trieNode{})
			m.root[s[0]] = n
		}
		for j := 1; j < len(s); j++ {
			next := m.nodes[n].child(s[j])
			if next == 0 {
				next = int32(len(m.nodes))
				m.nodes = append(m.nodes, trieNode{})
				m.nodes[n].addChild(s[j], next)
			}
			n = next
		}
		// A later duplicate replaces an earlier one.
		m.nodes[n].tok = int32(i + 1)
	}
	return m
}

func (n *trieNode) child(b byte) int32 {
	for _, e := range n.edges {
		if e.b == b {
			return e.node
		}
	}
	return 0
}

func (n *trieNode) addChild(b byte, node int32) {
	n.edges = append(n.edges, trieEdge{b, node})
}

// longest returns the index+1 of the longest added token that starts at
// s[i:], and its length (0, 0: none).
func (m *addedMatcher) longest(s string, i int) (tok int32, n int) {
	node := m.root[s[i]]
	for j := i + 1; node != 0; j++ {
		if t := m.nodes[node].tok; t != 0 {
			tok, n = t, j-i
		}
		if j >= len(s) {
			break
		}
		node = m.nodes[node].child(s[j])
	}
	return tok, n
}

// section is a piece of the input: raw text (tok == 0) or an added token
// (tok = index+1 in the matcher's list).
type section struct {
	start, end int
	tok        int32
}

// split cuts s into text and added-token sections, leftmost-longest, and
// applies the tokens' lstrip/rstrip to the neighbouring text.
func (m *addedMatcher) split(s string, out []section) []section {
	start := 0
	if len(m.toks) == 0 {
		if len(s) > 0 {
			out = append(out, section{0, len(s), 0})
		}
		return out
	}
	for i := 0; i < len(s); {
		if m.root[s[i]] == 0 {
			i++
			continue
		}
		tok, n := m.longest(s, i)
		if tok == 0 {
			i++
			continue
		}
		if i > start {
			out = append(out, section{start, i, 0})
		}
		out = append(out, section{i, i + n, tok})
		i += n
		start = i
	}
	if start < len(s) {
		out = append(out, section{start, len(s), 0})
	}
	for k, sec := range out {
		if sec.tok == 0 {
			continue
		}
		tk := m.toks[sec.tok-1]
		if tk.lstrip && k > 0 && out[k-1].tok == 0 {
			p := &out[k-1]
			for p.end > p.start {
				r, size := lastRune(s[p.start:p.end])
				if !jsSpace(r) {
					break
				}
				p.end -= size
			}
		}
		if tk.rstrip && k+1 < len(out) && out[k+1].tok == 0 {
			p := &out[k+1]
			for p.start < p.end {
				r, size := firstRune(s[p.start:p.end])
				if !jsSpace(r) {
					break
				}
				p.start += size
			}
		}
	}
	return out
}

// jsSpace reports whether JavaScript's String.prototype.trim removes r
// (WhiteSpace and LineTerminator), which is how transformers.js applies an
// added token's lstrip/rstrip.
func jsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return 0x2000 <= r && r <= 0x200A
}
