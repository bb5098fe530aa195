// Package emulation lets tests run under user-mode emulation:
// scripts/test-arm64 runs the arm64 suite on amd64 machines through
// qemu-aarch64-static and names the emulator in EnvVar, and tests that
// start a binary they built (the end-to-end tests in tmux) run it through
// the same emulator.
package emulation

import (
	"os"
	"os/exec"
	"time"
)

// EnvVar names the environment variable holding the emulator command
// (for example "qemu-aarch64-static"); unset or empty when tests run
// natively.
const EnvVar = "SIGLIP2_TEST_EMULATOR"

// Emulator is the emulator the tests run under, or "" natively.
func Emulator() string { return os.Getenv(EnvVar) }

// Command is the shell command that runs bin, a program built for the
// architecture under test: bin itself natively, else the emulator and bin.
func Command(bin string) string {
	if e := Emulator(); e != "" {
		return e + " " + bin
	}
	return bin
}

// Cmd is exec.Command for bin, a program built for the architecture
// under test: run by the emulator when there is one. Signals sent to it
// reach bin (qemu's user mode forwards them).
func Cmd(bin string, args ...string) *exec.Cmd {
	if e := Emulator(); e != "" {
		return exec.Command(e, append([]string{bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

// slowdown is how much longer a program takes to start and run under
// emulation, for the waits of tests that time a process from outside.
const slowdown = 8

// Scale is d natively and slowdown times d under emulation.
func Scale(d time.Duration) time.Duration {
	if Emulator() != "" {
		return d * slowdown
	}
	return d
}
