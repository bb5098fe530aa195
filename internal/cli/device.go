package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu"
	"github.com/siglip2-tui/siglip2-tui/compute/cuda"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// deviceFlags are the --device, --fast and --precision flags shared by
// every command that runs a model.
type deviceFlags struct {
	device    string
	fast      bool
	precision string
}

const deviceUsage = `where to compute: auto (an NVIDIA GPU when one works, else the CPU), cpu, cuda, or naive (the slow reference)`

const fastUsage = `on cuda, let matrix products use TF32 tensor cores: up to 3× faster (H200: so400m@512 10.2 ms instead of 30.9), but a single 196×768×768 product then errs by up to 3% relative where FP32 errs by 1e-6, so outputs no longer match transformers within 1e-4`

const precisionUsage = `on the CPU: float32 (the default: numbers equal transformers), or bf16: weights stored once as bfloat16 (half the memory) and matrix products on AVX-512 BF16 dot products accumulating in float32, about 1.6-1.9× faster, with errors of about 1e-2 relative in logits (README, Speed); needs AVX512_BF16 (Zen 4/5, recent Intel), else float32 runs and a note says so`

func (d *deviceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.device, "device", "auto", deviceUsage)
	fs.BoolVar(&d.fast, "fast", false, fastUsage)
	fs.StringVar(&d.precision, "precision", "float32", precisionUsage)
}

// backend opens the compute backend the flags name. For auto it says on
// stderr when a GPU was present but unusable, then uses the CPU.
func (d *deviceFlags) backend(stderr io.Writer) (compute.Backend, error) {
	switch strings.ToLower(d.precision) {
	case "", "float32", "f32", "fp32":
	case "bf16", "bfloat16":
		if d.device == "cuda" || d.device == "naive" {
			return nil, usageErrorf("--precision bf16 runs on the CPU backend only (--device cpu or auto without a GPU)")
		}
	default:
		return nil, usageErrorf("--precision %q: want float32 or bf16", d.precision)
	}
	switch d.device {
	case "auto", "":
		b, err := cuda.New(cuda.Options{Fast: d.fast})
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, cuda.ErrNoGPU) {
			fmt.Fprintf(stderr, "siglip2-tui: GPU not used: %v; computing on the CPU\n", err)
		}
		return cpuBackend(stderr, d.precision)
	case "cpu":
		return cpuBackend(stderr, d.precision)
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

// cpuBackend opens the CPU backend: OpenBLAS when it is installed, else
// pure Go, with one line saying how to install OpenBLAS; in the given
// precision, with one line saying so when bf16 cannot run.
func cpuBackend(stderr io.Writer, precision string) (compute.Backend, error) {
	b, err := cpu.New(cpu.Options{Precision: precision})
	if err != nil {
		return nil, err
	}
	if hint := b.Info().Hint; hint != "" {
		fmt.Fprintln(stderr, "siglip2-tui: "+hint)
	}
	if note := b.Info().PrecisionNote; note != "" {
		fmt.Fprintln(stderr, "siglip2-tui: "+note)
	}
	return b, nil
}

// cpuReport describes the CPU backend for the doctor command.
func cpuReport() string {
	b, err := cpu.New(cpu.Options{})
	if err != nil {
		return "  unusable: " + err.Error()
	}
	in := b.Info()
	var sb strings.Builder
	fmt.Fprintf(&sb, "  backend   %s\n", b.Name())
	if in.BLAS != "" {
		fmt.Fprintf(&sb, "  BLAS      %s (%s, %s), kernel %s\n", in.BLAS, in.BLASPath, in.BLASInterface, in.CoreName)
		if in.BLASConfig != "" {
			fmt.Fprintf(&sb, "  build     %s\n", in.BLASConfig)
		}
	} else {
		fmt.Fprintf(&sb, "  BLAS      none (%s); matrix products use pure Go (%s)\n", in.BLASError, in.GoGEMM)
	}
	coreType := in.CoreTypeEnv
	if coreType == "" {
		coreType = "unset"
	}
	fmt.Fprintf(&sb, "  OPENBLAS_CORETYPE %s (never changed by siglip2-tui; a forced older kernel can halve the speed)\n", coreType)
	if b16, err := cpu.New(cpu.Options{Precision: cpu.PrecisionBF16}); err == nil {
		if note := b16.Info().PrecisionNote; note != "" {
			fmt.Fprintf(&sb, "  bf16      unavailable: %s\n", note)
		} else {
			fmt.Fprintf(&sb, "  bf16      available (--precision bf16: AVX512_BF16 dot products, half the weight memory)\n")
		}
		b16.Close()
	}
	fmt.Fprintf(&sb, "  threads   %d workers, SIMD %s", in.Threads, in.SIMD)
	if in.Hint != "" {
		fmt.Fprintf(&sb, "\n  hint      %s", in.Hint)
	}
	return sb.String()
}
