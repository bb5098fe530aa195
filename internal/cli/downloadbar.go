package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/siglip2-tui/siglip2-tui/hub"
)

// progressFor returns a progress bar drawn on w when w is a terminal, and nil
// (no output at all) otherwise or when HF_HUB_DISABLE_PROGRESS_BARS is set,
// as huggingface_hub does.
func progressFor(w io.Writer) hub.Progress {
	if !isTerminal(w) {
		return nil
	}
	f := w.(*os.File)
	switch strings.ToUpper(os.Getenv("HF_HUB_DISABLE_PROGRESS_BARS")) {
	case "1", "ON", "YES", "TRUE":
		return nil
	}
	fd := int(f.Fd())
	return newDownloadBar(f, func() int {
		if w, _, err := term.GetSize(fd); err == nil && w > 0 {
			return w
		}
		return 80
	}, time.Now)
}

// downloadBar draws one line per download, redrawn in place with \r:
//
//	model.safetensors  [########------------]  41%  617.3 MB / 1.5 GB  38.2 MB/s  ETA 0:23
//
// and leaves a summary line when the file is done.
type downloadBar struct {
	w     io.Writer
	width func() int
	now   func() time.Time

	mu       sync.Mutex
	name     string
	total    int64
	done     int64
	began    time.Time
	resumed  int64         // bytes already there when this run began
	samples  []speedSample // recent (time, bytes) points for the speed
	lastDraw time.Time
}

type speedSample struct {
	at   time.Time
	done int64
}

// speedWindow is how far back the speed is averaged.
const speedWindow = 5 * time.Second

// redrawEvery limits redraws so a fast download does not flood the terminal.
const redrawEvery = 100 * time.Millisecond

func newDownloadBar(w io.Writer, width func() int, now func() time.Time) *downloadBar {
	return &downloadBar{w: w, width: width, now: now}
}

// Update records progress and redraws the line at most every redrawEvery.
func (b *downloadBar) Update(name string, done, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if name != b.name || done < b.done {
		// A new file, or a restart from byte 0.
		b.name, b.began, b.resumed, b.samples, b.lastDraw = name, now, done, nil, time.Time{}
	}
	b.done, b.total = done, total
	b.samples = append(b.samples, speedSample{now, done})
	for len(b.samples) > 2 && now.Sub(b.samples[0].at) > speedWindow {
		b.samples = b.samples[1:]
	}
	if now.Sub(b.lastDraw) < redrawEvery && done != total {
		return
	}
	b.lastDraw = now
	fmt.Fprint(b.w, "\r"+b.line()+"\x1b[K")
}

// Finish replaces the bar by a summary (or clears it on failure; the error
// is reported by the caller) and moves to the next line.
func (b *downloadBar) Finish(name string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if name != b.name {
		return
	}
	if err != nil {
		fmt.Fprint(b.w, "\r\x1b[K")
	} else {
		took := b.now().Sub(b.began)
		rate := ""
		if took >= time.Second {
			rate = " (" + formatRate(float64(b.total-b.resumed)/took.Seconds()) + ")"
		}
		fmt.Fprintf(b.w, "\r%s  %s in %s%s\x1b[K\n", b.name, hub.FormatBytes(b.total), formatDuration(took), rate)
	}
	b.name = ""
}

// speed is bytes per second over the recent window; 0 if unknown yet.
func (b *downloadBar) speed() float64 {
	if len(b.samples) < 2 {
		return 0
	}
	first, last := b.samples[0], b.samples[len(b.samples)-1]
	dt := last.at.Sub(first.at).Seconds()
	if dt <= 0 {
		return 0
	}
	return float64(last.done-first.done) / dt
}

// line lays out name, bar, percentage, bytes, speed and ETA to fit the
// terminal, dropping the ETA, then the speed, then the byte counts, then the
// bar when the terminal is too narrow for them.
func (b *downloadBar) line() string {
	speed := b.speed()
	eta := "ETA --:--"
	if speed > 0 && b.total > 0 {
		eta = "ETA " + formatDuration(time.Duration(float64(b.total-b.done)/speed*float64(time.Second)))
	}
	var pct float64
	if b.total > 0 {
		pct = float64(b.done) / float64(b.total)
	}
	percent := fmt.Sprintf("  %3.0f%%", pct*100)
	sizes := fmt.Sprintf("  %s / %s", hub.FormatBytes(b.done), hub.FormatBytes(b.total))
	rate := "  " + formatRate(speed)
	tails := []string{percent + sizes + rate + "  " + eta, percent + sizes + rate, percent + sizes, percent}
	width := b.width() - 1 // never write into the last column, which wraps on some terminals
	nameLen := utf8.RuneCountInString(b.name)
	for _, tail := range tails {
		avail := width - utf8.RuneCountInString(tail)
		n := min(nameLen, max(avail-14, 8)) // keep room for "  [" + 10 cells + "]"
		if barWidth := avail - n - 4; barWidth >= 10 {
			filled := int(pct * float64(barWidth))
			return truncateLeft(b.name, n) + "  [" + strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled) + "]" + tail
		}
		if avail >= n {
			return truncateLeft(b.name, n) + tail
		}
	}
	return truncateLeft(b.name, max(width, 1))
}

// truncateLeft keeps the end of s, which tells files apart best.
func truncateLeft(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}

func formatRate(bps float64) string {
	if bps <= 0 || bps != bps || bps > 1e15 {
		return "--- B/s"
	}
	return hub.FormatBytes(int64(bps)) + "/s"
}

// formatDuration writes m:ss, or h:mm:ss past an hour.
func formatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
