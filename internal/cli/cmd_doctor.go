package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/compute/cuda"
	"github.com/siglip2-tui/siglip2-tui/hub"
)

// cmdDoctor reports what this machine offers the engine.
var cmdDoctor = command{
	name:    "doctor",
	summary: "report the CPU math library, GPU, driver and caches this machine offers",
	run:     runDoctor,
}

const doctorHelp = `Usage: siglip2-tui doctor

Reports the CPU backend (BLAS library and kernel), every NVIDIA GPU with its
driver, cuBLAS and NVRTC (or exactly why the GPU backend cannot run), what is
untested on this platform, and the model cache.

Examples:
  siglip2-tui doctor
  SIGLIP2_BLAS=off siglip2-tui doctor      what the CPU backend uses without OpenBLAS

Flags:
  (none)
`

func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("doctor", doctorHelp, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "siglip2-tui on %s/%s, %d CPUs (%s)\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintln(stdout, "CPU backend")
	fmt.Fprintln(stdout, cpuReport())
	if notes := platformNotes(runtime.GOOS, runtime.GOARCH); notes != "" {
		fmt.Fprint(stdout, "Untested on this platform\n"+notes)
	}
	fmt.Fprintln(stdout, "GPU backend (cuda)")
	fmt.Fprintln(stdout, indent(cuda.Probe().String(), "  "))
	home, _ := os.UserHomeDir()
	if cfg, err := hub.ConfigFromEnv(os.Getenv, home); err == nil {
		fmt.Fprintln(stdout, "Model cache (shared with Python's huggingface_hub)")
		fmt.Fprintf(stdout, "  folder    %s\n  endpoint  %s\n  offline   %v\n", cfg.CacheDir, hub.RedactURL(cfg.Endpoint), cfg.Offline)
	}
	return nil
}

// indent prefixes every non-empty line of s.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
