package safetensors

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestFirstNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	big := make([]float32, 1001)
	for i := range big {
		big[i] = float32(i) - 500
	}
	withAt := func(i int, v float32) []float32 {
		c := append([]float32(nil), big...)
		c[i] = v
		return c
	}
	for _, tc := range []struct {
		name string
		v    []float32
		want int
	}{
		{"empty", nil, -1},
		{"finite", big, -1},
		{"largest finite", []float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}, -1},
		{"NaN first", withAt(0, nan), 0},
		{"NaN in an unrolled block", withAt(13, nan), 13},
		{"+Inf in the tail pair", withAt(998, inf), 998},
		{"-Inf last (odd length)", withAt(1000, -inf), 1000},
		{"two, first wins", func() []float32 { c := withAt(700, inf); c[701] = nan; return c }(), 700},
		{"negative NaN", []float32{1, math.Float32frombits(0xffc00001)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FirstNonFinite(tc.v); got != tc.want {
				t.Errorf("FirstNonFinite = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestDecodeFloat32FiniteEachDType(t *testing.T) {
	f64 := make([]byte, 8*3)
	binary.LittleEndian.PutUint64(f64[0:], math.Float64bits(1))
	binary.LittleEndian.PutUint64(f64[8:], math.Float64bits(1e300)) // finite, but +Inf as float32
	binary.LittleEndian.PutUint64(f64[16:], math.Float64bits(2))
	f32 := make([]byte, 4*3)
	binary.LittleEndian.PutUint32(f32[4:], math.Float32bits(float32(math.NaN())))
	f16 := []byte{0x00, 0x3c, 0x00, 0x3c, 0x00, 0xfc}  // 1, 1, -Inf
	bf16 := []byte{0x80, 0x3f, 0xc0, 0x7f, 0x80, 0x3f} // 1, NaN, 1
	for _, tc := range []struct {
		dt   DType
		raw  []byte
		want int
	}{{F64, f64, 1}, {F32, f32, 1}, {F16, f16, 2}, {BF16, bf16, 1}, {F16, []byte{0, 0x3c, 0, 0x3c, 0, 0x3c}, -1}} {
		dst := make([]float32, 3)
		got, err := DecodeFloat32Finite(dst, tc.raw, tc.dt)
		if err != nil || got != tc.want {
			t.Errorf("%s: first non-finite %d (%v), want %d; values %v", tc.dt, got, err, tc.want, dst)
		}
	}
}

func BenchmarkFirstNonFinite(b *testing.B) {
	v := make([]float32, 1<<20)
	b.SetBytes(4 << 20)
	for b.Loop() {
		if FirstNonFinite(v) >= 0 {
			b.Fatal("zeros are finite")
		}
	}
}
