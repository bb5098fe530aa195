package preprocess

import (
	"fmt"
	"testing"
)

// BenchmarkResize measures Resize on a 4000x3000 photo-sized image to the
// fixed 384x384 input and to the NaFlex sizes TargetSize gives for
// 3000x4000 at patch 16 with 256, 576 and 1024 patches.
func BenchmarkResize(b *testing.B) {
	src, err := synth(1, 3, 4000, 3000)
	if err != nil {
		b.Fatal(err)
	}
	sizes := [][2]int{{384, 384}, {288, 224}, {432, 336}, {576, 432}}
	for _, f := range []Filter{Bilinear, Bicubic} {
		for _, s := range sizes {
			b.Run(fmt.Sprintf("%v/4000x3000->%dx%d", f, s[0], s[1]), func(b *testing.B) {
				b.SetBytes(int64(len(src.Pix)))
				for b.Loop() {
					if _, err := Resize(src, s[0], s[1], f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkNormalize measures rescale + normalise of a 384x384 image.
func BenchmarkNormalize(b *testing.B) {
	src, err := synth(0, 3, 384, 384)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Normalize(src, 1.0/255, [3]float32{0.5, 0.5, 0.5}, [3]float32{0.5, 0.5, 0.5}); err != nil {
			b.Fatal(err)
		}
	}
}
