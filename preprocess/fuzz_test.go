package preprocess

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must return an image or an
// error, never panic, and a returned image must be well-formed. Seeds are
// the generated decode test files (every format and colour type).
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/decode/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte("GIF89a"))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
	lim := Limits{MaxPixels: 1 << 20, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(bytes.NewReader(data), lim)
		if err != nil {
			return
		}
		if err := img.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid image: %v", err)
		}
		if img.Width*img.Height > lim.MaxPixels {
			t.Fatalf("Decode returned %dx%d, over the limit", img.Width, img.Height)
		}
	})
}
