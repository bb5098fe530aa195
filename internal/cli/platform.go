package cli

import "strings"

// platformNotes says, for the doctor command, what on this operating
// system and architecture has not been tried: CI builds every release
// target but runs the tests only on Linux (amd64 natively, arm64 under
// emulation). It returns "" where everything is tested.
func platformNotes(goos, goarch string) string {
	var notes []string
	switch goos {
	case "darwin":
		notes = append(notes, "Accelerate, Apple's BLAS, is loaded at run time like OpenBLAS on Linux and called the same way "+
			"(sgemm_, or cblas_sgemm where sgemm_ is missing), but this has never run on a Mac: the conformance suite behind it "+
			"runs in CI on Linux only, so on macOS it is untested. If numbers look wrong, SIGLIP2_BLAS=off computes with the "+
			"built-in NEON (Apple silicon) or AVX2 kernels instead; please report it.")
	case "windows":
		notes = append(notes, "No BLAS library is loaded on Windows: products use the built-in kernels. The explorer follows the "+
			"same terminal rules as elsewhere (Windows Terminal: truecolor, sixel pictures, mouse, resize), but none of it "+
			"has been tried on Windows: it is untested.")
	}
	if goarch == "arm64" {
		notes = append(notes, "The NEON kernels are tested in CI under user-mode emulation (qemu), not on arm64 hardware; "+
			"SIGLIP2_SIMD=generic switches them off.")
	}
	var sb strings.Builder
	for _, n := range notes {
		sb.WriteString("  " + n + "\n")
	}
	return sb.String()
}
