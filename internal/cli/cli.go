// Package cli is siglip2-tui's command line: one cmd_*.go file per
// subcommand, the flags they share (model source, device, demo), and the
// helpers that resolve a model, load an image and analyse it. The root
// package main only calls Main.
//
// cli may import every package of this module; nothing imports cli.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/internal/textsafe"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand of the CLI.
type command struct {
	name    string
	summary string
	// run executes the command with the arguments after its name; ctx is
	// cancelled when the user interrupts (SIGINT) or the system asks the
	// program to stop (SIGTERM).
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists every subcommand; each lives in its own cmd_*.go file.
var commands = []command{cmdBench, cmdClassify, cmdCompare, cmdContext, cmdCorrespond, cmdDoctor, cmdDump, cmdExplore, cmdGlobalLocal, cmdHeatmap, cmdLocality, cmdModels, cmdProbe, cmdTokenize, cmdWords}

// errUsage marks an error caused by a bad command line; main prints it
// without a stack of wrapping and exits with status 2.
var errUsage = errors.New("usage")

// Main runs the command line args (without the program name) and returns
// the process exit status: 0 on success, 1 on failure, 2 on a usage error,
// 130 after SIGINT and 143 after SIGTERM. A signal cancels the command's
// context: it stops at the next check (between two transformer blocks, two
// downloaded chunks, two written tensors); if it has not returned a second
// later, the temporary files are removed and the process exits.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stopSignals := withSignals(context.Background(), stderr, os.Exit)
	defer stopSignals()
	return runContext(ctx, args, stdout, stderr)
}

// run is Main without signal handling, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext dispatches to a subcommand and turns its error into an exit
// status.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		return 0
	}
	if isVersionFlag(args) {
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		if code, ok := signalExit(ctx); ok {
			fmt.Fprintf(stderr, "siglip2-tui %s: stopped (%v)\n", c.name, context.Cause(ctx))
			return code
		}
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "siglip2-tui %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "siglip2-tui %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "siglip2-tui: unknown command %q (run 'siglip2-tui help' for the list)\n", args[0])
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `siglip2-tui — look inside Google's SigLIP 2 vision-language encoders from the terminal:
which patches look alike at each layer, where attention goes, how well text
labels match an image and where, and how all of it changes with resolution.

Usage: siglip2-tui <command> [flags] [arguments]

Start here:
  siglip2-tui explore --demo                 try the explorer offline (built-in toy model)
  siglip2-tui explore photo.jpg              google/siglip2-base-patch16-224, downloaded once
  siglip2-tui classify --labels "a cat,a dog" photo.jpg

Commands:
`)
	cs := append([]command(nil), commands...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Models come from the Hugging Face hub (--model ID, cached where Python's
huggingface_hub caches them: HF_HUB_CACHE, HF_HOME, HF_ENDPOINT, HF_TOKEN and
HF_HUB_OFFLINE are honoured) or from a local folder (--model DIR).
--device auto uses an NVIDIA GPU when one works, else the CPU.

Run 'siglip2-tui <command> --help' for a command's flags and what it teaches,
'siglip2-tui --version' for the version.
`)
}

// usageErrorf formats a command-line mistake.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// splitList splits a comma-separated flag value, dropping empty items and
// the control characters that could drive the terminal (textsafe).
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(textsafe.Sanitize(s), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseFlags parses a command's flags: -h gives flag.ErrHelp (exit 0 after
// the usage text), any other mistake a usage error (exit 2).
// newFlagSet is a command's flag set: its errors go to stderr, and --help
// prints the command's help text (usage, what it does, examples) followed
// by its flags, the shape every command's help has.
func newFlagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, help)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
