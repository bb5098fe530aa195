package safetensors

import (
	"math"
	"unsafe"
)

// FirstNonFinite returns the index of the first NaN, +Inf or -Inf in v, or
// -1 when every value is finite. It runs a branch-free pass over the bits
// and looks for the position only when that pass finds something, so
// checking a converted tensor costs a fraction of converting it.
func FirstNonFinite(v []float32) int {
	if len(v) == 0 || !anyNonFinite(unsafe.Slice((*uint32)(unsafe.Pointer(&v[0])), len(v))) {
		return -1
	}
	for i, x := range v {
		if isNonFinite(x) {
			return i
		}
	}
	return -1
}

// anyNonFinite reports whether the float32 bit patterns in u hold a NaN or
// an infinity. With a value's exponent bits masked, adding 1 at the
// exponent's lowest bit carries into the sign bit exactly when the
// exponent is all ones; two values are tested per 64-bit word, whose
// halves cannot carry into each other (a masked half plus the carry is at
// most 0x80000000).
func anyNonFinite(u []uint32) bool {
	const (
		exp   = 0x7f800000_7f800000
		carry = 0x00800000_00800000
		sign  = 0x80000000_80000000
	)
	var acc uint64
	if len(u) > 0 && uintptr(unsafe.Pointer(&u[0]))%8 != 0 { // align to a word
		acc |= uint64(u[0])&exp + carry
		u = u[1:]
	}
	if len(u)%2 == 1 {
		acc |= uint64(u[len(u)-1])&exp + carry
		u = u[:len(u)-1]
	}
	if len(u) == 0 {
		return acc&sign != 0
	}
	w := unsafe.Slice((*uint64)(unsafe.Pointer(&u[0])), len(u)/2)
	var a0, a1, a2, a3 uint64
	i := 0
	for ; i+4 <= len(w); i += 4 {
		b := w[i : i+4 : i+4]
		a0 |= b[0]&exp + carry
		a1 |= b[1]&exp + carry
		a2 |= b[2]&exp + carry
		a3 |= b[3]&exp + carry
	}
	for ; i < len(w); i++ {
		a0 |= w[i]&exp + carry
	}
	return (acc|a0|a1|a2|a3)&sign != 0
}

func isNonFinite(x float32) bool {
	return math.Float32bits(x)&0x7f800000 == 0x7f800000
}

// DecodeFloat32Finite is DecodeFloat32 that also returns the index of the
// first converted value that is NaN or infinite, or -1 when all are finite.
// A finite F64 value too large for float32 counts: it converts to ±Inf.
func DecodeFloat32Finite(dst []float32, raw []byte, dt DType) (int, error) {
	if err := DecodeFloat32(dst, raw, dt); err != nil {
		return -1, err
	}
	return FirstNonFinite(dst), nil
}
