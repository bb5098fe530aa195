package outfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileID identifies what a path names: the file itself when it exists,
// else the absolute path it would be created at, links resolved.
type fileID struct {
	path string
	info fs.FileInfo
	dev  bool // a character device: written in place, never clobbered
}

func identify(path string) fileID {
	target, info, err := resolve(path)
	if err != nil {
		target = path
	}
	if info != nil {
		if st, err := os.Stat(target); err == nil {
			info = st
		}
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		abs = filepath.Clean(target)
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	return fileID{path: abs, info: info, dev: info != nil && info.Mode()&fs.ModeCharDevice != 0}
}

func (a fileID) same(b fileID) bool {
	if a.info != nil && b.info != nil {
		return os.SameFile(a.info, b.info)
	}
	return a.path == b.path
}

// CheckDistinct refuses outputs that would overwrite an input or each
// other: an output naming the same file as an input or as another output
// (through a symlink, a hard link, a relative path or not yet existing at
// one path) is an error naming both. Empty paths are ignored; "-" is
// standard input among inputs and standard output among outputs, so two
// outputs "-" are refused and an input "-" with an output "-" is not.
// Character devices (/dev/null, a terminal) are exempt: they are written in
// place, so nothing there can be clobbered.
//
// Call it before reading any input, with every file the run reads and
// every file it writes.
func CheckDistinct(inputs, outputs []string) error {
	var ins []fileID
	var inNames []string
	for _, p := range inputs {
		if p == "" || p == "-" {
			continue
		}
		ins = append(ins, identify(p))
		inNames = append(inNames, p)
	}
	var outs []fileID
	var outNames []string
	stdout := ""
	for _, p := range outputs {
		switch p {
		case "":
			continue
		case "-":
			if stdout != "" {
				return fmt.Errorf("two outputs go to standard output (\"-\"): give one of them a file name")
			}
			stdout = p
			continue
		}
		id := identify(p)
		if id.info != nil && id.info.IsDir() {
			continue // Write reports it, with a better message
		}
		for i, in := range ins {
			if !id.dev && id.same(in) {
				return fmt.Errorf("output %s would overwrite the input %s: choose another output file", p, inNames[i])
			}
		}
		for i, o := range outs {
			if !id.dev && id.same(o) {
				return fmt.Errorf("outputs %s and %s are the same file: give each output its own name", outNames[i], p)
			}
		}
		outs = append(outs, id)
		outNames = append(outNames, p)
	}
	return nil
}
