// Package safetensors reads and writes the safetensors format that Hugging
// Face checkpoints use: an 8-byte little-endian header length, a JSON header
// naming every tensor's dtype, shape and byte range, then the raw data.
//
// Files are memory-mapped where the platform allows it, and the header is
// validated completely before any tensor is touched: offsets inside the
// file, no overlaps, known dtypes, byte sizes equal to dtype × shape. Every
// error names the file and, where one is at fault, the tensor.
//
// Of this module, the package imports only internal/inputfile, which
// refuses paths that are not regular files.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"unsafe"

	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// DType is a tensor element type as safetensors spells it.
type DType string

// The element types this package understands.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U8   DType = "U8"
	Bool DType = "BOOL"
)

// Size is the number of bytes of one element, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32, I32:
		return 4
	case F16, BF16, I16:
		return 2
	case I8, U8, Bool:
		return 1
	}
	return 0
}

// maxHeaderBytes bounds the JSON header; real checkpoints use well under 1 MB.
const maxHeaderBytes = 100 << 20

// maxRank bounds tensor rank; real checkpoints use at most 4 dimensions.
const maxRank = 8

// ErrFormat marks a file that is not valid safetensors.
var ErrFormat = errors.New("not a valid safetensors file")

// Info describes one tensor of a file.
type Info struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are the byte range inside the data section.
	Begin, End int64
}

// Elements is the number of elements the shape holds.
func (i Info) Elements() int {
	n := 1
	for _, d := range i.Shape {
		n *= d
	}
	return n
}

// Header is a parsed, validated safetensors header.
type Header struct {
	Tensors  map[string]Info
	Metadata map[string]string
	// DataStart is the file offset where the data section begins.
	DataStart int64
}

// Names lists the tensor names in sorted order.
func (h *Header) Names() []string {
	names := make([]string, 0, len(h.Tensors))
	for n := range h.Tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseHeader validates the start of a safetensors file of fileSize bytes.
// prefix must hold at least the first 8 bytes; if it is shorter than the
// announced header, ParseHeader reports how many bytes it needs through
// ErrShortPrefix so callers can read exactly that much.
func ParseHeader(prefix []byte, fileSize int64) (*Header, error) {
	if fileSize < 8 || len(prefix) < 8 {
		return nil, fmt.Errorf("%w: %d bytes is too short for the header length", ErrFormat, fileSize)
	}
	n := binary.LittleEndian.Uint64(prefix[:8])
	if n > maxHeaderBytes {
		return nil, fmt.Errorf("%w: header length %d is larger than the %d-byte limit", ErrFormat, n, maxHeaderBytes)
	}
	if int64(n) > fileSize-8 {
		return nil, fmt.Errorf("%w: header length %d runs past the end of the %d-byte file (truncated download?)", ErrFormat, n, fileSize)
	}
	if uint64(len(prefix)) < 8+n {
		return nil, &ShortPrefixError{Need: int(8 + n)}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(prefix[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("%w: header JSON: %v", ErrFormat, err)
	}
	// encoding/json keeps the last of two equal keys and never looks at
	// the first: refuse them rather than run on whichever copy came last.
	if err := checkDuplicateKeys(prefix[8 : 8+n]); err != nil {
		return nil, fmt.Errorf("%w: header JSON: %v", ErrFormat, err)
	}
	h := &Header{Tensors: make(map[string]Info, len(raw)), DataStart: int64(8 + n)}
	dataSize := fileSize - h.DataStart
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &h.Metadata); err != nil {
				return nil, fmt.Errorf("%w: __metadata__ must map strings to strings: %v", ErrFormat, err)
			}
			continue
		}
		var e struct {
			DType   DType    `json:"dtype"`
			Shape   []int64  `json:"shape"`
			Offsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("%w: tensor %q: %v", ErrFormat, name, err)
		}
		info, err := checkEntry(name, e.DType, e.Shape, e.Offsets, dataSize)
		if err != nil {
			return nil, err
		}
		h.Tensors[name] = info
	}
	if err := checkOverlaps(h.Tensors); err != nil {
		return nil, err
	}
	return h, nil
}

func checkEntry(name string, dt DType, shape []int64, offsets []uint64, dataSize int64) (Info, error) {
	if dt.Size() == 0 {
		return Info{}, fmt.Errorf("%w: tensor %q has unknown dtype %q", ErrFormat, name, dt)
	}
	if len(shape) > maxRank {
		return Info{}, fmt.Errorf("%w: tensor %q has rank %d (at most %d supported)", ErrFormat, name, len(shape), maxRank)
	}
	if len(offsets) != 2 {
		return Info{}, fmt.Errorf("%w: tensor %q needs two data_offsets, has %d", ErrFormat, name, len(offsets))
	}
	elems := int64(1)
	dims := make([]int, len(shape))
	for i, d := range shape {
		if d < 0 || d > math.MaxInt32 {
			return Info{}, fmt.Errorf("%w: tensor %q has dimension %d", ErrFormat, name, d)
		}
		dims[i] = int(d)
		if d != 0 && elems > math.MaxInt64/8/d {
			return Info{}, fmt.Errorf("%w: tensor %q shape %v overflows", ErrFormat, name, shape)
		}
		elems *= d
	}
	begin, end := offsets[0], offsets[1]
	if begin > end || end > uint64(dataSize) {
		return Info{}, fmt.Errorf("%w: tensor %q byte range [%d, %d) lies outside the %d-byte data section (truncated file?)", ErrFormat, name, begin, end, dataSize)
	}
	if want := elems * int64(dt.Size()); int64(end-begin) != want {
		return Info{}, fmt.Errorf("%w: tensor %q holds %d bytes but %s%v needs %d", ErrFormat, name, end-begin, dt, shape, want)
	}
	return Info{Name: name, DType: dt, Shape: dims, Begin: int64(begin), End: int64(end)}, nil
}

func checkOverlaps(tensors map[string]Info) error {
	list := make([]Info, 0, len(tensors))
	for _, t := range tensors {
		if t.End > t.Begin {
			list = append(list, t)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Begin != list[j].Begin {
			return list[i].Begin < list[j].Begin
		}
		return list[i].Name < list[j].Name
	})
	for i := 1; i < len(list); i++ {
		if list[i].Begin < list[i-1].End {
			return fmt.Errorf("%w: tensors %q and %q overlap", ErrFormat, list[i-1].Name, list[i].Name)
		}
	}
	return nil
}

// ShortPrefixError reports that ParseHeader needs a longer prefix.
type ShortPrefixError struct{ Need int }

// Error says how many bytes the header needs.
func (e *ShortPrefixError) Error() string {
	return fmt.Sprintf("safetensors: need the first %d bytes to parse the header", e.Need)
}

// File is an open safetensors file whose data section is memory-mapped (or
// read into memory where mapping is unavailable).
type File struct {
	Path string
	*Header
	data  []byte // the whole file
	unmap func() error
	// isMemory marks bytes that are not a file mapping (FromBytes, or a
	// file read because mapping failed): their pages must not be dropped.
	isMemory bool
}

// Open maps path and validates its header. path must be (or link to) a
// regular file: a FIFO, device, socket or directory is refused without
// being read, so a wrong path can neither block nor map a device.
func Open(path string) (*File, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open weights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open weights %s: %w", path, err)
	}
	size := st.Size()
	prefix := make([]byte, 8, 4096)
	if _, err := readFull(f, prefix, 0); err != nil {
		return nil, fmt.Errorf("read %s: %w: the file is %d bytes, too short for a header; is the download complete?", path, ErrFormat, size)
	}
	h, err := ParseHeader(prefix, size)
	var short *ShortPrefixError
	if errors.As(err, &short) {
		prefix = make([]byte, short.Need)
		if _, err = readFull(f, prefix, 0); err != nil {
			return nil, fmt.Errorf("read %s header: %w", path, err)
		}
		h, err = ParseHeader(prefix, size)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	data, unmap, mapped, err := mapFile(f, size)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", path, err)
	}
	return &File{Path: path, Header: h, data: data, unmap: unmap, isMemory: !mapped}, nil
}

func readFull(f *os.File, buf []byte, off int64) (int, error) {
	n, err := f.ReadAt(buf, off)
	if n == len(buf) {
		return n, nil
	}
	return n, err
}

// Close unmaps the file. Slices returned by Bytes must not be used afterwards.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap, f.data = nil, nil
	return err
}

// Bytes returns the raw little-endian bytes of a tensor, aliasing the mapping.
func (f *File) Bytes(name string) ([]byte, Info, error) {
	info, ok := f.Tensors[name]
	if !ok {
		return nil, Info{}, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	start := f.DataStart + info.Begin
	return f.data[start : f.DataStart+info.End : f.DataStart+info.End], info, nil
}

// DecodeInto converts a floating-point tensor into dst, which must hold
// exactly its elements.
func (f *File) DecodeInto(dst []float32, name string) (Info, error) {
	raw, info, err := f.Bytes(name)
	if err != nil {
		return info, err
	}
	if len(dst) != info.Elements() {
		return info, fmt.Errorf("%s: tensor %q has %d elements, destination %d", f.Path, name, info.Elements(), len(dst))
	}
	if err := DecodeFloat32(dst, raw, info.DType); err != nil {
		return info, fmt.Errorf("%s: tensor %q: %w", f.Path, name, err)
	}
	return info, nil
}

// Float32 converts a floating-point tensor to float32 values in a new slice.
func (f *File) Float32(name string) ([]float32, Info, error) {
	raw, info, err := f.Bytes(name)
	if err != nil {
		return nil, info, err
	}
	out := make([]float32, info.Elements())
	if err := DecodeFloat32(out, raw, info.DType); err != nil {
		return nil, info, fmt.Errorf("%s: tensor %q: %w", f.Path, name, err)
	}
	return out, info, nil
}

// littleEndian reports whether this machine stores numbers as safetensors
// does, so float32 data can be copied as bytes.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// LittleEndian reports whether this machine stores numbers as safetensors
// does, so float32 tensors can be read where they lie.
var LittleEndian = littleEndian

// DecodeFloat32 converts len(dst) little-endian elements of dtype dt from raw.
func DecodeFloat32(dst []float32, raw []byte, dt DType) error {
	if len(raw) < len(dst)*dt.Size() {
		return fmt.Errorf("need %d bytes of %s, have %d", len(dst)*dt.Size(), dt, len(raw))
	}
	switch dt {
	case F32:
		if littleEndian && len(dst) > 0 { // the stored bytes are the values: one copy
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst)), raw)
			return nil
		}
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	case F16:
		for i := range dst {
			dst[i] = HalfToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	default:
		return fmt.Errorf("dtype %s is not a floating-point type", dt)
	}
	return nil
}

// HalfToFloat32 converts an IEEE 754 binary16 value, subnormals, infinities
// and NaNs included.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// ShapeString formats a shape as [a b c] for error messages.
func ShapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Int64 converts an integer or boolean tensor to int64 values in a new slice.
func (f *File) Int64(name string) ([]int64, Info, error) {
	raw, info, err := f.Bytes(name)
	if err != nil {
		return nil, info, err
	}
	out := make([]int64, info.Elements())
	for i := range out {
		switch info.DType {
		case I64:
			out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		case I32:
			out[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		case I16:
			out[i] = int64(int16(binary.LittleEndian.Uint16(raw[2*i:])))
		case I8:
			out[i] = int64(int8(raw[i]))
		case U8, Bool:
			out[i] = int64(raw[i])
		default:
			return nil, info, fmt.Errorf("%s: tensor %q: dtype %s is not an integer type", f.Path, name, info.DType)
		}
	}
	return out, info, nil
}

// FromBytes validates and wraps an in-memory safetensors image, for models
// built in memory (random weights for demos and benchmarks). name labels
// errors.
func FromBytes(name string, data []byte) (*File, error) {
	h, err := ParseHeader(data, int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &File{Path: name, Header: h, data: data, isMemory: true}, nil
}

// ReadRandomly tells the operating system that a tensor's bytes are read a
// few rows at a time (a token embedding table): touching a row then maps
// its own pages only, so memory grows with the rows read.
func (f *File) ReadRandomly(name string) {
	info, ok := f.Tensors[name]
	if !ok || f.unmap == nil || f.isMemory || len(f.data) == 0 {
		return
	}
	adviseRandom(f.data, f.DataStart+info.Begin, info.End-info.Begin)
}

// Release tells the operating system that a tensor's bytes will not be read
// again (its values were converted and copied elsewhere), so a mapped
// checkpoint does not hold both the file's pages and the converted copy in
// memory. Reading the tensor later still works: the pages come back from
// the file.
func (f *File) Release(name string) {
	info, ok := f.Tensors[name]
	if !ok || f.unmap == nil || f.isMemory || len(f.data) == 0 {
		return
	}
	dropPages(f.data, f.DataStart+info.Begin, info.End-info.Begin)
}
