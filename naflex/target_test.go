package naflex

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestTargetSizeMatchesPython compares TargetSize with transformers'
// get_image_size_for_max_num_patches on 2226 generated cases
// (testdata/gen_naflex.py).
func TestTargetSizeMatchesPython(t *testing.T) {
	b, err := os.ReadFile("testdata/target_sizes.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][6]int
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2000 {
		t.Fatalf("only %d rows", len(rows))
	}
	bad := 0
	for _, r := range rows {
		h, w, err := TargetSize(r[0], r[1], r[2], r[3])
		if err != nil || h != r[4] || w != r[5] {
			bad++
			if bad <= 10 {
				t.Errorf("TargetSize(h=%d, w=%d, patch=%d, max=%d) = %d, %d, %v; Python %d, %d",
					r[0], r[1], r[2], r[3], h, w, err, r[4], r[5])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases differ", bad, len(rows))
	}
}

// TestTargetSizeReference pins the sizes listed in testdata/reference/README.md.
func TestTargetSizeReference(t *testing.T) {
	tests := []struct{ h, w, mnp, th, tw int }{
		{61, 97, 16, 48, 80}, {120, 40, 16, 96, 32}, {64, 64, 16, 64, 64}, {37, 53, 16, 48, 80},
		{61, 97, 64, 96, 160}, {120, 40, 64, 192, 64}, {64, 64, 64, 128, 128}, {37, 53, 64, 112, 144},
	}
	for _, tc := range tests {
		h, w, err := TargetSize(tc.h, tc.w, 16, tc.mnp)
		if err != nil || h != tc.th || w != tc.tw {
			t.Errorf("TargetSize(%d, %d, 16, %d) = %d, %d, %v; want %d, %d", tc.h, tc.w, tc.mnp, h, w, err, tc.th, tc.tw)
		}
	}
}

func TestTargetSizeRejectsBadInput(t *testing.T) {
	for _, a := range [][4]int{{0, 5, 16, 64}, {5, 0, 16, 64}, {-1, 5, 16, 64}, {5, 5, 0, 64}, {5, 5, -16, 64}, {5, 5, 16, 0}, {5, 5, 16, -3}} {
		if h, w, err := TargetSize(a[0], a[1], a[2], a[3]); err == nil {
			t.Errorf("TargetSize%v = %d, %d, want an error", a, h, w)
		}
	}
	// Absurd but valid sizes terminate and respect the budget.
	h, w, err := TargetSize(1<<40, 1, 16, 1<<20)
	if err != nil || h%16 != 0 || w != 16 || (h/16)*(w/16) > 1<<20 {
		t.Errorf("huge image: %d, %d, %v", h, w, err)
	}
}

// TestTargetSizeOverBudgetRefused: a 1×10⁹ image at patch 16 needs 63
// patches along its long side even at the smallest scale (10⁻⁶), so a
// budget of 16 cannot be met: an error, not 63 patches.
func TestTargetSizeOverBudgetRefused(t *testing.T) {
	for _, tc := range []struct {
		h, w, patch, max int
		ok               bool
	}{
		{1, 1_000_000_000, 16, 16, false},
		{1_000_000_000, 1, 16, 62, false},
		{1_000_000_000, 1, 16, 63, true},
		{1, 1_000_000, 16, 1, true},
	} {
		h, w, err := TargetSize(tc.h, tc.w, tc.patch, tc.max)
		if tc.ok != (err == nil) {
			t.Errorf("TargetSize(%d, %d, %d, %d) = %d, %d, %v; want ok=%v", tc.h, tc.w, tc.patch, tc.max, h, w, err, tc.ok)
		}
		if err == nil && (h/tc.patch)*(w/tc.patch) > tc.max {
			t.Errorf("TargetSize(%d, %d, %d, %d) = %dx%d: over the budget", tc.h, tc.w, tc.patch, tc.max, h, w)
		}
		if err != nil && !strings.Contains(err.Error(), "max_num_patches") {
			t.Errorf("error %q does not name max_num_patches", err)
		}
	}
}

// FuzzTargetSize: for any arguments TargetSize returns an error or a size
// whose sides are positive multiples of the patch, within the budget,
// and never panics or loops.
func FuzzTargetSize(f *testing.F) {
	f.Add(61, 97, 16, 16)
	f.Add(1, 1_000_000_000, 16, 16)
	f.Add(8192, 8192, 14, 1024)
	f.Add(0, 5, 16, 64)
	f.Fuzz(func(t *testing.T, height, width, patch, maxPatches int) {
		h, w, err := TargetSize(height, width, patch, maxPatches)
		if err != nil {
			return
		}
		if height <= 0 || width <= 0 || patch <= 0 || maxPatches <= 0 {
			t.Fatalf("TargetSize(%d, %d, %d, %d) accepted a non-positive argument", height, width, patch, maxPatches)
		}
		if h < patch || w < patch || h%patch != 0 || w%patch != 0 {
			t.Fatalf("TargetSize(%d, %d, %d, %d) = %dx%d: not positive multiples of the patch", height, width, patch, maxPatches, h, w)
		}
		if n := int64(h/patch) * int64(w/patch); n > int64(maxPatches) {
			t.Fatalf("TargetSize(%d, %d, %d, %d) = %dx%d: %d patches, over the budget", height, width, patch, maxPatches, h, w, n)
		}
	})
}
