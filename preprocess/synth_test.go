package preprocess

import "fmt"

// mix64 is the splitmix64 finaliser used by testdata/gen_resize.py.
func mix64(v uint64) uint64 {
	v += 0x9E3779B97F4A7C15
	v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9
	v = (v ^ (v >> 27)) * 0x94D049BB133111EB
	return v ^ (v >> 31)
}

// synth reimplements synth() of testdata/gen_resize.py: deterministic RGB
// test images from (kind, seed, w, h).
func synth(kind int, seed uint32, w, h int) (*Image, error) {
	im := &Image{Width: w, Height: h, Pix: make([]uint8, 3*w*h)}
	s := int64(seed)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := 3 * (y*w + x)
			p := im.Pix[i : i+3]
			X, Y := int64(x), int64(y)
			switch kind {
			case 0:
				for c := range 3 {
					p[c] = uint8(mix64(uint64(seed)<<32 + uint64(i+c)))
				}
			case 1:
				p[0] = uint8((X*7 + Y*3 + s) % 256)
				p[1] = uint8(((X/5 + Y/3 + s) % 2) * 255)
				if (X*X+Y*Y+s)%97 < 40 {
					p[2] = 255
				}
			case 2:
				cell := uint64((Y/8)*4096 + X/8)
				base := uint64(seed)<<32 + cell*3
				for c := range 3 {
					p[c] = uint8(mix64(base + uint64(c)))
				}
			case 3:
				p[0], p[1], p[2] = uint8(seed), uint8(seed>>8), uint8(seed>>16)
			default:
				return nil, fmt.Errorf("unknown synth kind %d", kind)
			}
		}
	}
	return im, nil
}
