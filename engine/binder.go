package engine

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// The model structs name their checkpoint tensors declaratively:
//
//	FC1 linear `st:"fc1" shape:"intermediate,hidden"`
//
// binds mlp.fc1.weight (checked to be intermediate×hidden) and mlp.fc1.bias.
// A name like "q_proj|k_proj|v_proj" stacks several checkpoint linears into
// one (their rows concatenated), so one matrix product computes all three.
// Slices of structs take a name with %d and are bound element by element.
// Shapes are comma-separated dimension names (resolved from the config),
// numbers, or k*name.

var (
	tensorType    = reflect.TypeOf(compute.Tensor{})
	linearType    = reflect.TypeOf(linear{})
	layerNormType = reflect.TypeOf(layerNorm{})
)

// binder loads tagged tensors from a checkpoint onto a backend.
type binder struct {
	backend compute.Backend
	weights *Weights
	dims    map[string]int
	// allocated collects every backend tensor, so a failed load can free
	// them; inplace every tensor read in place from the mapped file.
	allocated, inplace []compute.Tensor
	// scratch is host memory reused to decode Linear weights for a
	// compute.LinearWeightPreparer.
	scratch []float32
	// dry checks names, shapes and dtypes only: nothing is read or
	// allocated.
	dry bool
}

// bind fills every tagged field of the struct pointed to by ptr, naming
// tensors under prefix.
func (b *binder) bind(prefix string, ptr any) error {
	return b.bindStruct(prefix, reflect.ValueOf(ptr).Elem())
}

func (b *binder) bindStruct(prefix string, v reflect.Value) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, ok := f.Tag.Lookup("st")
		if !ok {
			continue
		}
		full := join(prefix, name)
		shape := f.Tag.Get("shape")
		fv := v.Field(i)
		var err error
		switch {
		case f.Type == linearType:
			err = b.bindLinear(full, shape, fv.Addr().Interface().(*linear))
		case f.Type == layerNormType:
			err = b.bindLayerNorm(full, shape, fv.Addr().Interface().(*layerNorm))
		case f.Type == tensorType:
			var dims []int
			if dims, err = b.shape(full, shape); err == nil {
				var x compute.Tensor
				if x, err = b.load(full, dims); err == nil {
					fv.Set(reflect.ValueOf(x))
				}
			}
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			for j := 0; j < fv.Len() && err == nil; j++ {
				err = b.bindStruct(join(prefix, fmt.Sprintf(name, j)), fv.Index(j))
			}
		case f.Type.Kind() == reflect.Struct:
			err = b.bindStruct(full, fv)
		default:
			panic(fmt.Sprintf("engine: field %s.%s has st tag but type %s cannot be bound", t.Name(), f.Name, f.Type))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// shape resolves a shape tag against the config's dimension names.
func (b *binder) shape(name, tag string) ([]int, error) {
	if tag == "" {
		panic("engine: tensor " + name + " has no shape tag")
	}
	var dims []int
	for _, part := range strings.Split(tag, ",") {
		mult := 1
		if k, rest, ok := strings.Cut(part, "*"); ok {
			m, err := strconv.Atoi(k)
			if err != nil {
				panic("engine: bad shape tag " + tag)
			}
			mult, part = m, rest
		}
		if n, err := strconv.Atoi(part); err == nil {
			dims = append(dims, mult*n)
			continue
		}
		d, ok := b.dims[part]
		if !ok {
			panic("engine: shape tag " + tag + " names unknown dimension " + part)
		}
		dims = append(dims, mult*d)
	}
	return dims, nil
}

// load reads one tensor of the given shape and uploads it as a matrix whose
// columns are the last dimension; a backend that reads host weights in
// place (compute.HostWeightReader) gets the mapped values themselves.
func (b *binder) load(name string, dims []int) (compute.Tensor, error) {
	if err := b.weights.check(name, dims); err != nil || b.dry { // before allocating
		return compute.Tensor{}, err
	}
	rows, cols := matrixShape(dims)
	if x, ok, err := b.inPlace(name, rows, cols, false); ok || err != nil {
		return x, err
	}
	x, err := b.alloc(name, rows, cols)
	if err != nil {
		return x, err
	}
	return x, b.fill(x, name, dims...)
}

// inPlace returns tensor name (rows×cols) read where it lies in the mapped
// checkpoint, when the backend can (compute.HostWeightReader) and the file
// stores it as float32; ok is false otherwise. With releasable, the backend
// may let the tensor's pages go once it keeps a copy of its own.
func (b *binder) inPlace(name string, rows, cols int, releasable bool) (x compute.Tensor, ok bool, err error) {
	hr, can := b.backend.(compute.HostWeightReader)
	if !can {
		return x, false, nil
	}
	vals, ok, err := b.weights.Mapped(name, b.dimsOf(name)...)
	if !ok || err != nil {
		return x, false, err
	}
	var release func()
	if releasable {
		w := b.weights
		release = func() { w.Release(name) }
	}
	if x, ok = hr.HostWeight(vals, rows, cols, release); ok {
		b.inplace = append(b.inplace, x)
	}
	return x, ok, nil
}

// dimsOf is tensor name's shape as the checkpoint stores it (already
// checked against the config).
func (b *binder) dimsOf(name string) []int {
	info, _, err := b.weights.Info(name)
	if err != nil {
		return nil
	}
	return info.Shape
}

// fill reads a checkpoint tensor into x: straight into host memory for host
// backends (no intermediate copy), through Upload otherwise.
func (b *binder) fill(x compute.Tensor, name string, dims ...int) error {
	if x.Host != nil && x.Dense() {
		return b.weights.ReadInto(x.Host[:x.Len()], name, dims...)
	}
	vals, err := b.weights.Float32(name, dims...)
	if err != nil {
		return err
	}
	if err := b.backend.Upload(x, vals); err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	return nil
}

func matrixShape(dims []int) (rows, cols int) {
	rows, cols = 1, 1
	if len(dims) > 0 {
		cols = dims[len(dims)-1]
		for _, d := range dims[:len(dims)-1] {
			rows *= d
		}
	}
	return rows, cols
}

func (b *binder) alloc(name string, rows, cols int) (compute.Tensor, error) {
	x, err := b.backend.Alloc(rows, cols)
	if err != nil {
		return x, fmt.Errorf("allocate %s (%dx%d): %w", name, rows, cols, err)
	}
	b.allocated = append(b.allocated, x)
	return x, nil
}

func (b *binder) upload(name string, rows, cols int, vals []float32) (compute.Tensor, error) {
	x, err := b.alloc(name, rows, cols)
	if err != nil {
		return x, err
	}
	if err := b.backend.Upload(x, vals); err != nil {
		return x, fmt.Errorf("upload %s: %w", name, err)
	}
	return x, nil
}

// bindLinear loads name.weight and name.bias, stacking "a|b|c" parts.
func (b *binder) bindLinear(name, shapeTag string, l *linear) error {
	dims, err := b.shape(name, shapeTag)
	if err != nil {
		return err
	}
	if len(dims) != 2 {
		panic("engine: linear " + name + " needs an out,in shape")
	}
	parts := strings.Split(name, "|")
	prefix := ""
	if i := strings.LastIndex(parts[0], "."); i >= 0 {
		prefix, parts[0] = parts[0][:i+1], parts[0][i+1:]
	}
	out, in := dims[0], dims[1]
	for _, p := range parts { // every shape, before allocating anything
		if err := b.weights.check(prefix+p+".weight", []int{out, in}); err != nil {
			return err
		}
		if err := b.weights.check(prefix+p+".bias", []int{out}); err != nil {
			return err
		}
	}
	if b.dry {
		return nil
	}
	if l.Bias, err = b.alloc(name+".bias", 1, len(parts)*out); err != nil {
		return err
	}
	for i, p := range parts {
		if err := b.fill(l.Bias.ColRange(i*out, (i+1)*out), prefix+p+".bias", out); err != nil {
			return err
		}
	}
	hr, reads := b.backend.(compute.HostWeightReader)
	prep, prepares := b.backend.(compute.LinearWeightPreparer)
	if !reads && !prepares {
		l.Weight, err = b.stackedWeight(parts, prefix, out, in)
		return err
	}
	if len(parts) > 1 && !(reads && hr.MultipliesInPlace() && b.allMapped(parts, prefix)) {
		// Stacked into reused host memory and prepared as one weight: one
		// product for the three.
		rows := len(parts) * out
		b.scratch = slices.Grow(b.scratch[:0], rows*in)[:rows*in]
		w := compute.Tensor{Rows: rows, Cols: in, Stride: in, Host: b.scratch}
		for i, p := range parts {
			if err := b.weights.ReadInto(w.Host[i*out*in:(i+1)*out*in], prefix+p+".weight", out, in); err != nil {
				return err
			}
		}
		if prepares {
			if p, ok := prep.PrepareLinearWeight(w); ok {
				b.allocated = append(b.allocated, p)
				l.Weight = p
				return nil
			}
		}
		l.Weight, err = b.upload(name+".weight", rows, in, w.Host)
		return err
	}
	// Each part is a weight read where it lies (no stacked copy): a
	// stacked linear runs one product per part.
	ws := make([]compute.Tensor, len(parts))
	for i, p := range parts {
		if ws[i], err = b.linearWeight(prefix+p+".weight", out, in); err != nil {
			return err
		}
	}
	if len(parts) == 1 {
		l.Weight = ws[0]
		return nil
	}
	l.parts = make([]linear, len(parts))
	for i := range parts {
		l.parts[i] = linear{Weight: ws[i], Bias: l.Bias.ColRange(i*out, (i+1)*out)}
	}
	return nil
}

// allMapped reports whether every part's weight can be read in place from
// the mapped checkpoint (float32, aligned).
func (b *binder) allMapped(parts []string, prefix string) bool {
	for _, p := range parts {
		info, f, err := b.weights.Info(prefix + p + ".weight")
		if err != nil || info.DType != safetensors.F32 || f == nil {
			return false
		}
		raw, _, err := f.Bytes(prefix + p + ".weight")
		if err != nil || len(raw) == 0 || uintptr(unsafe.Pointer(&raw[0]))%4 != 0 {
			return false
		}
	}
	return true
}

// linearWeight loads one out×in Linear weight: read in place when the
// backend can (compute.HostWeightReader) and the checkpoint stores it as
// float32, else decoded into reused host memory; then in the backend's own
// form when it has one for it (compute.LinearWeightPreparer: the mapped
// pages are then let go), else as it is in place, else as a plain backend
// tensor.
func (b *binder) linearWeight(name string, out, in int) (compute.Tensor, error) {
	src, mapped, err := b.inPlace(name, out, in, true)
	if err != nil {
		return compute.Tensor{}, err
	}
	prep, prepares := b.backend.(compute.LinearWeightPreparer)
	if !mapped && prepares {
		b.scratch = slices.Grow(b.scratch[:0], out*in)[:out*in]
		src = compute.Tensor{Rows: out, Cols: in, Stride: in, Host: b.scratch}
		if err := b.weights.ReadInto(src.Host, name, out, in); err != nil {
			return compute.Tensor{}, err
		}
	}
	if prepares {
		if p, ok := prep.PrepareLinearWeight(src); ok {
			b.allocated = append(b.allocated, p)
			if mapped {
				b.backend.Free(src) // the backend forgets the in-place weight
				b.inplace = b.inplace[:len(b.inplace)-1]
				b.weights.Release(name)
			}
			return p, nil
		}
		if !mapped {
			return b.upload(name, out, in, src.Host)
		}
	}
	if mapped {
		return src, nil
	}
	w, err := b.alloc(name, out, in)
	if err != nil {
		return w, err
	}
	return w, b.fill(w, name, out, in)
}

// stackedWeight loads the out×in weights of parts stacked row-wise into
// one plain backend tensor.
func (b *binder) stackedWeight(parts []string, prefix string, out, in int) (compute.Tensor, error) {
	name := prefix + strings.Join(parts, "|") + ".weight"
	w, err := b.alloc(name, len(parts)*out, in)
	if err != nil {
		return w, err
	}
	for i, p := range parts {
		if err := b.fill(w.RowRange(i*out, (i+1)*out), prefix+p+".weight", out, in); err != nil {
			return w, err
		}
	}
	return w, nil
}

func (b *binder) bindLayerNorm(name, shapeTag string, n *layerNorm) error {
	dims, err := b.shape(name, shapeTag)
	if err != nil {
		return err
	}
	if n.Weight, err = b.load(name+".weight", dims); err != nil {
		return err
	}
	n.Bias, err = b.load(name+".bias", dims)
	return err
}

// tensors lists everything allocated or read in place, for the tower to
// free when the model closes.
func (b *binder) tensors() []compute.Tensor {
	return append(append([]compute.Tensor(nil), b.allocated...), b.inplace...)
}

// release frees everything allocated or read in place so far, after a
// failed load.
func (b *binder) release() {
	for _, x := range b.allocated {
		b.backend.Free(x)
	}
	for _, x := range b.inplace {
		b.backend.Free(x)
	}
	b.allocated, b.inplace = nil, nil
}
