package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawFile builds a safetensors file from a literal JSON header and data.
func rawFile(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func writeTemp(t *testing.T, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "model.safetensors")
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	tensors := []Tensor{
		{Name: "a.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), -0.25}},
		{Name: "ids", Shape: []int{3}, Data: []int64{0, -1, 1 << 40}},
		{Name: "mask", Shape: []int{1, 2}, Data: []int32{1, 0}},
		{Name: "img", Shape: []int{2, 1, 3}, Data: []uint8{0, 1, 2, 253, 254, 255}},
		{Name: "scalar", Shape: []int{}, Data: []float32{7}},
	}
	p := filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteFile(p, tensors, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.DataStart%8 != 0 {
		t.Errorf("data starts at %d, not 8-byte aligned", f.DataStart)
	}
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	w, info, err := f.Float32("a.weight")
	if err != nil || info.DType != F32 || ShapeString(info.Shape) != "[2 3]" {
		t.Fatalf("a.weight: %v %v %v", err, info.DType, info.Shape)
	}
	for i, v := range tensors[0].Data.([]float32) {
		if w[i] != v {
			t.Errorf("a.weight[%d] = %v, want %v", i, w[i], v)
		}
	}
	for _, c := range []struct {
		name string
		want []int64
	}{{"ids", []int64{0, -1, 1 << 40}}, {"mask", []int64{1, 0}}, {"img", []int64{0, 1, 2, 253, 254, 255}}} {
		got, _, err := f.Int64(c.name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.want {
			if got[i] != c.want[i] {
				t.Errorf("%s[%d] = %d, want %d", c.name, i, got[i], c.want[i])
			}
		}
	}
	if s, info, _ := f.Float32("scalar"); len(s) != 1 || s[0] != 7 || len(info.Shape) != 0 {
		t.Errorf("scalar = %v shape %v", s, info.Shape)
	}
	if _, _, err := f.Float32("missing"); err == nil || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("missing tensor error = %v", err)
	}
}

func TestHeaderValidation(t *testing.T) {
	eight := make([]byte, 8)
	cases := []struct {
		name    string
		file    []byte
		wantErr string
	}{
		{"empty file", nil, "too short"},
		{"header longer than file", rawFile(`{}`, nil)[:9], "runs past the end"},
		{"huge header length", append(binary.LittleEndian.AppendUint64(nil, 1<<40), 'x'), "limit"},
		{"bad json", rawFile(`{"a":`, nil), "header JSON"},
		{"unknown dtype", rawFile(`{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}`, eight), `"a" has unknown dtype`},
		{"outside data", rawFile(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, eight), `"w" byte range [0, 16) lies outside`},
		{"size mismatch", rawFile(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, eight), `"w" holds 8 bytes but F32[3] needs 12`},
		{"reversed offsets", rawFile(`{"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, eight), `"w" byte range [4, 0)`},
		{"negative dim", rawFile(`{"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}`, eight), `"w" has dimension -1`},
		{"overflowing shape", rawFile(`{"w":{"dtype":"F32","shape":[4294967295,4294967295,4294967295],"data_offsets":[0,8]}}`, eight), "dimension"},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, eight), `"a" and "b" overlap`},
		{"one offset", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, eight), "two data_offsets"},
		{"metadata not strings", rawFile(`{"__metadata__":{"x":1}}`, nil), "__metadata__"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, c.file)
			f, err := Open(p)
			if err == nil {
				f.Close()
				t.Fatalf("Open succeeded, want error containing %q", c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q does not contain %q", err, c.wantErr)
			}
			if !strings.Contains(err.Error(), p) && !strings.Contains(err.Error(), "weights") {
				t.Errorf("error %q does not name the file", err)
			}
			if len(c.file) >= 8 && !errors.Is(err, ErrFormat) {
				t.Errorf("error %q is not ErrFormat", err)
			}
		})
	}
}

func TestOpenMissingAndDirectory(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "nope.safetensors")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}

func TestHalfPrecision(t *testing.T) {
	cases := []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x3555, 0.333251953125},
		{0x7bff, 65504},
		{0x0001, 5.960464477539063e-08}, // smallest subnormal, 2^-24
		{0x03ff, 6.097555160522461e-05}, // largest subnormal
		{0x0400, 6.103515625e-05},       // smallest normal, 2^-14
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	}
	for _, c := range cases {
		if got := HalfToFloat32(c.bits); got != c.want {
			t.Errorf("HalfToFloat32(%#04x) = %v, want %v", c.bits, got, c.want)
		}
	}
	if v := HalfToFloat32(0x7e00); !math.IsNaN(float64(v)) {
		t.Errorf("HalfToFloat32(NaN) = %v", v)
	}
	if v := HalfToFloat32(0x8000); v != 0 || !math.Signbit(float64(v)) {
		t.Errorf("HalfToFloat32(-0) = %v", v)
	}
	// bf16 is the upper half of a float32: 0x3f80 = 1, 0xc049 = -3.140625.
	out := make([]float32, 2)
	if err := DecodeFloat32(out, []byte{0x80, 0x3f, 0x49, 0xc0}, BF16); err != nil || out[0] != 1 || out[1] != -3.140625 {
		t.Errorf("bf16 decode = %v, %v", out, err)
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(rawFile(`{"__metadata__":{"format":"pt"}}`, nil))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b, int64(len(b)))
		if err != nil {
			return
		}
		for name, info := range h.Tensors {
			if info.Begin < 0 || info.End < info.Begin || h.DataStart+info.End > int64(len(b)) {
				t.Fatalf("accepted tensor %q with range [%d,%d) in %d bytes", name, info.Begin, info.End, len(b))
			}
			if int64(info.Elements()*info.DType.Size()) != info.End-info.Begin {
				t.Fatalf("accepted tensor %q whose size disagrees with its shape", name)
			}
		}
	})
}

// Releasing a tensor's pages must not change what is read afterwards.
func TestReleaseKeepsValues(t *testing.T) {
	vals := make([]float32, 5000) // spans several pages
	for i := range vals {
		vals[i] = float32(i) * 0.5
	}
	p := filepath.Join(t.TempDir(), "r.safetensors")
	if err := WriteFile(p, []Tensor{{Name: "a", Shape: []int{5000}, Data: vals}, {Name: "b", Shape: []int{2}, Data: []float32{1, 2}}}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for round := 0; round < 2; round++ {
		got, _, err := f.Float32("a")
		if err != nil {
			t.Fatal(err)
		}
		for i := range vals {
			if got[i] != vals[i] {
				t.Fatalf("round %d: a[%d] = %v, want %v", round, i, got[i], vals[i])
			}
		}
		f.Release("a")
		f.Release("missing")
	}
	mem, err := FromBytes("mem", mustRead(t, p))
	if err != nil {
		t.Fatal(err)
	}
	mem.Release("a")
	if got, _, _ := mem.Float32("a"); got[4999] != vals[4999] {
		t.Fatal("releasing an in-memory image lost data")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
