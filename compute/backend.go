// Package compute is the small set of tensor operations the SigLIP 2 encoders
// are written against. The model code in package engine never touches
// numbers directly: it asks a Backend for linear layers, layer norms,
// attention and additions, so a faster CPU backend or a GPU backend can be
// swapped in without touching the model.
//
// This package must not import any other package of this module.
package compute

import "fmt"

// Tensor is a row-major float32 matrix owned by a Backend, or a view into
// one. Every activation in the encoders is a matrix: hidden states are
// (sequences·tokens) × features, attention probabilities are
// (sequences·heads·queries) × keys. Tensor is a small value type so views
// cost no allocation.
type Tensor struct {
	// Rows and Cols are the matrix shape.
	Rows, Cols int
	// Stride is the number of elements between the starts of two rows
	// (≥ Cols for a dense or column-sliced view).
	Stride int
	// Host holds the elements for host-memory backends: element (r, c)
	// is Host[r*Stride+c].
	Host []float32
	// Dev is the device address of element (0, 0) for device backends.
	Dev uintptr
}

// Empty reports whether t has no elements, which operations read as "absent"
// (for example a Linear without bias).
func (t Tensor) Empty() bool { return t.Rows == 0 || t.Cols == 0 }

// Len is the number of elements in the view.
func (t Tensor) Len() int { return t.Rows * t.Cols }

// Dense reports whether the rows of t are stored back to back.
func (t Tensor) Dense() bool { return t.Stride == t.Cols || t.Rows <= 1 }

// View returns the sub-matrix of rows [r0, r1) and columns [c0, c1).
func (t Tensor) View(r0, r1, c0, c1 int) Tensor {
	if r0 < 0 || r1 < r0 || r1 > t.Rows || c0 < 0 || c1 < c0 || c1 > t.Cols {
		panic(fmt.Sprintf("compute: view [%d:%d, %d:%d] of %dx%d tensor", r0, r1, c0, c1, t.Rows, t.Cols))
	}
	v := Tensor{Rows: r1 - r0, Cols: c1 - c0, Stride: t.Stride}
	off := r0*t.Stride + c0
	if t.Host != nil {
		end := off
		if v.Rows > 0 && v.Cols > 0 {
			end = off + (v.Rows-1)*t.Stride + v.Cols
		}
		v.Host = t.Host[off:end:end]
	}
	if t.Dev != 0 {
		v.Dev = t.Dev + uintptr(off)*4
	}
	return v
}

// RowRange returns rows [r0, r1) with all columns.
func (t Tensor) RowRange(r0, r1 int) Tensor { return t.View(r0, r1, 0, t.Cols) }

// ColRange returns columns [c0, c1) of every row.
func (t Tensor) ColRange(c0, c1 int) Tensor { return t.View(0, t.Rows, c0, c1) }

// Strided returns a view of n rows of width cols, the first starting at
// element offset start and each next one step elements further. It selects,
// for example, the last token of every sequence in a batch.
func (t Tensor) Strided(start, step, n, cols int) Tensor {
	if !t.Dense() {
		panic("compute: Strided needs a dense tensor")
	}
	last := start + (n-1)*step + cols
	if start < 0 || n <= 0 || step < cols || last > t.Len() {
		panic(fmt.Sprintf("compute: strided view start=%d step=%d n=%d cols=%d of %d elements", start, step, n, cols, t.Len()))
	}
	v := Tensor{Rows: n, Cols: cols, Stride: step}
	if t.Host != nil {
		v.Host = t.Host[start:last:last]
	}
	if t.Dev != 0 {
		v.Dev = t.Dev + uintptr(start)*4
	}
	return v
}

// Activation selects the non-linearity fused into a Linear.
type Activation int

const (
	// NoActivation leaves the affine result as it is.
	NoActivation Activation = iota
	// GELUTanh is the tanh approximation of GELU (PyTorch's
	// gelu(approximate="tanh"), Hugging Face's "gelu_pytorch_tanh").
	GELUTanh
	// GELUErf is the exact GELU, 0.5·x·(1+erf(x/√2)).
	GELUErf
)

// String names the activation as Hugging Face configs do.
func (a Activation) String() string {
	switch a {
	case NoActivation:
		return "identity"
	case GELUTanh:
		return "gelu_pytorch_tanh"
	case GELUErf:
		return "gelu"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// AttentionShape describes a batch of multi-head attention problems laid out
// as the encoders store them: queries are Seqs·QLen rows, keys and values
// Seqs·KLen rows, each row holding Heads consecutive blocks of HeadDim
// features.
type AttentionShape struct {
	Seqs, QLen, KLen, Heads, HeadDim int
	// Scale multiplies the query·key products before the softmax.
	Scale float32
	// ValidKeys, when not nil, holds for every sequence how many leading
	// keys are real; keys past it are padding and get probability exactly 0.
	ValidKeys []int
}

// Backend runs the operations of the SigLIP 2 encoders. Implementations may
// parallelise inside an operation but a Backend is used by one forward pass
// at a time; callers serialise.
//
// Operations do not return errors, so model code reads like the model: a
// device backend records the first failure and reports it from Sync. Shape
// mismatches are programming errors and panic; the engine validates every
// shape against the config before it calls a backend.
type Backend interface {
	// Name identifies the backend and its kernel library for status lines,
	// for example "cpu (OpenBLAS 0.3.21, Zen)".
	Name() string

	// Alloc returns a zeroed dense rows×cols tensor that lives until Free.
	Alloc(rows, cols int) (Tensor, error)
	// Free releases a tensor made by Alloc. Views must not be freed.
	Free(t Tensor)
	// Upload copies src, t.Rows·t.Cols values in row-major order, into t.
	Upload(t Tensor, src []float32) error
	// Download copies t into dst in row-major order; len(dst) ≥ t.Rows·t.Cols.
	Download(dst []float32, t Tensor) error

	// Linear computes dst = act(x·wᵀ + bias) for x M×K, w N×K (PyTorch's
	// nn.Linear layout), bias 1×N or empty, dst M×N.
	Linear(dst, x, w, bias Tensor, act Activation)
	// LayerNorm normalises every row of x over its columns with the biased
	// variance, then applies gain and bias (both 1×Cols): dst may be x.
	LayerNorm(dst, x, gain, bias Tensor, eps float32)
	// Add computes dst = a + b element by element; dst may alias a or b.
	Add(dst, a, b Tensor)
	// Attention computes, for every sequence s and head h,
	// P = softmax(Q·Kᵀ·Scale) over the valid keys and dst = P·V, where Q, K
	// and V are the head's HeadDim-wide column blocks of the sequence's rows
	// of q, k and v. dst has the layout of q. When probs is not empty it
	// receives P as Seqs·Heads·QLen rows of KLen columns, padding keys 0.
	Attention(dst, q, k, v, probs Tensor, shape AttentionShape)

	// Sync waits until every operation issued so far has finished and
	// returns the first error any of them met (nil on host backends).
	Sync() error
}

// LinearWeightPreparer is implemented by backends that keep Linear weights
// in a form of their own (the CPU backend's bfloat16 copies). Loading a
// weight through it keeps one copy of each weight, in that form.
type LinearWeightPreparer interface {
	// PrepareLinearWeight returns a new backend tensor holding the
	// out×in weight w in the backend's form, and true; or false when the
	// backend has no form of its own for w (the caller then keeps w as it
	// is, or a plain copy). w is read, not retained. The returned tensor
	// may only be passed whole as Linear's w argument and to Free: it
	// cannot be sliced, uploaded to or downloaded.
	PrepareLinearWeight(w Tensor) (Tensor, bool)
}

// HostWeightReader is implemented by host-memory backends that read a
// weight where it lies, a memory-mapped checkpoint included, so loading a
// model copies nothing.
type HostWeightReader interface {
	// HostWeight returns a rows×cols tensor over data (row-major, at
	// least rows·cols values) that the backend reads in place and never
	// writes, and true; false when the backend needs its own copy. data
	// must stay valid and unchanged until the tensor is freed; the tensor
	// may be viewed (rows, columns) like any other, and Free forgets it
	// without touching data. A backend that later keeps a copy of its own
	// (the CPU backend packs Linear weights in the background) calls
	// release, when it is not nil, to say data's pages may go (a mapped
	// file's pages are read again if touched).
	HostWeight(data []float32, rows, cols int, release func()) (Tensor, bool)
	// MultipliesInPlace reports whether Linear weights made by HostWeight
	// are multiplied where they lie (true), or converted at load into a
	// form of the backend's own (false: the CPU backend in bfloat16), so a
	// loader knows whether their pages are needed after loading.
	MultipliesInPlace() bool
}
