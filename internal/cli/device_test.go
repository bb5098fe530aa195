package cli

import (
	"bytes"
	"strings"
	"testing"
)

// Without a GPU (CI, most machines): --device cuda fails with one clear
// sentence, auto falls back to the CPU silently.
func TestDeviceFlagWithoutGPU(t *testing.T) {
	var stderr bytes.Buffer
	d := deviceFlags{device: "cuda"}
	if _, err := d.backend(&stderr); err == nil {
		t.Skip("this machine has a usable GPU")
	} else if !strings.Contains(err.Error(), "--device cuda:") || !strings.Contains(err.Error(), "--device cpu") || strings.Count(err.Error(), "\n") > 0 {
		t.Errorf("--device cuda error: %q", err)
	}
	d.device = "auto"
	b, err := d.backend(&stderr)
	if err != nil {
		t.Fatalf("auto: %v", err)
	}
	if strings.Contains(b.Name(), "cuda") {
		t.Errorf("auto chose %s without a GPU", b.Name())
	}
	d.device = "tpu"
	if _, err := d.backend(&stderr); err == nil || !strings.Contains(err.Error(), "auto, cpu, cuda or naive") {
		t.Errorf("unknown device: %v", err)
	}
}

func TestDoctorRuns(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"doctor"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"CPU backend", "GPU backend", "status:", "Model cache"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("doctor output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// --precision: bf16 on the CPU (its name says so where the CPU has
// AVX512_BF16, else a note on stderr says float32 runs), refused on the
// other devices and for unknown values; float32 by default.
func TestPrecisionFlag(t *testing.T) {
	var stderr bytes.Buffer
	d := deviceFlags{device: "cpu", precision: "float32"}
	b, err := d.backend(&stderr)
	if err != nil || strings.Contains(b.Name(), "bf16") {
		t.Fatalf("float32: %v %v", b, err)
	}
	d.precision = "bf16"
	if b, err = d.backend(&stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.Name(), "bf16") && !strings.Contains(stderr.String(), "AVX512_BF16") {
		t.Errorf("bf16 neither runs (%s) nor says why not (%q)", b.Name(), stderr.String())
	}
	for _, bad := range []deviceFlags{{device: "naive", precision: "bf16"}, {device: "cpu", precision: "fp8"}} {
		if _, err := bad.backend(&stderr); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
