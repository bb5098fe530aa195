package preprocess

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"regexp"
)

// orientation returns the EXIF orientation to apply to the file, 1
// (upright) when there is none or it is not 1..8. Like Pillow 9.4's getexif,
// used by PIL.ImageOps.exif_transpose, it reads IFD0 tag 0x0112 from the
// format's EXIF block (JPEG: the first APP1 segment starting "Exif\0";
// PNG: the eXIf chunk; WebP: the EXIF chunk) and, for PNG, falls back to
// tiff:Orientation in an iTXt "XML:com.adobe.xmp" packet (Pillow 9.4 does
// not collect JPEG XMP, so neither does this). GIF and BMP carry no
// orientation; PNG "Raw profile type exif" text chunks are not read.
//
// TIFF: Pillow 9.4 applies the Orientation tag itself when it loads the
// pixels, so Image.open(f).convert("RGB") is upright; exif_transpose
// (transformers' load_image) then applies it a second time. This package
// applies it once: it matches Image.open(f).convert("RGB"), and
// deliberately not that double rotation.
func orientation(format imageFormat, d []byte) int {
	var exif, xmp []byte
	switch format {
	case formatJPEG:
		exif = jpegExif(d)
	case formatPNG:
		exif, xmp = pngMetadata(d)
	case formatWebP:
		exif = webpChunk(d, "EXIF")
	case formatTIFF:
		exif = d
	default:
		return 1
	}
	exif = bytes.TrimPrefix(exif, []byte("Exif\x00\x00"))
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

// jpegExif returns the payload of the first APP1 segment starting "Exif\0"
// (Pillow's test), scanning markers up to the start of scan.
func jpegExif(d []byte) []byte {
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
			return nil
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 || i+2+n > len(d) {
			return nil
		}
		if seg := d[i+4 : i+2+n]; marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00")) {
			return seg
		}
		i += 2 + n
	}
	return nil
}

// pngMetadata returns the eXIf chunk and the text of an iTXt chunk with
// keyword "XML:com.adobe.xmp" (zlib-compressed or not).
func pngMetadata(d []byte) (exif, xmp []byte) {
	for i := 8; i+12 <= len(d); {
		n := int(binary.BigEndian.Uint32(d[i:]))
		if n < 0 || n > len(d)-i-12 {
			break
		}
		kind, body := string(d[i+4:i+8]), d[i+8:i+8+n]
		switch kind {
		case "eXIf":
			if exif == nil {
				exif = body
			}
		case "iTXt":
			if xmp == nil {
				xmp = pngXMP(body)
			}
		case "IEND":
			return exif, xmp
		}
		i += 12 + n
	}
	return exif, xmp
}

// pngXMP extracts the text of an iTXt chunk whose keyword is
// "XML:com.adobe.xmp": keyword, NUL, compression flag and method, language
// tag, NUL, translated keyword, NUL, text.
func pngXMP(body []byte) []byte {
	const key = "XML:com.adobe.xmp\x00"
	if !bytes.HasPrefix(body, []byte(key)) || len(body) < len(key)+2 {
		return nil
	}
	compressed := body[len(key)] == 1
	rest := body[len(key)+2:]
	for range 2 { // language tag, translated keyword
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return nil
		}
		rest = rest[j+1:]
	}
	if !compressed {
		return rest
	}
	zr, err := zlib.NewReader(bytes.NewReader(rest))
	if err != nil {
		return nil
	}
	defer zr.Close()
	text, err := io.ReadAll(io.LimitReader(zr, 1<<20))
	if err != nil {
		return nil
	}
	return text
}

// webpChunk returns the payload of the first RIFF chunk with the given
// FourCC in a WebP file.
func webpChunk(d []byte, fourcc string) []byte {
	for i := 12; i+8 <= len(d); {
		n := int(binary.LittleEndian.Uint32(d[i+4:]))
		if n < 0 || n > len(d)-i-8 {
			return nil
		}
		if string(d[i:i+4]) == fourcc {
			return d[i+8 : i+8+n]
		}
		i += 8 + n + n&1
	}
	return nil
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
