package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// Decode turns ids back into text as Gemma's decoder does (Hugging Face's
// decode with skip_special_tokens=False): '▁' becomes ' ', runs of <0xNN>
// byte tokens become the bytes they spell (each byte U+FFFD when the run
// is not valid UTF-8), and added tokens such as <eos> appear as written.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	pieces, err := t.Pieces(ids)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	var bytes []byte
	flush := func() {
		if utf8.Valid(bytes) {
			b.Write(bytes)
		} else {
			for range bytes {
				b.WriteRune(utf8.RuneError)
			}
		}
		bytes = bytes[:0]
	}
	for _, p := range pieces {
		if v, ok := parseByteToken(p); ok {
			bytes = append(bytes, v)
			continue
		}
		flush()
		b.WriteString(strings.ReplaceAll(p, "▁", " "))
	}
	flush()
	return b.String(), nil
}

// parseByteToken reads a byte-fallback piece <0xNN>.
func parseByteToken(p string) (byte, bool) {
	if len(p) != 6 || p[:3] != "<0x" || p[5] != '>' {
		return 0, false
	}
	var v byte
	for _, c := range []byte(p[3:5]) {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | (c - '0')
		case 'A' <= c && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		case 'a' <= c && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}
