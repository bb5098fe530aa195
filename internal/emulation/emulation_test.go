package emulation

import "testing"

func TestCommandRunsThroughTheEmulator(t *testing.T) {
	t.Setenv(EnvVar, "")
	if got := Command("/tmp/x"); got != "/tmp/x" || Emulator() != "" {
		t.Errorf("natively: Command %q, Emulator %q", got, Emulator())
	}
	t.Setenv(EnvVar, "qemu-aarch64-static")
	if got := Command("/tmp/x"); got != "qemu-aarch64-static /tmp/x" {
		t.Errorf("emulated: Command %q", got)
	}
}
