package cuda

import (
	"fmt"
	"path"
)

// dynlib is the dynamic loader as the library search uses it; tests fake it.
type dynlib struct {
	open  func(path string) (uintptr, error)
	sym   func(lib uintptr, name string) (uintptr, error)
	close func(lib uintptr)
}

// hostDynlib is the process's real dynamic loader.
var hostDynlib = dynlib{open: dlopen, sym: dlsym, close: dlclose}

// symbol is a C function to look up in a library.
type symbol struct {
	name     string
	dst      *uintptr
	optional bool // missing in older releases; callers check for 0
}

// bindSymbols looks every symbol up, failing on the first required one
// that is missing.
func (d dynlib) bindSymbols(lib uintptr, syms []symbol) error {
	for _, s := range syms {
		p, err := d.sym(lib, s.name)
		if err != nil || p == 0 {
			if s.optional {
				*s.dst = 0
				continue
			}
			return fmt.Errorf("it lacks %s", s.name)
		}
		*s.dst = p
	}
	return nil
}

// opened is a library loaded from one candidate.
type opened struct {
	handle uintptr
	// path is the file loaded: the candidate's path, or for a bare soname
	// the file the dynamic loader chose (from /proc/self/maps) or the
	// soname itself when that cannot be told.
	path   string
	soname soname
	via    string
}

// attempt is a candidate that did not work, for the doctor report.
type attempt struct {
	Path, Err string
}

// openFirst loads the first candidate that opens and whose symbols bind.
// It returns the failed attempts before it; err is nil on success. For
// candidates inside a folder it first loads the companion library of the
// same folder (cuBLASLt next to cuBLAS, NVRTC's builtins next to NVRTC),
// since pip's wheels do not always let the loader find them on its own.
func (d dynlib) openFirst(lib library, cands []candidate, fsys fileSystem, syms []symbol) (opened, []attempt, error) {
	var tried []attempt
	for _, c := range cands {
		if !c.loader && lib.companion != nil && c.soname.major > 0 {
			for _, m := range fsys.glob(path.Join(path.Dir(c.path), lib.companion(c.soname.major))) {
				if _, err := d.open(m); err == nil {
					break // the handle stays open for the process's life
				}
			}
		}
		h, err := d.open(c.path)
		if err != nil {
			if !c.loader { // a bare soname that is not installed is no news
				tried = append(tried, attempt{c.path, err.Error()})
			}
			continue
		}
		if err := d.bindSymbols(h, syms); err != nil {
			d.close(h)
			tried = append(tried, attempt{c.path, err.Error()})
			continue
		}
		o := opened{handle: h, path: c.path, soname: c.soname, via: c.via}
		if c.loader {
			if maps, err := fsys.readFile("/proc/self/maps"); err == nil {
				if p := loadedPath(string(maps), c.path); p != "" {
					o.path = p
				}
			}
		}
		return o, tried, nil
	}
	if len(tried) > 0 {
		return opened{}, tried, fmt.Errorf("%s at %s could not be loaded: %s", lib.what, tried[0].Path, tried[0].Err)
	}
	return opened{}, nil, errNotFound
}

// errNotFound marks a library that is nowhere to be found (as opposed to
// one found but broken); New turns it into advice.
var errNotFound = fmt.Errorf("not found")
