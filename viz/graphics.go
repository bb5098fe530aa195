package viz

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"strings"
)

// KittyFormat is how KittyImage sends pixels.
type KittyFormat int

const (
	// KittyPNG sends a PNG file (f=100): smallest payload.
	KittyPNG KittyFormat = iota
	// KittyRGB sends raw 24-bit pixels (f=24): no encoding cost.
	KittyRGB
)

// kittyChunk is the largest base64 payload per escape sequence the kitty
// graphics protocol allows.
const kittyChunk = 4096

// KittyOptions say how KittyImage transmits and places an image.
type KittyOptions struct {
	// ID identifies the image (i=) so it can be replaced or deleted with
	// DeleteKittyImages; must be 1..4294967295.
	ID uint32
	// Placement, when not 0, names this placement (p=) of the image.
	Placement uint32
	// Cols and Rows, when positive, scale the image to that many cells
	// (c=, r=); otherwise it is shown at its pixel size.
	Cols, Rows int
	// Format chooses PNG or raw RGB.
	Format KittyFormat
	// KeepCursor leaves the text cursor where it was (C=1) instead of
	// moving it past the image.
	KeepCursor bool
	// ZIndex, when not 0, stacks the image above (positive) or below
	// (negative) text (z=).
	ZIndex int32
}

// KittyImage returns the kitty graphics protocol escape sequences that
// transmit img and display it at the cursor (a=T), quietly (q=2: the
// terminal sends no replies), in base64 chunks of at most 4096 bytes.
// Terminals: kitty, Ghostty, WezTerm (partially), Konsole (partially).
func KittyImage(img image.Image, o KittyOptions) (string, error) {
	if img == nil {
		return "", fmt.Errorf("kitty image: no image")
	}
	if o.ID == 0 {
		return "", fmt.Errorf("kitty image: an image id (1 or more) is needed so the image can be deleted later")
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return "", fmt.Errorf("kitty image: image is empty (%d×%d)", b.Dx(), b.Dy())
	}
	var payload []byte
	keys := []string{"a=T", "q=2"}
	switch o.Format {
	case KittyPNG:
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return "", fmt.Errorf("kitty image: encode png: %w", err)
		}
		payload = buf.Bytes()
		keys = append(keys, "f=100")
	case KittyRGB:
		payload = rgbBytes(img)
		keys = append(keys, "f=24", "s="+strconv.Itoa(b.Dx()), "v="+strconv.Itoa(b.Dy()))
	default:
		return "", fmt.Errorf("kitty image: unknown format %d", o.Format)
	}
	keys = append(keys, "i="+strconv.FormatUint(uint64(o.ID), 10))
	if o.Placement != 0 {
		keys = append(keys, "p="+strconv.FormatUint(uint64(o.Placement), 10))
	}
	if o.Cols > 0 {
		keys = append(keys, "c="+strconv.Itoa(o.Cols))
	}
	if o.Rows > 0 {
		keys = append(keys, "r="+strconv.Itoa(o.Rows))
	}
	if o.KeepCursor {
		keys = append(keys, "C=1")
	}
	if o.ZIndex != 0 {
		keys = append(keys, "z="+strconv.Itoa(int(o.ZIndex)))
	}
	enc := base64.StdEncoding.EncodeToString(payload)
	var sb strings.Builder
	sb.Grow(len(enc) + len(enc)/kittyChunk*16 + 64)
	for first := true; first || enc != ""; first = false {
		n := min(kittyChunk, len(enc))
		chunk := enc[:n]
		enc = enc[n:]
		more := "0"
		if enc != "" {
			more = "1"
		}
		sb.WriteString("\x1b_G")
		if first {
			sb.WriteString(strings.Join(keys, ","))
			sb.WriteString(",")
		} else {
			sb.WriteString("q=2,")
		}
		sb.WriteString("m=" + more + ";")
		sb.WriteString(chunk)
		sb.WriteString("\x1b\\")
	}
	return sb.String(), nil
}

// DeleteKittyImages returns the sequence that deletes the image with the
// given id and all its placements, freeing its data (a=d,d=I); id 0
// deletes every image on screen (d=A).
func DeleteKittyImages(id uint32) string {
	if id == 0 {
		return "\x1b_Ga=d,d=A,q=2\x1b\\"
	}
	return "\x1b_Ga=d,d=I,i=" + strconv.FormatUint(uint64(id), 10) + ",q=2\x1b\\"
}

// ITerm2Image returns the iTerm2 inline image sequence (OSC 1337 File=)
// showing img as a PNG at the cursor, scaled to cols×rows cells when they
// are positive (aspect ratio kept). Terminals: iTerm2, WezTerm, mintty,
// VS Code (with images enabled).
func ITerm2Image(img image.Image, cols, rows int) (string, error) {
	if img == nil {
		return "", fmt.Errorf("iterm2 image: no image")
	}
	if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
		return "", fmt.Errorf("iterm2 image: image is empty (%d×%d)", b.Dx(), b.Dy())
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("iterm2 image: encode png: %w", err)
	}
	var sb strings.Builder
	sb.WriteString("\x1b]1337;File=inline=1;size=")
	sb.WriteString(strconv.Itoa(buf.Len()))
	if cols > 0 {
		sb.WriteString(";width=" + strconv.Itoa(cols))
	}
	if rows > 0 {
		sb.WriteString(";height=" + strconv.Itoa(rows))
	}
	sb.WriteString(";preserveAspectRatio=1:")
	sb.WriteString(base64.StdEncoding.EncodeToString(buf.Bytes()))
	sb.WriteString("\a")
	return sb.String(), nil
}

// rgbBytes returns img's pixels as packed 8-bit RGB, row by row (alpha
// dropped).
func rgbBytes(img image.Image) []byte {
	n := toNRGBA(img)
	w, h := n.Rect.Dx(), n.Rect.Dy()
	out := make([]byte, 0, 3*w*h)
	for y := range h {
		row := n.Pix[y*n.Stride : y*n.Stride+4*w]
		for x := 0; x < 4*w; x += 4 {
			out = append(out, row[x], row[x+1], row[x+2])
		}
	}
	return out
}
