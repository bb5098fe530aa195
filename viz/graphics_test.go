package viz

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func noiseImage(seed uint64, w, h int) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 3))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

type kittyCmd struct {
	keys    map[string]string
	payload string
}

// parseKitty splits a string of APC G sequences into commands.
func parseKitty(t *testing.T, s string) []kittyCmd {
	t.Helper()
	var out []kittyCmd
	for s != "" {
		if !strings.HasPrefix(s, "\x1b_G") {
			t.Fatalf("expected APC G, got %q", s[:min(len(s), 20)])
		}
		end := strings.Index(s, "\x1b\\")
		if end < 0 {
			t.Fatal("unterminated APC")
		}
		body := s[3:end]
		s = s[end+2:]
		ctl, payload, _ := strings.Cut(body, ";")
		keys := map[string]string{}
		for _, kv := range strings.Split(ctl, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("bad key %q", kv)
			}
			keys[k] = v
		}
		out = append(out, kittyCmd{keys, payload})
	}
	return out
}

func samePixels(t *testing.T, got image.Image, want *image.NRGBA) {
	t.Helper()
	if got.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	for y := range want.Rect.Dy() {
		for x := range want.Rect.Dx() {
			if g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA); g != want.NRGBAAt(x, y) {
				t.Fatalf("(%d,%d) = %v, want %v", x, y, g, want.NRGBAAt(x, y))
			}
		}
	}
}

func TestKittyImage(t *testing.T) {
	img := noiseImage(1, 48, 40) // big enough for several chunks
	cases := []struct {
		name string
		opts KittyOptions
		keys map[string]string
	}{
		{"png", KittyOptions{ID: 7}, map[string]string{"a": "T", "f": "100", "i": "7", "q": "2"}},
		{"rgb placed", KittyOptions{ID: 9, Placement: 3, Cols: 20, Rows: 10, Format: KittyRGB, KeepCursor: true},
			map[string]string{"a": "T", "f": "24", "s": "48", "v": "40", "i": "9", "p": "3", "c": "20", "r": "10", "C": "1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := KittyImage(img, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			cmds := parseKitty(t, s)
			if len(cmds) < 2 {
				t.Fatalf("%d chunks, want several", len(cmds))
			}
			for k, v := range c.keys {
				if cmds[0].keys[k] != v {
					t.Errorf("first chunk %s=%q, want %q (keys %v)", k, cmds[0].keys[k], v, cmds[0].keys)
				}
			}
			var all strings.Builder
			for i, cmd := range cmds {
				more := "1"
				if i == len(cmds)-1 {
					more = "0"
				}
				if cmd.keys["m"] != more {
					t.Fatalf("chunk %d m=%q, want %q", i, cmd.keys["m"], more)
				}
				if len(cmd.payload) > 4096 || (i < len(cmds)-1 && len(cmd.payload)%4 != 0) {
					t.Fatalf("chunk %d has %d payload bytes", i, len(cmd.payload))
				}
				if i > 0 && cmd.keys["i"] != "" {
					t.Fatalf("chunk %d repeats control keys %v", i, cmd.keys)
				}
				all.WriteString(cmd.payload)
			}
			data, err := base64.StdEncoding.DecodeString(all.String())
			if err != nil {
				t.Fatal(err)
			}
			if c.opts.Format == KittyPNG {
				dec, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				samePixels(t, dec, img)
				return
			}
			if len(data) != 48*40*3 {
				t.Fatalf("%d RGB bytes, want %d", len(data), 48*40*3)
			}
			for i := range 48 * 40 {
				if data[3*i] != img.Pix[4*i] || data[3*i+1] != img.Pix[4*i+1] || data[3*i+2] != img.Pix[4*i+2] {
					t.Fatalf("pixel %d differs", i)
				}
			}
		})
	}
	if _, err := KittyImage(img, KittyOptions{}); err == nil || !strings.Contains(err.Error(), "id") {
		t.Fatalf("id 0: err = %v", err)
	}
	small, err := KittyImage(noiseImage(2, 1, 1), KittyOptions{ID: 1})
	if err != nil || len(parseKitty(t, small)) != 1 || strings.Contains(small, "m=1") {
		t.Fatalf("single-chunk image: %q, %v", small, err)
	}
}

func TestDeleteKittyImages(t *testing.T) {
	cases := []struct {
		id   uint32
		want string
	}{
		{7, "\x1b_Ga=d,d=I,i=7,q=2\x1b\\"},
		{4294967295, "\x1b_Ga=d,d=I,i=4294967295,q=2\x1b\\"},
		{0, "\x1b_Ga=d,d=A,q=2\x1b\\"},
	}
	for _, c := range cases {
		if got := DeleteKittyImages(c.id); got != c.want {
			t.Errorf("DeleteKittyImages(%d) = %q, want %q", c.id, got, c.want)
		}
	}
}

func TestITerm2Image(t *testing.T) {
	img := noiseImage(3, 9, 5)
	s, err := ITerm2Image(img, 30, 12)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "\x1b]1337;File="
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, "\a") {
		t.Fatalf("not an OSC 1337 sequence: %q", s[:min(len(s), 40)])
	}
	args, b64, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(s, prefix), "\a"), ":")
	if !ok {
		t.Fatal("no ':' before the payload")
	}
	kv := map[string]string{}
	for _, a := range strings.Split(args, ";") {
		k, v, _ := strings.Cut(a, "=")
		kv[k] = v
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"inline": "1", "size": strconv.Itoa(len(data)), "width": "30", "height": "12"}
	if v, ok := kv["preserveAspectRatio"]; ok && v != "1" {
		t.Errorf("preserveAspectRatio=%q: the picture would be stretched (absent means 1)", v)
	}
	for k, v := range want {
		if kv[k] != v {
			t.Errorf("%s=%q, want %q", k, kv[k], v)
		}
	}
	dec, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, dec, img)
	if _, err := ITerm2Image(nil, 1, 1); err == nil {
		t.Fatal("nil image accepted")
	}
}

// decodeSixel is a minimal sixel decoder: palette (#i;2;r;g;b in
// percent), colour selection, '$', '-', '!n' repeats. It returns the
// pixels' colours (8-bit, from the percent palette) and which were set.
func decodeSixel(t *testing.T, s string) (w, h int, pix map[image.Point]color.NRGBA) {
	t.Helper()
	if !strings.HasPrefix(s, "\x1bP") || !strings.HasSuffix(s, "\x1b\\") {
		t.Fatal("not a DCS sequence")
	}
	body := s[2 : len(s)-2]
	q := strings.IndexByte(body, 'q')
	body = body[q+1:]
	num := func() int {
		n := 0
		for len(body) > 0 && body[0] >= '0' && body[0] <= '9' {
			n = 10*n + int(body[0]-'0')
			body = body[1:]
		}
		return n
	}
	palette := map[int]color.NRGBA{}
	pix = map[image.Point]color.NRGBA{}
	x, band, cur := 0, 0, 0
	for len(body) > 0 {
		ch := body[0]
		body = body[1:]
		switch {
		case ch == '"':
			num()
			body = body[1:]
			num()
			body = body[1:]
			w = num()
			body = body[1:]
			h = num()
		case ch == '#':
			cur = num()
			if len(body) > 0 && body[0] == ';' {
				var p [4]int
				for i := range p {
					body = body[1:]
					p[i] = num()
				}
				if p[0] != 2 {
					t.Fatalf("colour space %d, want 2 (RGB)", p[0])
				}
				palette[cur] = color.NRGBA{uint8((p[1]*255 + 50) / 100), uint8((p[2]*255 + 50) / 100), uint8((p[3]*255 + 50) / 100), 255}
			}
		case ch == '$':
			x = 0
		case ch == '-':
			x = 0
			band++
		case ch == '!' || (ch >= '?' && ch <= '~'):
			n := 1
			if ch == '!' {
				n = num()
				ch = body[0]
				body = body[1:]
			}
			bits := ch - '?'
			for range n {
				for dy := range 6 {
					if bits&(1<<dy) != 0 {
						pix[image.Pt(x, 6*band+dy)] = palette[cur]
					}
				}
				x++
			}
		default:
			t.Fatalf("unexpected sixel byte %q", ch)
		}
	}
	return w, h, pix
}

func TestSixelExactColours(t *testing.T) {
	// Few colours, far apart: the palette must hold them exactly (up to
	// sixel's percent precision) and every pixel must come back.
	cols := []color.NRGBA{{255, 0, 0, 255}, {0, 0, 0, 255}, {0, 128, 255, 255}, {255, 255, 255, 255}, {60, 200, 60, 255}}
	for _, size := range []image.Point{{13, 11}, {1, 1}, {40, 6}, {7, 7}} {
		img := image.NewNRGBA(image.Rect(0, 0, size.X, size.Y))
		for y := range size.Y {
			for x := range size.X {
				img.SetNRGBA(x, y, cols[(x/3+y/2)%len(cols)])
			}
		}
		s, err := Sixel(img)
		if err != nil {
			t.Fatal(err)
		}
		w, h, pix := decodeSixel(t, s)
		if w != size.X || h != size.Y {
			t.Fatalf("raster %dx%d, want %v", w, h, size)
		}
		if len(pix) != size.X*size.Y {
			t.Fatalf("%v: %d pixels painted, want %d", size, len(pix), size.X*size.Y)
		}
		for p, got := range pix {
			want := img.NRGBAAt(p.X, p.Y)
			for i, d := range []int{int(got.R) - int(want.R), int(got.G) - int(want.G), int(got.B) - int(want.B)} {
				if d < -2 || d > 2 {
					t.Fatalf("%v pixel %v channel %d = %v, want %v", size, p, i, got, want)
				}
			}
		}
	}
}

func TestSixelManyColours(t *testing.T) {
	img := testImage(64, 30)
	s, err := Sixel(img)
	if err != nil {
		t.Fatal(err)
	}
	_, _, pix := decodeSixel(t, s)
	if len(pix) != 64*30 {
		t.Fatalf("%d pixels painted, want %d", len(pix), 64*30)
	}
	if n := len(regexp.MustCompile(`#\d+;2;\d+;\d+;\d+`).FindAllString(s, -1)); n > 256 {
		t.Fatalf("%d palette entries, want at most 256", n)
	}
	// The palette must beat a uniform palette of 27 colours (3 levels per
	// channel) by a wide margin on this smooth gradient.
	level := func(v uint8) int { return (int(v) + 64) / 128 * 255 / 2 }
	var total, uniform float64
	for p, got := range pix {
		want := img.NRGBAAt(p.X, p.Y)
		total += float64(sq(int(got.R)-int(want.R)) + sq(int(got.G)-int(want.G)) + sq(int(got.B)-int(want.B)))
		uniform += float64(sq(level(want.R)-int(want.R)) + sq(level(want.G)-int(want.G)) + sq(level(want.B)-int(want.B)))
	}
	if total > uniform/2 {
		t.Fatalf("palette error %.0f, uniform 27-colour palette %.0f: want at most half", total/float64(len(pix)), uniform/float64(len(pix)))
	}
	for _, bad := range []image.Image{nil, image.NewNRGBA(image.Rect(0, 0, 0, 3))} {
		if _, err := Sixel(bad); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}
