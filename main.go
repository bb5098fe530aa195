// Command siglip2-tui looks inside Google's SigLIP 2 vision-language
// encoders from the terminal: patch similarity, attention, label scores and
// how they change with resolution. The command line lives in internal/cli.
package main

import (
	"os"

	"github.com/siglip2-tui/siglip2-tui/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
