package inspect

import (
	"math"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/internal/testmodel"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// testModel is the shared tiny random-weight model (internal/testmodel).
func testModel(t testing.TB) *engine.Model {
	t.Helper()
	m, err := testmodel.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testImage is testmodel's structured picture.
func testImage(w, h int) *preprocess.Image { return testmodel.Image(w, h) }

// closeTo reports |got-want| ≤ abs + rel·|want|.
func closeTo(got, want, abs, rel float64) bool {
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}
