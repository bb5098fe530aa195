package viz

import (
	"strings"
	"testing"
)

func TestAttentionRow(t *testing.T) {
	const heads, tokens = 3, 7
	attn := randSoftmaxRows(11, heads, tokens, 5)
	cases := []struct {
		name               string
		valid, query, head int
	}{
		{"head 0", 7, 2, 0},
		{"last head", 7, 6, 2},
		{"mean", 7, 3, MeanHeads},
		{"padding keys dropped", 5, 4, 1},
		{"padding keys dropped, mean", 5, 0, MeanHeads},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := AttentionRow(attn, heads, tokens, c.valid, c.query, c.head)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float64, c.valid)
			for j := range want {
				if c.head == MeanHeads {
					for h := range heads {
						want[j] += float64(attn[h*tokens*tokens+c.query*tokens+j]) / heads
					}
				} else {
					want[j] = float64(attn[c.head*tokens*tokens+c.query*tokens+j])
				}
			}
			assertClose(t, "row", got, want, 1e-7, 1e-6)
		})
	}
}

func TestPoolingAttention(t *testing.T) {
	// 2 heads × 4 tokens, the last token padding.
	attn := []float32{
		0.1, 0.2, 0.7, 0,
		0.5, 0.25, 0.25, 0,
	}
	cases := []struct {
		name  string
		valid int
		head  int
		want  []float64
	}{
		{"head 0", 3, 0, []float64{0.1, 0.2, 0.7}},
		{"head 1", 3, 1, []float64{0.5, 0.25, 0.25}},
		{"mean", 3, MeanHeads, []float64{0.3, 0.225, 0.475}},
		{"all tokens", 4, 1, []float64{0.5, 0.25, 0.25, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PoolingAttention(attn, 2, 4, c.valid, c.head)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, "pooling", got, c.want, 1e-7, 1e-6)
		})
	}
}

func TestAttentionErrors(t *testing.T) {
	attn := randSoftmaxRows(1, 2, 4, 4)
	pool := make([]float32, 8)
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"short attention", func() error { _, err := AttentionRow(attn[:10], 2, 4, 4, 0, 0); return err }, "want heads"},
		{"bad head", func() error { _, err := AttentionRow(attn, 2, 4, 4, 0, 2); return err }, "head 2"},
		{"negative head", func() error { _, err := AttentionRow(attn, 2, 4, 4, 0, -3); return err }, "head -3"},
		{"query in padding", func() error { _, err := AttentionRow(attn, 2, 4, 3, 3, 0); return err }, "query token 3"},
		{"valid too big", func() error { _, err := AttentionRow(attn, 2, 4, 5, 0, 0); return err }, "valid tokens 5"},
		{"zero heads", func() error { _, err := AttentionRow(attn, 0, 4, 4, 0, 0); return err }, "must be positive"},
		{"pool length", func() error { _, err := PoolingAttention(pool[:7], 2, 4, 4, 0); return err }, "want heads"},
		{"pool head", func() error { _, err := PoolingAttention(pool, 2, 4, 4, 5); return err }, "head 5"},
		{"pool valid", func() error { _, err := PoolingAttention(pool, 2, 4, 0, 0); return err }, "valid tokens 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
