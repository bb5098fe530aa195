package inspect

import (
	"context"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
)

func TestWithoutWord(t *testing.T) {
	cases := []struct {
		label string
		i     int
		want  string
	}{
		{"a big  red\tcircle", 0, "big red circle"},
		{"a big  red\tcircle", 2, "a big circle"},
		{"a big  red\tcircle", 3, "a big red"},
		{"a cat and a dog", 3, "a cat and dog"}, // one occurrence at a time
		{"cat", 0, ""},
		{"a cat", 5, "a cat"}, // out of range: nothing removed
	}
	for _, c := range cases {
		if got := WithoutWord(c.label, c.i); got != c.want {
			t.Errorf("WithoutWord(%q, %d) = %q, want %q", c.label, c.i, got, c.want)
		}
	}
}

// Each word's logit is what scoring the shortened label on its own gives
// (a separate EncodeLabels and ScoreLabels per label, as classify would),
// and the delta is that minus the full label's.
func TestDeleteWords(t *testing.T) {
	a := testAnalysis(t)
	m := a.Model
	p := engine.PromptOptions{Template: "{}"}
	label := "a cat at  a cab"
	d, err := DeleteWords(context.Background(), m, a.ImageEmbedding(), label, p)
	if err != nil {
		t.Fatal(err)
	}
	score := func(text string) (string, float32) {
		l, _, err := m.EncodeLabels(context.Background(), []string{text}, p)
		if err != nil {
			t.Fatal(err)
		}
		s, err := m.ScoreLabels(a.ImageEmbedding(), l)
		if err != nil {
			t.Fatal(err)
		}
		return l[0].Prompt, s[0].Logit
	}
	prompt, full := score(label)
	if d.Logit != full || d.Prompt != prompt || d.Label != label {
		t.Errorf("full label: %q %v, want %q %v", d.Prompt, d.Logit, prompt, full)
	}
	words := []string{"a", "cat", "at", "a", "cab"}
	if len(d.Words) != len(words) {
		t.Fatalf("%d words, want %d", len(d.Words), len(words))
	}
	nonzero := 0
	for i, w := range d.Words {
		want := WithoutWord(label, i)
		_, logit := score(want)
		if w.Word != words[i] || w.Index != i || w.Without != want || w.Logit != logit || w.Delta != logit-full {
			t.Errorf("word %d: %+v, want %q without → %q, logit %v, delta %v", i, w, words[i], want, logit, logit-full)
		}
		if w.Delta != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Error("every delta is 0: removing words changed nothing")
	}
	js := d.JSON()
	if js.Label != label || len(js.Words) != 5 || js.Words[1].Without != "a at a cab" || float32(js.Words[1].Delta) != d.Words[1].Delta {
		t.Errorf("JSON %+v", js)
	}
	if _, err := DeleteWords(context.Background(), m, a.ImageEmbedding(), "  ", p); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty label: err %v", err)
	}
}
