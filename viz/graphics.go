package viz

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"strconv"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/iterm2"
	"github.com/charmbracelet/x/ansi/kitty"
	"github.com/charmbracelet/x/ansi/sixel"
)

// The escape sequences that show pixels in a terminal, written by
// charmbracelet/x/ansi's encoders: kitty graphics, iTerm2 inline images
// and DEC sixel. What is ours is the choice of options (quiet, ids,
// scaling to cells, the cursor left in place) and the checks that give a
// clear error instead of a broken sequence.

// KittyFormat is how KittyImage sends pixels.
type KittyFormat int

const (
	// KittyPNG sends a PNG file (f=100): smallest payload.
	KittyPNG KittyFormat = iota
	// KittyRGB sends raw 24-bit pixels (f=24): no encoding cost.
	KittyRGB
)

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
	opts := &kitty.Options{
		Action: kitty.TransmitAndPut, Transmission: kitty.Direct, Quiet: 2, ID: int(o.ID), PlacementID: int(o.Placement),
		Format: kitty.PNG, Columns: max(o.Cols, 0), Rows: max(o.Rows, 0),
		DoNotMoveCursor: o.KeepCursor, Chunk: true,
	}
	switch o.Format {
	case KittyPNG:
	case KittyRGB:
		opts.Format, opts.ImageWidth, opts.ImageHeight = kitty.RGB, b.Dx(), b.Dy()
	default:
		return "", fmt.Errorf("kitty image: unknown format %d", o.Format)
	}
	var buf bytes.Buffer
	if err := kitty.EncodeGraphics(&buf, img, opts); err != nil {
		return "", fmt.Errorf("kitty image: %w", err)
	}
	return buf.String(), nil
}

// DeleteKittyImages returns the sequence that deletes the image with the
// given id and all its placements, freeing its data (a=d,d=I); id 0
// deletes every image on screen (d=A).
func DeleteKittyImages(id uint32) string {
	if id == 0 {
		return ansi.KittyGraphics(nil, "a=d", "d=A", "q=2")
	}
	return ansi.KittyGraphics(nil, "a=d", "d=I", "i="+strconv.FormatUint(uint64(id), 10), "q=2")
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
	f := iterm2.File{Inline: true, Size: int64(buf.Len()), Content: []byte(base64.StdEncoding.EncodeToString(buf.Bytes()))}
	if cols > 0 {
		f.Width = iterm2.Cells(cols)
	}
	if rows > 0 {
		f.Height = iterm2.Cells(rows)
	}
	return ansi.ITerm2(f), nil
}

// Sixel returns img encoded as a DEC sixel sequence (DCS q … ST) with a
// palette of at most 256 colours (median cut). The payload starts with
// raster attributes giving the exact size, so terminals do not pad the
// image, and pixels left unpainted keep the terminal's background.
// Terminals: foot, WezTerm, xterm (-ti vt340), mlterm, Konsole, Windows
// Terminal ≥ 1.22, iTerm2.
func Sixel(img image.Image) (string, error) {
	if img == nil {
		return "", fmt.Errorf("sixel: no image")
	}
	if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
		return "", fmt.Errorf("sixel: image is empty (%d×%d)", b.Dx(), b.Dy())
	}
	var payload bytes.Buffer
	var enc sixel.Encoder
	if err := enc.Encode(&payload, img); err != nil {
		return "", fmt.Errorf("sixel: %w", err)
	}
	return ansi.SixelGraphics(0, 1, 0, payload.Bytes()), nil
}
