package preprocess

import (
	"bytes"
	"encoding/binary"
	"regexp"
)

// jpegOrientation returns the orientation PIL's ImageOps.exif_transpose
// would apply to a JPEG (Pillow 9.4): tag 0x0112 of IFD0 in the first APP1
// "Exif" segment, or, when that tag is absent, the tiff:Orientation of an
// XMP packet. It returns 1 (upright) when there is none or it is not 1..8.
func jpegOrientation(d []byte) int {
	var exif, xmp []byte
	i := 2 // after SOI
	for i+4 <= len(d) && d[i] == 0xFF {
		marker := d[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8):
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			i = len(d)
			continue
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 || i+2+n > len(d) {
			break
		}
		seg := d[i+4 : i+2+n]
		if marker == 0xE1 {
			switch {
			case exif == nil && bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
				exif = seg[6:]
			case xmp == nil && bytes.HasPrefix(seg, []byte("http://ns.adobe.com/xap/1.0/\x00")):
				xmp = seg
			}
		}
		i += 2 + n
	}
	o, ok := tiffOrientation(exif)
	if !ok && xmp != nil {
		if m := xmpOrientation.FindSubmatch(xmp); m != nil {
			o, ok = int(m[2][0]-'0'), true
		}
	}
	if !ok || o < 1 || o > 8 {
		return 1
	}
	return o
}

// xmpOrientation is the pattern Pillow searches XMP packets with.
var xmpOrientation = regexp.MustCompile(`tiff:Orientation(="|>)([0-9])`)

// tiffOrientation reads tag 0x0112 (SHORT or LONG) from IFD0 of a TIFF
// structure, as found in an EXIF segment.
func tiffOrientation(t []byte) (int, bool) {
	if len(t) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0, false
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0, false
	}
	n := int(bo.Uint16(t[ifd:]))
	for k := 0; k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 0, false
		}
		if bo.Uint16(t[e:]) != 0x0112 || bo.Uint32(t[e+4:]) < 1 {
			continue
		}
		switch bo.Uint16(t[e+2:]) {
		case 3: // SHORT
			return int(bo.Uint16(t[e+8:])), true
		case 4: // LONG
			return int(bo.Uint32(t[e+8:])), true
		}
		return 0, false
	}
	return 0, false
}

// applyOrientation returns img transformed as PIL's exif_transpose does for
// EXIF orientation o (1 = unchanged):
// 2 flip left-right, 3 rotate 180°, 4 flip top-bottom, 5 transpose,
// 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
func applyOrientation(img *Image, o int) *Image {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.Width, img.Height
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := &Image{Width: ow, Height: oh, Pix: make([]uint8, len(img.Pix))}
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			copy(out.Pix[3*(y*ow+x):][:3], img.Pix[3*(sy*w+sx):][:3])
		}
	}
	return out
}
