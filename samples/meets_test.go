package samples_test

import (
	"math"
	"testing"
)

// TestMeetsFailsOnNaN: the toy model's target checks must fail for a NaN
// metric (an empty set of scenes or patches) in both directions, which
// the earlier form "v < want → fail" did not do.
func TestMeetsFailsOnNaN(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		v, want float64
		atLeast bool
		ok      bool
	}{
		{0.9, 0.85, true, true},
		{0.85, 0.85, true, true},
		{0.8, 0.85, true, false},
		{0.05, 0.1, false, true},
		{0.2, 0.1, false, false},
		{nan, 0.85, true, false},
		{nan, 0.1, false, false},
		{mean(nil), 0.5, true, false},
		{mean(nil), 0.5, false, false},
		{math.Inf(1), 0.1, false, false},
	} {
		if got := meets(tc.v, tc.want, tc.atLeast); got != tc.ok {
			t.Errorf("meets(%v, %v, atLeast=%v) = %v, want %v", tc.v, tc.want, tc.atLeast, got, tc.ok)
		}
	}
}
