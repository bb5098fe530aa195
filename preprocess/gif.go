package preprocess

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
)

// gifFrame0 is what PIL uses from a GIF to build its first frame: the
// logical screen size, the raw colour table of the first image (local if it
// has one, else global) and the transparent index of the graphic control
// extension before it (−1 if none).
type gifFrame0 struct {
	screenW, screenH int
	table            []byte // RGB triples
	transparent      int
}

var errGIFStructure = errors.New("malformed GIF block structure")

// parseGIFFrame0 walks the GIF blocks up to the first image descriptor.
// Go's decoder replaces the transparent palette entry by (0,0,0,0); PIL keeps
// the file's colour, so the table is read here.
func parseGIFFrame0(d []byte) (gifFrame0, error) {
	f := gifFrame0{transparent: -1}
	if len(d) < 13 {
		return f, errGIFStructure
	}
	f.screenW = int(binary.LittleEndian.Uint16(d[6:]))
	f.screenH = int(binary.LittleEndian.Uint16(d[8:]))
	i := 13
	var global []byte
	if d[10]&0x80 != 0 {
		n := 3 << ((d[10] & 7) + 1)
		if i+n > len(d) {
			return f, errGIFStructure
		}
		global = d[i : i+n]
		i += n
	}
	for i < len(d) {
		switch d[i] {
		case 0x21: // extension: label, then sub-blocks
			if i+2 >= len(d) {
				return f, errGIFStructure
			}
			if d[i+1] == 0xF9 && d[i+2] == 4 && i+7 <= len(d) {
				f.transparent = -1
				if d[i+3]&1 != 0 {
					f.transparent = int(d[i+6])
				}
			}
			j := i + 2
			for j < len(d) && d[j] != 0 {
				j += int(d[j]) + 1
			}
			i = j + 1
		case 0x2C: // image descriptor
			if i+10 > len(d) {
				return f, errGIFStructure
			}
			packed := d[i+9]
			f.table = global
			if packed&0x80 != 0 {
				n := 3 << ((packed & 7) + 1)
				if i+10+n > len(d) {
					return f, errGIFStructure
				}
				f.table = d[i+10 : i+10+n]
			}
			return f, nil
		default:
			return f, errGIFStructure
		}
	}
	return f, errGIFStructure
}

// gifToRGB builds PIL's first GIF frame: a logical-screen-sized canvas
// filled with the transparent index (or 0), the frame's indices pasted at
// its offset, expanded through the file's colour table (entries past its
// end give PIL's grey ramp (i, i, i)).
func gifToRGB(data []byte, img image.Image, cfg image.Config) (*Image, error) {
	m, ok := img.(*image.Paletted)
	if !ok {
		return nil, fmt.Errorf("GIF decoded to %T, want a paletted image", img)
	}
	f, err := parseGIFFrame0(data)
	if err != nil {
		return nil, err
	}
	if f.screenW != cfg.Width || f.screenH != cfg.Height {
		return nil, fmt.Errorf("GIF screen %dx%d disagrees with the header's %dx%d", f.screenW, f.screenH, cfg.Width, cfg.Height)
	}
	out, err := NewImage(cfg.Width, cfg.Height)
	if err != nil {
		return nil, err
	}
	var pal [256][3]uint8
	for i := range pal {
		if 3*i+2 < len(f.table) {
			pal[i] = [3]uint8{f.table[3*i], f.table[3*i+1], f.table[3*i+2]}
		} else {
			pal[i] = [3]uint8{uint8(i), uint8(i), uint8(i)}
		}
	}
	fill := pal[0]
	if f.transparent >= 0 {
		fill = pal[f.transparent]
	}
	for i := 0; i < len(out.Pix); i += 3 {
		copy(out.Pix[i:i+3], fill[:])
	}
	r := m.Rect.Intersect(image.Rect(0, 0, cfg.Width, cfg.Height))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			copy(out.Pix[3*(y*cfg.Width+x):][:3], pal[m.Pix[m.PixOffset(x, y)]][:])
		}
	}
	return out, nil
}
