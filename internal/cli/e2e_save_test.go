package cli

import (
	"strings"
	"time"
)

// saveWhenReady presses s as a person would: when the explorer answers
// that a map is still being computed (slow machines, emulation), it waits
// a moment and presses again, until the status line says "saved ". It
// returns that screen; the waits fail the test after their deadline.
func (s *tmuxSession) saveWhenReady() string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s.keys("s")
		sc := s.waitFor(`"saved " or "press s again"`, func(sc string) bool {
			return strings.Contains(sc, "saved ") || strings.Contains(sc, "press s again")
		})
		if strings.Contains(sc, "saved ") {
			return sc
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the views were still being computed after a minute:\n%s", sc)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
