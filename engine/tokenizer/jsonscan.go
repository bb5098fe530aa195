package tokenizer

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small hand-written JSON reader over a byte slice. It exists
// because encoding/json needs about a second (and hundreds of megabytes) to
// decode the 17 MB vocabulary and merge list of a Gemma tokenizer.json into
// maps, while the tokenizer only needs to look at each key once. The scanner
// reads the two big values (model.vocab and model.merges) in place and hands
// every other value, as raw bytes, to encoding/json.
//
// All methods report malformed input as an error carrying the byte offset;
// none of them panics on any input.
type scanner struct {
	b   []byte
	pos int
}

// errorf describes malformed JSON at the scanner's position.
func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.pos, fmt.Sprintf(format, args...))
}

// skipSpace advances past JSON whitespace.
func (s *scanner) skipSpace() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it (0 at the end).
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos >= len(s.b) {
		return 0
	}
	return s.b[s.pos]
}

// expect consumes the byte c (after whitespace) or fails.
func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		if s.pos >= len(s.b) {
			return s.errorf("unexpected end of input, want %q", c)
		}
		return s.errorf("found %q, want %q", s.b[s.pos], c)
	}
	s.pos++
	return nil
}

// string appends the decoded JSON string that starts at the scanner's
// position to dst. Escapes are decoded as encoding/json decodes them: an
// unpaired surrogate escape becomes U+FFFD, and so does each byte of
// invalid UTF-8.
func (s *scanner) string(dst []byte) ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return dst, err
	}
	// Fast path: valid UTF-8 without escapes.
	start := s.pos
	i := start
	var high byte // OR of the bytes: bit 7 set if any is non-ASCII
	for i < len(s.b) && !stringStop[s.b[i]] {
		high |= s.b[i]
		i++
	}
	switch {
	case i == len(s.b):
		s.pos = i
		return dst, s.errorf("unterminated string")
	case s.b[i] == '"':
		if high < utf8.RuneSelf || utf8.Valid(s.b[start:i]) {
			s.pos = i + 1
			return append(dst, s.b[start:i]...), nil
		}
		return s.slowString(dst, start)
	case s.b[i] == '\\':
		return s.slowString(dst, start)
	default:
		s.pos = i
		return dst, s.errorf("control character %#02x in string", s.b[i])
	}
}

// stringStop marks the bytes that end the fast scan of a string: the
// closing quote, a backslash, and control characters (invalid in JSON).
var stringStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// slowString decodes a string with escapes or invalid UTF-8, starting after
// its opening quote at start.
func (s *scanner) slowString(dst []byte, start int) ([]byte, error) {
	i := start
	for i < len(s.b) {
		c := s.b[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return dst, nil
		case c < 0x20:
			s.pos = i
			return dst, s.errorf("control character %#02x in string", c)
		case c == '\\':
			if i+1 >= len(s.b) {
				s.pos = i
				return dst, s.errorf("unterminated escape")
			}
			e := s.b[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				dst = append(dst, e)
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, ok := hex4(s.b, i)
				if !ok {
					s.pos = i
					return dst, s.errorf(`bad \u escape`)
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A high surrogate followed by a low one is one rune;
					// anything else is replaced, as encoding/json does.
					if i+1 < len(s.b) && s.b[i] == '\\' && s.b[i+1] == 'u' {
						if r2, ok := hex4(s.b, i+2); ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								dst = utf8.AppendRune(dst, dec)
								i += 6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
			default:
				s.pos = i - 1
				return dst, s.errorf("bad escape \\%c", e)
			}
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(s.b[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, s.b[i:i+size]...)
			}
			i += size
		}
	}
	s.pos = len(s.b)
	return dst, s.errorf("unterminated string")
}

// hex4 decodes four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// uint31 reads a non-negative JSON integer that fits in an int32.
func (s *scanner) uint31() (int, error) {
	s.skipSpace()
	start := s.pos
	n := 0
	for s.pos < len(s.b) && '0' <= s.b[s.pos] && s.b[s.pos] <= '9' {
		n = n*10 + int(s.b[s.pos]-'0')
		if n > 1<<31-1 {
			return 0, s.errorf("integer too large")
		}
		s.pos++
	}
	if s.pos == start {
		return 0, s.errorf("want a non-negative integer")
	}
	if s.pos-start > 1 && s.b[start] == '0' {
		return 0, s.errorf("integer with a leading zero")
	}
	if s.pos < len(s.b) {
		switch s.b[s.pos] {
		case '.', 'e', 'E':
			return 0, s.errorf("want an integer, found a fraction or exponent")
		}
	}
	return n, nil
}

// maxDepth bounds nesting so that skipping hostile input cannot recurse
// without limit (skip is iterative, but the bound keeps errors clear).
const maxDepth = 10000

// skip advances past one JSON value of any kind and returns its raw bytes.
// It checks the structure (brackets, strings, literals) but not the finer
// number grammar; values it returns are re-parsed by encoding/json.
func (s *scanner) skip() ([]byte, error) {
	s.skipSpace()
	start := s.pos
	var stack []byte // expected closing brackets
	for {
		s.skipSpace()
		if s.pos >= len(s.b) {
			return nil, s.errorf("unexpected end of input")
		}
		c := s.b[s.pos]
		switch {
		case c == '{' || c == '[':
			if len(stack) >= maxDepth {
				return nil, s.errorf("nesting deeper than %d", maxDepth)
			}
			if c == '{' {
				stack = append(stack, '}')
			} else {
				stack = append(stack, ']')
			}
			s.pos++
			if s.peek() == stack[len(stack)-1] {
				s.pos++
				stack = stack[:len(stack)-1]
				break
			}
			if c == '{' {
				if err := s.skipKey(); err != nil {
					return nil, err
				}
			}
			continue
		case c == '"':
			if err := s.skipString(); err != nil {
				return nil, err
			}
		case c == '-' || ('0' <= c && c <= '9'):
			for s.pos < len(s.b) && isNumberByte(s.b[s.pos]) {
				s.pos++
			}
		case c == 't':
			if err := s.literal("true"); err != nil {
				return nil, err
			}
		case c == 'f':
			if err := s.literal("false"); err != nil {
				return nil, err
			}
		case c == 'n':
			if err := s.literal("null"); err != nil {
				return nil, err
			}
		default:
			return nil, s.errorf("unexpected %q", c)
		}
		// A value ended: close brackets or move to the next element.
		for {
			if len(stack) == 0 {
				return s.b[start:s.pos], nil
			}
			switch s.peek() {
			case ',':
				s.pos++
				if stack[len(stack)-1] == '}' {
					if err := s.skipKey(); err != nil {
						return nil, err
					}
				}
			case stack[len(stack)-1]:
				s.pos++
				stack = stack[:len(stack)-1]
				continue
			default:
				if s.pos >= len(s.b) {
					return nil, s.errorf("unexpected end of input")
				}
				return nil, s.errorf("found %q, want ',' or %q", s.b[s.pos], stack[len(stack)-1])
			}
			break
		}
	}
}

// skipKey advances past an object key and its colon.
func (s *scanner) skipKey() error {
	if s.peek() != '"' {
		return s.errorf("want an object key")
	}
	if err := s.skipString(); err != nil {
		return err
	}
	return s.expect(':')
}

// skipString advances past a string without decoding it.
func (s *scanner) skipString() error {
	s.pos++ // opening quote
	for s.pos < len(s.b) {
		switch c := s.b[s.pos]; {
		case c == '"':
			s.pos++
			return nil
		case c == '\\':
			s.pos += 2
		case c < 0x20:
			return s.errorf("control character %#02x in string", c)
		default:
			s.pos++
		}
	}
	return s.errorf("unterminated string")
}

// literal consumes the keyword lit.
func (s *scanner) literal(lit string) error {
	if len(s.b)-s.pos < len(lit) || string(s.b[s.pos:s.pos+len(lit)]) != lit {
		return s.errorf("bad literal, want %s", lit)
	}
	s.pos += len(lit)
	return nil
}

func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// object calls field for each key of the object at the scanner's position;
// field must consume the key's value.
func (s *scanner) object(field func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	var key []byte
	for {
		var err error
		key, err = s.string(key[:0])
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := field(string(key)); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.errorf("want ',' or '}' after an object value")
		}
	}
}

// array calls elem for each element of the array at the scanner's
// position; elem must consume the element.
func (s *scanner) array(elem func(i int) error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.errorf("want ',' or ']' after an array element")
		}
	}
}

// end checks that only whitespace follows the top-level value.
func (s *scanner) end() error {
	s.skipSpace()
	if s.pos != len(s.b) {
		return s.errorf("data after the top-level value")
	}
	return nil
}
