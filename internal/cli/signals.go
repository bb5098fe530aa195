package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "received " + e.sig.String() }

// exitGrace is how long a command has to return after a signal before the
// process removes its temporary files and exits on its own.
const exitGrace = time.Second

// withSignals returns ctx cancelled, with a *signalError cause, on SIGINT
// or SIGTERM. If the command has not returned exitGrace after the signal
// (it is blocked where it cannot see the context), the temporary files of
// writes in progress are removed and exit is called with the signal's
// status. stop releases the signals.
func withSignals(parent context.Context, stderr io.Writer, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			cancel(&signalError{sig: sig})
			select {
			case <-time.After(exitGrace):
			case <-sigs: // a second signal: do not wait
			case <-done:
				return
			}
			outfile.Cleanup() // no temporary file of an interrupted write stays behind
			fmt.Fprintf(stderr, "siglip2-tui: stopped (%v)\n", sig)
			code, _ := signalExit(ctx)
			exit(code)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// signalExit is the exit status for a context a signal cancelled: 130 for
// SIGINT, 143 for SIGTERM (128 + the signal's number, as shells report).
func signalExit(ctx context.Context) (int, bool) {
	var se *signalError
	if !errors.As(context.Cause(ctx), &se) {
		return 0, false
	}
	if se.sig == syscall.SIGTERM {
		return 143, true
	}
	return 130, true
}
