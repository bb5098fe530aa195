package naflex

import "testing"

func TestPatchifyLayout(t *testing.T) {
	// 4x6 image (h=4, w=6), patch 2: grid 2x3. Value encodes (y, x, c).
	const h, w, p = 4, 6, 2
	pix := make([]float32, h*w*3)
	for y := range h {
		for x := range w {
			for c := range 3 {
				pix[(y*w+x)*3+c] = float32(100*y + 10*x + c)
			}
		}
	}
	patches, mask, gh, gw, err := Patchify(pix, h, w, p, 8)
	if err != nil {
		t.Fatal(err)
	}
	if gh != 2 || gw != 3 || len(patches) != 8*p*p*3 || len(mask) != 8 {
		t.Fatalf("grid %dx%d, %d values, %d mask", gh, gw, len(patches), len(mask))
	}
	per := p * p * 3
	for n := range 8 {
		wantMask := int32(0)
		if n < 6 {
			wantMask = 1
		}
		if mask[n] != wantMask {
			t.Errorf("mask[%d] = %d", n, mask[n])
		}
		for py := range p {
			for px := range p {
				for c := range 3 {
					got := patches[n*per+(py*p+px)*3+c]
					want := float32(0)
					if n < 6 {
						gy, gx := n/3, n%3 // row-major grid order
						want = float32(100*(gy*p+py) + 10*(gx*p+px) + c)
					}
					if got != want {
						t.Fatalf("patch %d (py=%d px=%d c=%d) = %v, want %v", n, py, px, c, got, want)
					}
				}
			}
		}
	}
}

func TestPatchifyRejectsBadInput(t *testing.T) {
	tests := []struct {
		name              string
		n, h, w, p, limit int
	}{
		{"not a multiple", 5 * 4 * 3, 5, 4, 2, 10},
		{"wrong length", 10, 4, 4, 2, 10},
		{"too many patches", 4 * 4 * 3, 4, 4, 2, 3},
		{"zero patch", 4 * 4 * 3, 4, 4, 0, 3},
		{"zero size", 0, 0, 4, 2, 3},
	}
	for _, tc := range tests {
		if _, _, _, _, err := Patchify(make([]float32, tc.n), tc.h, tc.w, tc.p, tc.limit); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
