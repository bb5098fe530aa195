package tui

import (
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Every s in every view saves the same way: a picture and its numbers as
// a PNG and a JSON file under a name no file has yet (FreeName), written
// by internal/outfile's rule, off the UI loop, one save at a time; the
// result comes back as an exportMsg the status line reports.

// saving reports whether a save may start now, and says so on screen: a
// save already running is not doubled.
func saving(exporting *bool, setMessage func(string, bool)) bool {
	if *exporting {
		setMessage("still saving the previous view…", false)
		return false
	}
	*exporting = true
	setMessage("saving…", false)
	return true
}

// saveCmd draws the picture and writes it and the JSON as dir/base.png
// and dir/base.json (base-2, base-3, … when taken).
func saveCmd(dir, base string, picture func() (image.Image, error), writeJSON func(io.Writer) error) tea.Cmd {
	return func() tea.Msg {
		path := inspect.FreeName(dir, base, ".png", ".json")
		png, js := path+".png", path+".json"
		pic, err := picture()
		if err == nil {
			err = outfile.Write(png, func(w io.Writer) error { return viz.WritePNG(w, pic) })
		}
		if err == nil {
			err = outfile.Write(js, writeJSON)
		}
		if err != nil {
			return exportMsg{err: fmt.Errorf("save: %w", err)}
		}
		return exportMsg{png: png, json: js}
	}
}

// imageBase is the image's file name without its extension, the start of
// every saved file's name ("image" when there is none).
func imageBase(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if base == "" || base == "." || base == string(filepath.Separator) {
		return "image"
	}
	return base
}
