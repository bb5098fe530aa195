package preprocess

import "encoding/binary"

// pngColorType returns the colour type byte of a PNG's IHDR, or -1.
func pngColorType(data []byte) int {
	// signature (8) + length (4) + "IHDR" (4) + width, height (8) + depth (1)
	if len(data) < 26 || string(data[12:16]) != "IHDR" {
		return -1
	}
	return int(data[25])
}

// pngPLTELen returns the number of entries of a PNG's PLTE chunk.
func pngPLTELen(data []byte) (int, bool) {
	i := 8
	for i+8 <= len(data) {
		n := int(binary.BigEndian.Uint32(data[i:]))
		kind := string(data[i+4 : i+8])
		if kind == "PLTE" {
			return n / 3, true
		}
		if kind == "IDAT" || kind == "IEND" || n < 0 || n > len(data) {
			return 0, false
		}
		i += 12 + n
	}
	return 0, false
}
