package cli

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/hub"
)

// towerDims are the published widths and depths of each SigLIP 2 family.
type towerDims struct{ hidden, mlp, layers int64 }

var familyDims = map[string]struct{ vision, text towerDims }{
	"base":      {towerDims{768, 3072, 12}, towerDims{768, 3072, 12}},
	"large":     {towerDims{1024, 4096, 24}, towerDims{1024, 4096, 24}},
	"so400m":    {towerDims{1152, 4304, 27}, towerDims{1152, 4304, 27}},
	"giant-opt": {towerDims{1536, 6144, 40}, towerDims{1152, 4304, 27}},
}

// countParams counts SigLIP 2 parameters from the architecture, as
// transformers builds it: per layer two layer norms, q/k/v/out projections
// and a two-layer MLP; a patch embedding and a position table for the
// vision tower, a MAP head (probe, in/out projection, norm, MLP); a 256k
// token table, 64 positions, a final norm and a head projecting to the
// vision width for the text tower; logit scale and bias.
func countParams(family string, patch, positions int64) int64 {
	d := familyDims[family]
	layer := func(t towerDims) int64 {
		h, m := t.hidden, t.mlp
		return 2*2*h + 4*(h*h+h) + (h*m + m) + (m*h + h)
	}
	v, tx := d.vision, d.text
	h := v.hidden
	vision := 3*patch*patch*h + h + positions*h + v.layers*layer(v) + 2*h +
		h + 3*h*h + 3*h + (h*h + h) + 2*h + (h*v.mlp + v.mlp) + (v.mlp*h + h)
	text := 256_000*tx.hidden + 64*tx.hidden + tx.layers*layer(tx) + 2*tx.hidden + tx.hidden*h + h
	return vision + text + 2
}

func TestCatalogueParamsMatchArchitecture(t *testing.T) {
	// The hub's model page gives 375,187,970 parameters for the default.
	if got := countParams("base", 16, 196); got != 375_187_970 {
		t.Fatalf("countParams(base/16 @224) = %d, the hub says 375187970: the formula is off", got)
	}
	for _, c := range siglip2Checkpoints {
		positions := int64(256) // NaFlex: a 16×16 table, resized per image
		if c.resolution > 0 {
			side := int64(c.resolution / c.patch)
			positions = side * side
		}
		if want := countParams(c.size, int64(c.patch), positions); c.params != want {
			t.Errorf("%s: params %d, architecture gives %d", c.id, c.params, want)
		}
	}
}

func TestCatalogueIDs(t *testing.T) {
	re := regexp.MustCompile(`^google/siglip2-(base|large|so400m|giant-opt)-patch(14|16|32)-(224|256|384|512|naflex)$`)
	seen := map[string]bool{}
	naflex := 0
	for _, c := range siglip2Checkpoints {
		if err := hub.ValidateRepoID(c.id); err != nil {
			t.Error(err)
		}
		if !re.MatchString(c.id) || seen[c.id] {
			t.Errorf("bad or repeated id %q", c.id)
		}
		want := fmt.Sprintf("google/siglip2-%s-patch%d-%d", c.size, c.patch, c.resolution)
		if c.resolution == 0 {
			want = fmt.Sprintf("google/siglip2-%s-patch%d-naflex", c.size, c.patch)
			naflex++
		}
		if c.id != want {
			t.Errorf("%s: fields say %s", c.id, want)
		}
		seen[c.id] = true
	}
	if !seen[defaultModel] {
		t.Errorf("the default %s is not in the catalogue", defaultModel)
	}
	if len(siglip2Checkpoints) != 17 || naflex != 2 {
		t.Errorf("%d checkpoints, %d NaFlex; the SigLIP 2 collection has 17 and 2", len(siglip2Checkpoints), naflex)
	}
}

func TestFormatParams(t *testing.T) {
	for n, want := range map[int64]string{375_187_970: "375M", 881_526_786: "882M", 1_136_008_498: "1.14B", 1_871_393_906: "1.87B"} {
		if got := formatParams(n); got != want {
			t.Errorf("formatParams(%d) = %q, want %q", n, got, want)
		}
	}
}
