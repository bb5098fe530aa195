package preprocess

import (
	"bytes"
	"errors"
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

// formatMagic holds each format's leading bytes, so FuzzDecodeEachFormat
// can steer mutated data into one decoder at a time.
var formatMagic = []struct {
	format imageFormat
	magic  []byte
}{
	{formatPNG, []byte("\x89PNG\r\n\x1a\n")},
	{formatJPEG, []byte("\xff\xd8")},
	{formatGIF, []byte("GIF89a")},
	{formatBMP, []byte("BM")},
	{formatTIFF, []byte("II*\x00")},
	{formatWebP, []byte("RIFF\x00\x00\x00\x00WEBP")},
}

// FuzzDecodeEachFormat drives every decoder under small limits: the
// fuzzer picks a format (its magic bytes are put in front of the data when
// missing) and the rest of the file. Decode must return an error or an
// image within the limits, never panic, and never decode more pixels than
// the limit allows.
func FuzzDecodeEachFormat(f *testing.F) {
	files, err := filepath.Glob("testdata/decode/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for k, m := range formatMagic {
			if got, err := sniff(b); err == nil && got == m.format {
				f.Add(uint8(k), b)
			}
		}
	}
	for k := range formatMagic {
		f.Add(uint8(k), []byte{})
	}
	lim := Limits{MaxPixels: 1 << 16, MaxBytes: 1 << 18}
	f.Fuzz(func(t *testing.T, format uint8, data []byte) {
		m := formatMagic[int(format)%len(formatMagic)]
		if got, err := sniff(data); err != nil || got != m.format {
			data = append(append([]byte(nil), m.magic...), data...)
		}
		img, err := Decode(bytes.NewReader(data), lim)
		if err != nil {
			if len(data) > int(lim.MaxBytes) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%s over the byte limit refused with %v, want ErrTooLarge", m.format, err)
			}
			return
		}
		if len(data) > int(lim.MaxBytes) {
			t.Fatalf("%s of %d bytes accepted over the %d-byte limit", m.format, len(data), lim.MaxBytes)
		}
		if err := img.Validate(); err != nil {
			t.Fatalf("%s: Decode returned an invalid image: %v", m.format, err)
		}
		if img.Width*img.Height > lim.MaxPixels {
			t.Fatalf("%s: Decode returned %dx%d, over the %d-pixel limit", m.format, img.Width, img.Height, lim.MaxPixels)
		}
	})
}
