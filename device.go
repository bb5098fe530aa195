package main

import (
	"flag"
	"io"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// deviceFlags is the --device flag shared by every command that runs a model.
type deviceFlags struct {
	device string
}

func (d *deviceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.device, "device", "cpu", "where to compute: cpu or naive (the slow reference)")
}

// backend returns the compute backend the flag names.
func (d *deviceFlags) backend(stderr io.Writer) (compute.Backend, error) {
	switch d.device {
	case "cpu", "naive", "":
		return naive.New(), nil
	}
	return nil, usageErrorf("--device %q: want cpu or naive", d.device)
}
