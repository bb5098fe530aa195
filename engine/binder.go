package engine

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/compute"
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
	// allocated collects every backend tensor, so a failed load can free them.
	allocated []compute.Tensor
	// scratch is host memory reused to read Linear weights for a
	// compute.LinearWeightPreparer.
	scratch []float32
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
// columns are the last dimension.
func (b *binder) load(name string, dims []int) (compute.Tensor, error) {
	if err := b.weights.check(name, dims); err != nil { // before allocating
		return compute.Tensor{}, err
	}
	rows, cols := matrixShape(dims)
	x, err := b.alloc(name, rows, cols)
	if err != nil {
		return x, err
	}
	return x, b.fill(x, name, dims...)
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
	if l.Weight, err = b.linearWeight(parts, prefix, out, in); err != nil {
		return err
	}
	if l.Bias, err = b.alloc(name+".bias", 1, len(parts)*out); err != nil {
		return err
	}
	for i, p := range parts {
		if err := b.fill(l.Bias.ColRange(i*out, (i+1)*out), prefix+p+".bias", out); err != nil {
			return err
		}
	}
	return nil
}

// linearWeight loads the out×in weights of parts stacked row-wise: in the
// backend's own layout when it has one (compute.LinearWeightPreparer),
// else as a plain matrix.
func (b *binder) linearWeight(parts []string, prefix string, out, in int) (compute.Tensor, error) {
	name := prefix + strings.Join(parts, "|") + ".weight"
	fillWeight := func(w compute.Tensor) error {
		for i, p := range parts {
			if err := b.fill(w.RowRange(i*out, (i+1)*out), prefix+p+".weight", out, in); err != nil {
				return err
			}
		}
		return nil
	}
	if prep, ok := b.backend.(compute.LinearWeightPreparer); ok {
		// Read into reused host memory and keep only the backend's own
		// layout: one copy of each weight instead of two.
		rows := len(parts) * out
		b.scratch = slices.Grow(b.scratch[:0], rows*in)[:rows*in]
		w := compute.Tensor{Rows: rows, Cols: in, Stride: in, Host: b.scratch}
		if err := fillWeight(w); err != nil {
			return compute.Tensor{}, err
		}
		if p, ok := prep.PrepareLinearWeight(w); ok {
			b.allocated = append(b.allocated, p)
			return p, nil
		}
	}
	w, err := b.alloc(name, len(parts)*out, in)
	if err != nil {
		return w, err
	}
	return w, fillWeight(w)
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

// release frees everything allocated so far, after a failed load.
func (b *binder) release() {
	for _, x := range b.allocated {
		b.backend.Free(x)
	}
	b.allocated = nil
}
