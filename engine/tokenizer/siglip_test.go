package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

func TestPrompt(t *testing.T) {
	for _, c := range []struct {
		label, template string
		lower           bool
		want            string
	}{
		{"Cat", "", true, "this is a photo of cat."},
		{"Cat", "", false, "this is a photo of Cat."},
		{"Golden Retriever", DefaultTemplate, true, "this is a photo of golden retriever."},
		{"Cat", "A {} Here", false, "A Cat Here"},
		{"Cat", "A {} Here", true, "a cat here"},
		{"ÉCOLE Ärger", "{}", true, "école ärger"},
		{"ΣΟΦΙΑ", "{}", true, "σοφια"},
		{"", "{}", true, ""},
		{"x\xffY", "{}", true, "x\uFFFDy"},
		{"{}", "a {} b", false, "a {} b"}, // the label is inserted once, not re-expanded
	} {
		got, err := Prompt(c.label, c.template, c.lower)
		if err != nil {
			t.Fatalf("Prompt(%q, %q, %v): %v", c.label, c.template, c.lower, err)
		}
		if got != c.want {
			t.Errorf("Prompt(%q, %q, %v) = %q, want %q", c.label, c.template, c.lower, got, c.want)
		}
	}
	for _, tmpl := range []string{"no placeholder", "{} and {}", "{ }"} {
		if _, err := Prompt("cat", tmpl, true); err == nil || !strings.Contains(err.Error(), "placeholder") {
			t.Errorf("Prompt with template %q: error %v", tmpl, err)
		}
	}
}

// TestRealEdgeCases runs the real tokenizer on inputs that must not panic
// and must frame correctly.
func TestRealEdgeCases(t *testing.T) {
	tok := realTokenizer(t)

	// Empty text: only <eos>, then padding.
	got, err := tok.EncodeSigLIP("", SigLIP2Length)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]int{1}, make([]int, 63)...)
	if !slices.Equal(got, want) {
		t.Errorf("EncodeSigLIP(\"\") = %v", got)
	}

	// Invalid UTF-8 reads as U+FFFD, one per maximal subpart.
	for _, c := range []struct{ bad, good string }{
		{"a\xf0\x9f\x98b", "a\uFFFDb"},
		{"\xff\xfe cat", "\uFFFD\uFFFD cat"},
		{"<eos>\xed\xa0\x80", "<eos>\uFFFD\uFFFD\uFFFD"},
	} {
		if g, w := tok.Encode(c.bad), tok.Encode(c.good); !slices.Equal(g, w) {
			t.Errorf("Encode(%q) = %v, want Encode(%q) = %v", c.bad, g, c.good, w)
		}
	}
	// U+FFFD is a vocabulary token in Gemma, so the count is visible.
	fffd, ok := tok.TokenID("\uFFFD")
	if !ok {
		t.Fatal("U+FFFD is not a token")
	}
	if g := tok.Encode("\xf0\x9f\x98"); !slices.Equal(g, []int{fffd}) {
		t.Errorf("Encode(truncated emoji) = %v, want [%d]", g, fffd)
	}

	// NUL bytes are ordinary characters: byte fallback <0x00>.
	nul, _ := tok.TokenID("<0x00>")
	if g := tok.Encode("\x00\x00"); !slices.Equal(g, []int{nul, nul}) {
		t.Errorf("Encode(NUL NUL) = %v, want [%d %d]", g, nul, nul)
	}
}

// TestRealLongText encodes about 1 MB of text: no panic, and EncodeSigLIP
// keeps exactly the first 63 ids of the full encoding, then <eos>.
func TestRealLongText(t *testing.T) {
	tok := realTokenizer(t)
	unit := "A photo of a cat, 日本語のテキスト 😀 with <b>bold</b>\n\tand spaces   . "
	text := strings.Repeat(unit, (1<<20)/len(unit)+1)
	if testing.Short() {
		text = text[:1<<16]
	}
	full := tok.Encode(text)
	if len(full) < 64 {
		t.Fatalf("only %d ids for %d bytes", len(full), len(text))
	}
	framed, err := tok.EncodeSigLIP(text, SigLIP2Length)
	if err != nil {
		t.Fatal(err)
	}
	if len(framed) != 64 || !slices.Equal(framed[:63], full[:63]) || framed[63] != 1 {
		t.Errorf("EncodeSigLIP of long text = %v; first 63 of Encode = %v", framed, full[:63])
	}
	// The unit ends in a space followed by "A" of the next unit, so the
	// repeats tokenize the same way each time after the first.
	one := tok.Encode(unit)
	if !slices.Equal(full[:len(one)-1], one[:len(one)-1]) {
		t.Errorf("long text does not start with the unit's tokens")
	}

	// One long word: a 256 KiB run with no added tokens.
	run := strings.Repeat("ab", 1<<17)
	ids := tok.Encode(run)
	if len(ids) == 0 || len(ids) > len(run) {
		t.Errorf("Encode(1 MB run) gave %d ids", len(ids))
	}
}
