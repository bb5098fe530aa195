package blas

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// EnvVar is the environment variable that overrides the automatic search:
// "off" disables BLAS, a path (or a bare library name) loads that library.
const EnvVar = "SIGLIP2_BLAS"

// InterfaceEnvVar is the environment variable that chooses how sgemm is
// called: "fortran" (sgemm_, every argument by reference, which calls
// allocation-free), "cblas" (cblas_sgemm, scalars by value through
// purego's RegisterFunc, which allocates a little on every call), or unset
// for sgemm_ where the library has it and cblas_sgemm otherwise. Tests use
// it to run both interfaces through the conformance suite.
const InterfaceEnvVar = "SIGLIP2_BLAS_INTERFACE"

// ErrDisabled is returned by Open when BLAS was turned off.
var ErrDisabled = errors.New("BLAS disabled")

// Open loads a BLAS library. spec is "" or "auto" to honour $SIGLIP2_BLAS
// and otherwise search the usual names, "off" to refuse (ErrDisabled), or a
// path or library name to load exactly that. The automatic search accepts
// only optimised libraries (OpenBLAS, Accelerate), never a reference BLAS
// that would be slower than the pure-Go fallback; a named library is taken
// as it is.
func Open(spec string) (*Library, error) {
	if spec == "" || spec == "auto" {
		spec = strings.TrimSpace(os.Getenv(EnvVar))
	}
	iface := strings.ToLower(strings.TrimSpace(os.Getenv(InterfaceEnvVar)))
	switch iface {
	case "", "fortran", "cblas":
	default:
		return nil, fmt.Errorf("%s=%q: want fortran or cblas", InterfaceEnvVar, iface)
	}
	switch strings.ToLower(spec) {
	case "off", "none", "0", "false":
		return nil, ErrDisabled
	case "", "auto":
		var errs []string
		for _, name := range candidates() {
			lib, err := open(name, iface)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			if lib.Vendor == "BLAS" {
				lib.close()
				errs = append(errs, name+": not an optimised BLAS (no openblas_get_config)")
				continue
			}
			return lib, nil
		}
		return nil, fmt.Errorf("no BLAS library found (%s)", strings.Join(errs, "; "))
	}
	lib, err := open(spec, iface)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", EnvVar, spec, err)
	}
	return lib, nil
}
