package preprocess

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"testing"
)

// resizeCase is one record of testdata/resize_cases.bin.gz (see gen_resize.py).
type resizeCase struct {
	kind                   int
	seed                   uint32
	srcW, srcH, dstW, dstH int
	filter                 Filter
	want                   []byte   // PIL's output, when stored in full
	digest                 [32]byte // SHA-256 of PIL's output, when want is nil
}

func (c resizeCase) String() string {
	return fmt.Sprintf("kind%d/seed%d/%dx%d->%dx%d/%v", c.kind, c.seed, c.srcW, c.srcH, c.dstW, c.dstH, c.filter)
}

func loadResizeCases(t testing.TB) []resizeCase {
	t.Helper()
	f, err := os.Open("testdata/resize_cases.bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("PILRSZ1\n")) {
		t.Fatal("resize_cases.bin.gz: bad magic")
	}
	r := bytes.NewReader(data[8:])
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		t.Fatal(err)
	}
	cases := make([]resizeCase, 0, n)
	for range n {
		var h struct {
			Kind                   uint8
			Seed                   uint32
			SrcW, SrcH, DstW, DstH uint32
			Filter                 uint8
			Storage                uint8
		}
		if err := binary.Read(r, binary.LittleEndian, &h); err != nil {
			t.Fatal(err)
		}
		c := resizeCase{kind: int(h.Kind), seed: h.Seed, srcW: int(h.SrcW), srcH: int(h.SrcH),
			dstW: int(h.DstW), dstH: int(h.DstH), filter: Filter(h.Filter)}
		switch h.Storage {
		case 0:
			c.want = make([]byte, 3*c.dstW*c.dstH)
			if _, err := io.ReadFull(r, c.want); err != nil {
				t.Fatal(err)
			}
		case 1:
			if _, err := io.ReadFull(r, c.digest[:]); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("bad storage byte %d", h.Storage)
		}
		cases = append(cases, c)
	}
	if r.Len() != 0 {
		t.Fatalf("%d trailing bytes", r.Len())
	}
	return cases
}

// TestResizeMatchesPillow compares Resize with Pillow 9.4's Image.resize
// byte for byte on every generated case.
func TestResizeMatchesPillow(t *testing.T) {
	cases := loadResizeCases(t)
	if len(cases) < 300 {
		t.Fatalf("only %d cases loaded", len(cases))
	}
	seen := map[Filter]int{}
	for _, c := range cases {
		src, err := synth(c.kind, c.seed, c.srcW, c.srcH)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Resize(src, c.dstW, c.dstH, c.filter)
		if err != nil {
			t.Errorf("%v: %v", c, err)
			continue
		}
		if got.Width != c.dstW || got.Height != c.dstH {
			t.Errorf("%v: got %dx%d", c, got.Width, got.Height)
			continue
		}
		seen[c.filter]++
		if c.want == nil {
			if sha256.Sum256(got.Pix) != c.digest {
				t.Errorf("%v: output differs from PIL (SHA-256 mismatch)", c)
			}
			continue
		}
		if i := firstDiff(got.Pix, c.want); i >= 0 {
			px := i / 3
			t.Errorf("%v: %d bytes differ; first at x=%d y=%d ch=%d: got %d want %d",
				c, countDiff(got.Pix, c.want), px%c.dstW, px/c.dstW, i%3, got.Pix[i], c.want[i])
		}
	}
	for _, f := range []Filter{Nearest, Lanczos, Bilinear, Bicubic, Box, Hamming} {
		if seen[f] == 0 {
			t.Errorf("no cases for filter %v", f)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func countDiff(a, b []byte) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}
