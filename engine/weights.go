package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// Weights is a checkpoint's tensors across one model.safetensors file or the
// shards a model.safetensors.index.json lists. Files stay memory-mapped until
// Close, so tensors are read only when asked for.
type Weights struct {
	files  []*safetensors.File
	byName map[string]*safetensors.File

	// scanned holds, for float32 tensors checked ahead by Prescan, the
	// index of the first non-finite value (-1: none).
	scanMu  sync.Mutex
	scanned map[string]int
}

// OpenWeights opens dir/model.safetensors, or the sharded checkpoint that
// dir/model.safetensors.index.json describes.
func OpenWeights(dir string) (*Weights, error) {
	single := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		return openFiles([]string{single}, nil)
	}
	indexPath := filepath.Join(dir, "model.safetensors.index.json")
	data, err := inputfile.ReadFile(indexPath, inputfile.ConfigLimit)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no weights in %s: expected model.safetensors or model.safetensors.index.json (PyTorch .bin checkpoints are not supported; convert them with safetensors)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", indexPath, err)
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("parse %s: %w", indexPath, err)
	}
	if len(index.WeightMap) == 0 {
		return nil, fmt.Errorf("%s: weight_map is empty", indexPath)
	}
	shards := map[string]bool{}
	for name, shard := range index.WeightMap {
		if shard == "" || filepath.Base(shard) != shard {
			return nil, fmt.Errorf("%s: tensor %q points to %q, which is not a file name in the model folder", indexPath, name, shard)
		}
		shards[shard] = true
	}
	var paths []string
	for s := range shards {
		paths = append(paths, filepath.Join(dir, s))
	}
	sort.Strings(paths)
	return openFiles(paths, index.WeightMap)
}

// fromFiles indexes already opened files (for in-memory checkpoints).
func fromFiles(files []*safetensors.File) (*Weights, error) {
	w := &Weights{files: files, byName: map[string]*safetensors.File{}}
	for _, f := range files {
		for name := range f.Tensors {
			if _, dup := w.byName[name]; dup {
				return nil, fmt.Errorf("tensor %q appears twice", name)
			}
			w.byName[name] = f
		}
	}
	return w, nil
}

func openFiles(paths []string, weightMap map[string]string) (*Weights, error) {
	w := &Weights{byName: map[string]*safetensors.File{}}
	for _, p := range paths {
		f, err := safetensors.Open(p)
		if err != nil {
			w.Close()
			return nil, err
		}
		w.files = append(w.files, f)
		for name := range f.Tensors {
			if prev, dup := w.byName[name]; dup {
				w.Close()
				return nil, fmt.Errorf("tensor %q appears in both %s and %s", name, prev.Path, p)
			}
			if weightMap != nil && weightMap[name] != filepath.Base(p) {
				continue // the index is authoritative about which shard holds a tensor
			}
			w.byName[name] = f
		}
	}
	for name, shard := range weightMap {
		if _, ok := w.byName[name]; !ok {
			w.Close()
			return nil, fmt.Errorf("tensor %q: the index says it is in %s, but that shard does not contain it", name, shard)
		}
	}
	return w, nil
}

// Close unmaps every file.
func (w *Weights) Close() error {
	var first error
	for _, f := range w.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	w.files = nil
	return first
}

// Info describes a tensor, or reports that the checkpoint lacks it.
func (w *Weights) Info(name string) (safetensors.Info, *safetensors.File, error) {
	f, ok := w.byName[name]
	if !ok {
		return safetensors.Info{}, nil, fmt.Errorf("tensor %q is missing from %s (is this a SigLIP 2 model folder? a partial download?)", name, w.fileList())
	}
	return f.Tensors[name], f, nil
}

// Float32 reads a floating-point tensor, checking its shape (before
// allocating anything) and that every value is finite.
func (w *Weights) Float32(name string, shape ...int) ([]float32, error) {
	if err := w.check(name, shape); err != nil {
		return nil, err
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	out := make([]float32, n)
	if err := w.ReadInto(out, name, shape...); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadInto converts a floating-point tensor of the given shape into dst
// (len = its elements), then lets the mapped file pages go: the converted
// copy is what the model keeps. A NaN or infinity among the converted
// values is a *NonFiniteWeightError naming the tensor and the file.
func (w *Weights) ReadInto(dst []float32, name string, shape ...int) error {
	if err := w.check(name, shape); err != nil {
		return err
	}
	f := w.byName[name]
	raw, info, err := f.Bytes(name)
	if err != nil {
		return err
	}
	if len(dst) != info.Elements() {
		return fmt.Errorf("%s: tensor %q has %d elements, destination %d", f.Path, name, info.Elements(), len(dst))
	}
	bad, err := safetensors.DecodeFloat32Finite(dst, raw, info.DType)
	if err != nil {
		return fmt.Errorf("%s: tensor %q: %w", f.Path, name, err)
	}
	f.Release(name)
	if bad >= 0 {
		return &NonFiniteWeightError{File: f.Path, Tensor: name, Shape: info.Shape, Index: bad, Value: dst[bad]}
	}
	return nil
}

// Mapped returns a float32 tensor's values where they lie in the mapped
// checkpoint, without a copy, after checking its shape and that every
// value is finite; ok is false (and nothing is read) when the tensor is
// not stored as float32 aligned for reading in place, or this machine is
// big-endian. The slice is valid until Close and must not be written.
func (w *Weights) Mapped(name string, shape ...int) (vals []float32, ok bool, err error) {
	if err := w.check(name, shape); err != nil {
		return nil, false, err
	}
	f := w.byName[name]
	raw, info, err := f.Bytes(name)
	if err != nil {
		return nil, false, err
	}
	if info.DType != safetensors.F32 || !safetensors.LittleEndian || len(raw) == 0 || uintptr(unsafe.Pointer(&raw[0]))%4 != 0 {
		return nil, false, nil
	}
	vals = unsafe.Slice((*float32)(unsafe.Pointer(&raw[0])), len(raw)/4)
	w.scanMu.Lock()
	bad, known := w.scanned[name]
	w.scanMu.Unlock()
	if !known {
		bad = safetensors.FirstNonFinite(vals)
	}
	if bad >= 0 {
		return nil, false, &NonFiniteWeightError{File: f.Path, Tensor: name, Shape: info.Shape, Index: bad, Value: vals[bad]}
	}
	return vals, true, nil
}

// Prescan checks every float32 tensor whose name starts with prefix for
// NaNs and infinities ahead of Mapped, on every core at once (the pages of
// a mapped checkpoint are read in parallel too), so binding a tower does
// not read its weights one after the other.
func (w *Weights) Prescan(prefix string) {
	type chunk struct {
		name   string
		off    int
		vals   []float32
		result *atomic.Int64
	}
	const size = 1 << 20
	var chunks []chunk
	results := map[string]*atomic.Int64{}
	for name, f := range w.byName {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		raw, info, err := f.Bytes(name)
		if err != nil || info.DType != safetensors.F32 || !safetensors.LittleEndian || len(raw) == 0 || uintptr(unsafe.Pointer(&raw[0]))%4 != 0 {
			continue
		}
		vals := unsafe.Slice((*float32)(unsafe.Pointer(&raw[0])), len(raw)/4)
		r := &atomic.Int64{}
		r.Store(math.MaxInt64)
		results[name] = r
		for off := 0; off < len(vals); off += size {
			chunks = append(chunks, chunk{name, off, vals[off:min(off+size, len(vals))], r})
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(chunks) {
					return
				}
				c := chunks[i]
				if bad := safetensors.FirstNonFinite(c.vals); bad >= 0 {
					for { // keep the lowest index
						old := c.result.Load()
						if int64(c.off+bad) >= old || c.result.CompareAndSwap(old, int64(c.off+bad)) {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	w.scanMu.Lock()
	defer w.scanMu.Unlock()
	if w.scanned == nil {
		w.scanned = map[string]int{}
	}
	for name, r := range results {
		bad := int(r.Load())
		if bad == math.MaxInt64 {
			bad = -1
		}
		w.scanned[name] = bad
	}
}

// Release lets the mapped pages of a tensor go (see safetensors'
// File.Release): after its values were converted into a copy.
func (w *Weights) Release(name string) {
	if f, ok := w.byName[name]; ok {
		f.Release(name)
	}
}

// check makes sure the checkpoint has tensor name with the given shape
// and a floating-point dtype, reading nothing but the header.
func (w *Weights) check(name string, shape []int) error {
	info, f, err := w.Info(name)
	if err != nil {
		return err
	}
	if err := checkShape(info, f.Path, shape); err != nil {
		return err
	}
	switch info.DType {
	case safetensors.F32, safetensors.F16, safetensors.BF16, safetensors.F64:
		return nil
	}
	return fmt.Errorf("%s: tensor %q has dtype %s; weights must be F32, F16 or BF16", f.Path, name, info.DType)
}

// fileList names the checkpoint's files for messages.
func (w *Weights) fileList() string {
	switch len(w.files) {
	case 0:
		return "the checkpoint (no weight file is open)"
	case 1:
		return w.files[0].Path
	}
	names := make([]string, len(w.files))
	for i, f := range w.files {
		names[i] = f.Path
	}
	return "every shard (" + strings.Join(names, ", ") + ")"
}

func checkShape(info safetensors.Info, path string, want []int) error {
	same := len(info.Shape) == len(want)
	for i := 0; same && i < len(want); i++ {
		same = info.Shape[i] == want[i]
	}
	if !same {
		return fmt.Errorf("%s: tensor %q has shape %s but the config implies %s (config.json and the weights disagree)",
			path, info.Name, safetensors.ShapeString(info.Shape), safetensors.ShapeString(want))
	}
	return nil
}

// Names lists every tensor in the checkpoint, sorted.
func (w *Weights) Names() []string {
	names := make([]string, 0, len(w.byName))
	for n := range w.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
