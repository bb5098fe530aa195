package engine

import (
	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// testBackends lists the backends every golden test runs on.
func testBackends() []compute.Backend {
	return []compute.Backend{naive.New()}
}
