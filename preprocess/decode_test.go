package preprocess

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// decodeRecord is one entry of testdata/decode_expected.json.gz (see
// gen_decode.py): what Pillow 9.4 makes of testdata/decode/<File>.
type decodeRecord struct {
	File          string `json:"file"`
	Width, Height int
	PILMode       string `json:"pil_mode"`
	RGB           []byte `json:"rgb"`
	Exact         bool   `json:"exact"`
}

func loadDecodeRecords(t *testing.T) []decodeRecord {
	t.Helper()
	f, err := os.Open("testdata/decode_expected.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var recs []decodeRecord
	if err := json.NewDecoder(zr).Decode(&recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

// jpegTolerance bounds |ours − PIL| per sample for JPEGs, whose pixels
// differ only through the IDCT (Go's vs libjpeg-turbo's islow); chroma
// upsampling and colour conversion follow libjpeg exactly. Measured on the
// generated photos: see TestDecodeMatchesPillow's log.
const jpegTolerance = 3

// TestDecodeMatchesPillow decodes every generated file and compares with
// Pillow's Image.open(f).convert("RGB") (after exif_transpose for JPEG).
func TestDecodeMatchesPillow(t *testing.T) {
	recs := loadDecodeRecords(t)
	if len(recs) < 60 {
		t.Fatalf("only %d records", len(recs))
	}
	for _, r := range recs {
		t.Run(r.File, func(t *testing.T) {
			img, err := Load(filepath.Join("testdata", "decode", r.File), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if img.Width != r.Width || img.Height != r.Height {
				t.Fatalf("size %dx%d, PIL %dx%d", img.Width, img.Height, r.Width, r.Height)
			}
			if r.Exact {
				if i := firstDiff(img.Pix, r.RGB); i >= 0 {
					px := i / 3
					t.Fatalf("PIL mode %s: %d bytes differ; first at x=%d y=%d ch=%d: got %d want %d",
						r.PILMode, countDiff(img.Pix, r.RGB), px%r.Width, px/r.Width, i%3, img.Pix[i], r.RGB[i])
				}
				return
			}
			maxd, n := 0, 0
			for i := range img.Pix {
				d := int(img.Pix[i]) - int(r.RGB[i])
				d = max(d, -d)
				maxd = max(maxd, d)
				if d != 0 {
					n++
				}
			}
			t.Logf("lossy %s: max |diff| %d, %d of %d samples differ", r.File, maxd, n, len(img.Pix))
			if maxd > jpegTolerance {
				t.Fatalf("max |diff| %d > %d vs PIL", maxd, jpegTolerance)
			}
		})
	}
}

// TestOrientationTransforms checks applyOrientation against the eight EXIF
// definitions written independently as destination → source maps.
func TestOrientationTransforms(t *testing.T) {
	src, err := synth(0, 1, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	px := func(im *Image, x, y int) [3]uint8 {
		i := 3 * (y*im.Width + x)
		return [3]uint8{im.Pix[i], im.Pix[i+1], im.Pix[i+2]}
	}
	// corner (0,0) of the result comes from this source corner:
	// 1 top-left, 2 top-right, 3 bottom-right, 4 bottom-left,
	// 5 top-left (transpose), 6 bottom-left, 7 bottom-right, 8 top-right.
	corners := map[int][2]int{1: {0, 0}, 2: {4, 0}, 3: {4, 2}, 4: {0, 2}, 5: {0, 0}, 6: {0, 2}, 7: {4, 2}, 8: {4, 0}}
	for o := 1; o <= 8; o++ {
		got := applyOrientation(src, o)
		wantW, wantH := 5, 3
		if o >= 5 {
			wantW, wantH = 3, 5
		}
		if got.Width != wantW || got.Height != wantH {
			t.Errorf("orientation %d: %dx%d", o, got.Width, got.Height)
			continue
		}
		c := corners[o]
		if px(got, 0, 0) != px(src, c[0], c[1]) {
			t.Errorf("orientation %d: corner (0,0) not from source %v", o, c)
		}
	}
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDecodeErrors checks that bad input gives a clear error, not a panic
// or a silent result.
func TestDecodeErrors(t *testing.T) {
	small := encodePNG(t, image.NewGray(image.Rect(0, 0, 40, 30)))
	// A PNG whose IHDR announces 100000 x 100000 (CRC fixed up below).
	huge := append([]byte(nil), small...)
	copy(huge[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	fixPNGCRC(huge, 8)
	zero := append([]byte(nil), small...)
	copy(zero[16:20], []byte{0, 0, 0, 0})
	fixPNGCRC(zero, 8)

	tests := []struct {
		name    string
		data    []byte
		lim     Limits
		is      error
		contain string
	}{
		{"empty", nil, Limits{}, ErrUnsupportedFormat, "empty"},
		{"text", []byte("hello, world"), Limits{}, ErrUnsupportedFormat, "leading bytes"},
		{"huge header", huge, Limits{}, ErrTooLarge, "over the limit of 67108864 pixels"},
		{"over custom pixel limit", small, Limits{MaxPixels: 1000}, ErrTooLarge, "1200 pixels"},
		{"over byte limit", small, Limits{MaxBytes: 10}, ErrTooLarge, "file is over 10 bytes"},
		{"zero width", zero, Limits{}, nil, "png header"},
		{"truncated", small[:len(small)/2], Limits{}, nil, "decode png"},
		{"truncated header", small[:20], Limits{}, nil, "png header"},
		{"gif garbage", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00garbage"), Limits{}, nil, "gif"},
		{"jpeg garbage", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00garbage"), Limits{}, nil, "jpeg"},
		{"webp garbage", []byte("RIFF\x10\x00\x00\x00WEBPVP8 \x00\x00"), Limits{}, nil, "webp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(bytes.NewReader(tc.data), tc.lim)
			if err == nil {
				t.Fatalf("no error, got %dx%d image", img.Width, img.Height)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.contain) {
				t.Errorf("error %q does not mention %q", err, tc.contain)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.png"), Limits{}); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	// The same small PNG decodes under the default limits.
	if img, err := Decode(bytes.NewReader(small), Limits{}); err != nil || img.Width != 40 || img.Height != 30 {
		t.Errorf("small PNG: %v", err)
	}
}

// fixPNGCRC recomputes the CRC of the chunk starting at offset off.
func fixPNGCRC(b []byte, off int) {
	n := int(b[off])<<24 | int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3])
	crc := crc32IEEE(b[off+4 : off+8+n])
	end := off + 8 + n
	b[end], b[end+1], b[end+2], b[end+3] = byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc)
}

func crc32IEEE(p []byte) uint32 {
	crc := ^uint32(0)
	for _, v := range p {
		crc ^= uint32(v)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xEDB88320
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// TestAlphaIsDroppedNotComposited pins the rule HF relies on: a fully
// transparent red pixel stays red (PIL convert("RGB") keeps straight values).
func TestAlphaIsDroppedNotComposited(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	m.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 0})
	m.SetNRGBA(1, 0, color.NRGBA{10, 20, 30, 128})
	img, err := Decode(bytes.NewReader(encodePNG(t, m)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint8{255, 0, 0, 10, 20, 30}; !bytes.Equal(img.Pix, want) {
		t.Errorf("got %v, want %v", img.Pix, want)
	}
}
