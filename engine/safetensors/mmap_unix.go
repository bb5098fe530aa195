//go:build unix

package safetensors

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the whole file read-only; the mapping outlives f.
// mapped reports whether the bytes are a file mapping (true) or a copy.
func mapFile(f *os.File, size int64) (data []byte, unmap func() error, mapped bool, err error) {
	if size == 0 {
		return nil, func() error { return nil }, false, nil
	}
	data, err = unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		data, unmap, err = readAll(f, size)
		return data, unmap, false, err
	}
	return data, func() error { return unix.Munmap(data) }, true, nil
}

// dropPages tells the kernel the mapped pages of data[off:off+n] are not
// needed any more; they are re-read from the file if touched again.
func dropPages(data []byte, off, n int64) {
	page := int64(unix.Getpagesize())
	start := (off + page - 1) / page * page
	end := (off + n) / page * page
	if end > start && end <= int64(len(data)) {
		_ = unix.Madvise(data[start:end], unix.MADV_DONTNEED)
	}
}

// adviseRandom tells the kernel data[off:off+n] is read a row here and
// there: a page fault maps that page alone, not the pages around it.
func adviseRandom(data []byte, off, n int64) {
	page := int64(unix.Getpagesize())
	start := off / page * page
	end := min((off+n+page-1)/page*page, int64(len(data)))
	if end > start {
		_ = unix.Madvise(data[start:end], unix.MADV_RANDOM)
	}
}
