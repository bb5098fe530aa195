package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// mapSlot is one place on screen that shows a map (the explorer's image,
// each pane of compare): the map shown, the maps computed so far and those
// being computed. Cheap maps are computed inside the key press; the rest
// run in a command, and until one comes back the previous map stays.
type mapSlot struct {
	cur      *inspect.Map
	err      error
	cache    map[inspect.MapKey]*inspect.Map
	inFlight map[inspect.MapKey]bool
	// limit bounds the cache (it is cleared when full).
	limit int
}

func newMapSlot(limit int) mapSlot {
	return mapSlot{cache: map[inspect.MapKey]*inspect.Map{}, inFlight: map[inspect.MapKey]bool{}, limit: limit}
}

// sync makes cur the map r asks for (ok false: none can be asked for yet):
// from the cache, computed here when cheap, or by the command compute
// returns, whose result comes back through done.
func (s *mapSlot) sync(maps *inspect.Maps, r inspect.MapRequest, ok bool, compute func(inspect.MapRequest) tea.Cmd) tea.Cmd {
	if !ok || maps == nil {
		s.cur, s.err = nil, nil
		return nil
	}
	k := r.Key()
	if c := s.cache[k]; c != nil {
		s.cur, s.err = c, nil
		return nil
	}
	if maps.Cheap(r) {
		c, err := maps.Compute(r)
		if err != nil {
			s.cur, s.err = nil, err
			return nil
		}
		s.store(k, c, k)
		return nil
	}
	if s.inFlight[k] {
		return nil
	}
	s.inFlight[k] = true
	s.err = nil
	return compute(r)
}

// done takes a computed map (or its error); want is the key the screen
// wants now.
func (s *mapSlot) done(k inspect.MapKey, m *inspect.Map, err error, want inspect.MapKey) {
	delete(s.inFlight, k)
	if err != nil {
		if want == k {
			s.err = err
		}
		return
	}
	s.store(k, m, want)
}

// store caches a computed map and shows it when it is the one wanted.
func (s *mapSlot) store(k inspect.MapKey, m *inspect.Map, want inspect.MapKey) {
	if len(s.cache) > s.limit {
		clear(s.cache)
	}
	s.cache[k] = m
	if want == k {
		s.cur, s.err = m, nil
	}
}

// busy tells whether a map is being computed.
func (s *mapSlot) busy() bool { return len(s.inFlight) > 0 }

// waiting tells whether the wanted map is being computed and not shown yet.
func (s *mapSlot) waiting(want inspect.MapKey) bool {
	return s.busy() && (s.cur == nil || s.cur.Req.Key() != want)
}

// shows tells whether cur is the map wanted.
func (s *mapSlot) shows(want inspect.MapKey) bool { return s.cur != nil && s.cur.Req.Key() == want }
