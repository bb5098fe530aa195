//go:build !unix

package tui

import (
	"image"
	"os"
)

var zeroPoint image.Point

// CellPixels is unknown on this system; graphics assume 10×20 pixels.
func CellPixels(*os.File) image.Point { return image.Point{} }
