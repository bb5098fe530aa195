package safetensors

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Tensor is one tensor to write: a name, its shape and its elements as one of
// []float32, []int64, []int32, []uint8, or Raw for any dtype already encoded.
type Tensor struct {
	Name  string
	Shape []int
	Data  any
}

// Raw is tensor data already encoded little-endian in DType.
type Raw struct {
	DType DType
	Bytes []byte
}

// Lazy is tensor data made when Write reaches it: N elements of DType,
// encoded little-endian by Bytes (called once), so a large checkpoint can
// be written without holding all of it in memory.
type Lazy struct {
	DType DType
	N     int
	Bytes func() []byte
}

func (t Tensor) dtype() (DType, int, error) {
	switch d := t.Data.(type) {
	case Raw:
		if d.DType.Size() == 0 || len(d.Bytes)%d.DType.Size() != 0 {
			return "", 0, fmt.Errorf("tensor %q: %d raw bytes of dtype %q", t.Name, len(d.Bytes), d.DType)
		}
		return d.DType, len(d.Bytes) / d.DType.Size(), nil
	case Lazy:
		if d.DType.Size() == 0 || d.N < 0 || d.Bytes == nil {
			return "", 0, fmt.Errorf("tensor %q: lazy data of dtype %q", t.Name, d.DType)
		}
		return d.DType, d.N, nil
	case []float32:
		return F32, len(d), nil
	case []int64:
		return I64, len(d), nil
	case []int32:
		return I32, len(d), nil
	case []uint8:
		return U8, len(d), nil
	}
	return "", 0, fmt.Errorf("tensor %q: unsupported element type %T", t.Name, t.Data)
}

// Write encodes tensors in the safetensors format to w, in the order given,
// with an optional string metadata map. The header is padded to a multiple
// of 8 bytes so readers can map float data aligned.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var offset int64
	seen := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		dt, n, err := t.dtype()
		if err != nil {
			return err
		}
		if seen[t.Name] {
			return fmt.Errorf("tensor %q written twice", t.Name)
		}
		seen[t.Name] = true
		elems := 1
		for _, d := range t.Shape {
			elems *= d
		}
		if elems != n {
			return fmt.Errorf("tensor %q: shape %v holds %d elements, data has %d", t.Name, t.Shape, elems, n)
		}
		size := int64(n * dt.Size())
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = map[string]any{"dtype": dt, "shape": shape, "data_offsets": []int64{offset, offset + size}}
		offset += size
	}
	js, err := json.Marshal(header) // encoding/json sorts map keys
	if err != nil {
		return err
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(js)))
	bw.Write(lenBuf[:])
	bw.Write(js)
	var buf [8]byte
	for _, t := range tensors {
		switch d := t.Data.(type) {
		case []float32:
			for _, v := range d {
				binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
				bw.Write(buf[:4])
			}
		case []int64:
			for _, v := range d {
				binary.LittleEndian.PutUint64(buf[:], uint64(v))
				bw.Write(buf[:8])
			}
		case []int32:
			for _, v := range d {
				binary.LittleEndian.PutUint32(buf[:], uint32(v))
				bw.Write(buf[:4])
			}
		case []uint8:
			bw.Write(d)
		case Raw:
			bw.Write(d.Bytes)
		case Lazy:
			b := d.Bytes()
			if len(b) != d.N*d.DType.Size() {
				return fmt.Errorf("tensor %q: lazy data gave %d bytes, want %d", t.Name, len(b), d.N*d.DType.Size())
			}
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// WriteFile writes tensors to path atomically: to a temporary file in the
// same folder, renamed into place only when complete.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := Write(tmp, tensors, metadata); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes files private
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
