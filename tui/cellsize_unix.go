//go:build unix

package tui

import (
	"image"
	"os"

	"golang.org/x/sys/unix"
)

var zeroPoint image.Point

// CellPixels asks the terminal for the pixel size of one cell (from the
// window size in pixels); it returns the zero point when the terminal does
// not say.
func CellPixels(f *os.File) image.Point {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 || ws.Row == 0 || ws.Xpixel == 0 || ws.Ypixel == 0 {
		return image.Point{}
	}
	return image.Pt(int(ws.Xpixel)/int(ws.Col), int(ws.Ypixel)/int(ws.Row))
}
