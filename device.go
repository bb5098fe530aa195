package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cuda"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// deviceFlags are the --device and --fast flags shared by every command that
// runs a model.
type deviceFlags struct {
	device string
	fast   bool
}

const deviceUsage = `where to compute: auto (an NVIDIA GPU when one works, else the CPU), cpu, cuda, or naive (the slow reference)`

const fastUsage = `on cuda, let matrix products use TF32 tensor cores: faster, with errors around 1e-3 relative instead of float32's 1e-6`

func (d *deviceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.device, "device", "auto", deviceUsage)
	fs.BoolVar(&d.fast, "fast", false, fastUsage)
}

// backend opens the compute backend the flags name. For auto it says on
// stderr when a GPU was present but unusable, then uses the CPU.
func (d *deviceFlags) backend(stderr io.Writer) (compute.Backend, error) {
	switch d.device {
	case "auto", "":
		b, err := cuda.New(cuda.Options{Fast: d.fast})
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, cuda.ErrNoGPU) {
			fmt.Fprintf(stderr, "siglip2-tui: GPU not used: %v; computing on the CPU\n", err)
		}
		return cpuBackend(stderr)
	case "cpu":
		return cpuBackend(stderr)
	case "cuda":
		b, err := cuda.New(cuda.Options{Fast: d.fast})
		if err != nil {
			return nil, fmt.Errorf("--device cuda: %w (run 'siglip2-tui doctor' for details, or use --device cpu)", err)
		}
		return b, nil
	case "naive":
		return naive.New(), nil
	}
	return nil, usageErrorf("--device %q: want auto, cpu, cuda or naive", d.device)
}

// cpuBackend opens the CPU backend.
func cpuBackend(stderr io.Writer) (compute.Backend, error) {
	return naive.New(), nil
}

// cpuReport describes the CPU backend for the doctor command.
func cpuReport() string {
	return "  naive reference backend (the fast CPU backend is not built in yet)"
}
