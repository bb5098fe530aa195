package hub

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestLockExcludesAndHonoursContext(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".locks", "models--a--b", "x.lock")
	first, err := acquireLock(context.Background(), p, nil)
	if errors.Is(err, errLockUnsupported) {
		t.Skip("no file locks on this file system")
	}
	if err != nil {
		t.Fatal(err)
	}
	waited := false
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := acquireLock(ctx, p, func() { waited = true }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock while held: %v, want a deadline error", err)
	}
	if !waited {
		t.Error("onWait was not called for a busy lock")
	}
	first.release()
	second, err := acquireLock(context.Background(), p, nil)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	second.release()
}
