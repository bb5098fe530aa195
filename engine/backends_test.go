package engine

import (
	"fmt"
	"os"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu"
	"github.com/siglip2-tui/siglip2-tui/compute/cuda"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// cpuBackend is the fast CPU backend (OpenBLAS when installed, else pure
// Go); every golden test runs on it as well as on the reference.
var cpuBackend = func() compute.Backend {
	b, err := cpu.New(cpu.Options{})
	if err != nil {
		panic(err)
	}
	return b
}()

// deviceBackend is the GPU backend the golden tests also run on when
// SIGLIP2_TEST_DEVICE names one (scripts/gpu-check sets it to "cuda").
var deviceBackend compute.Backend

// TestMain opens the device backend SIGLIP2_TEST_DEVICE asks for, and
// stops the run with the reason when it cannot: a GPU test run that
// silently fell back to the CPU would prove nothing.
func TestMain(m *testing.M) {
	switch dev := os.Getenv("SIGLIP2_TEST_DEVICE"); dev {
	case "":
	case "cuda":
		b, err := cuda.New(cuda.Options{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "SIGLIP2_TEST_DEVICE=cuda: cuda.New failed: %v\n", err)
			os.Exit(1)
		}
		deviceBackend = b
	default:
		fmt.Fprintf(os.Stderr, "SIGLIP2_TEST_DEVICE=%q: unknown device (want cuda or nothing)\n", dev)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// testBackends lists the backends every golden test runs on: the naive
// reference, plus the device backend when one was asked for.
func testBackends() []compute.Backend {
	bs := []compute.Backend{naive.New(), cpuBackend}
	if deviceBackend != nil {
		bs = append(bs, deviceBackend)
	}
	return bs
}
