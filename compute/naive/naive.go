// Package naive is a plain, obviously-correct compute.Backend: every
// operation is a direct loop with float64 accumulation. It is slow and exists
// as the oracle the fast backends are tested against, and as the backend of
// last resort.
//
// This package imports only package compute.
package naive

import (
	"fmt"
	"math"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// Backend is the naive host-memory backend. The zero value is ready to use.
type Backend struct{}

// New returns a naive backend.
func New() *Backend { return &Backend{} }

// Name implements compute.Backend.
func (*Backend) Name() string { return "naive (pure Go, reference)" }

// Alloc implements compute.Backend.
func (*Backend) Alloc(rows, cols int) (compute.Tensor, error) {
	if rows < 0 || cols < 0 {
		return compute.Tensor{}, fmt.Errorf("naive: alloc %dx%d: negative size", rows, cols)
	}
	return compute.Tensor{Rows: rows, Cols: cols, Stride: cols, Host: make([]float32, rows*cols)}, nil
}

// Free implements compute.Backend; host memory is left to the garbage collector.
func (*Backend) Free(compute.Tensor) {}

// Upload implements compute.Backend.
func (*Backend) Upload(t compute.Tensor, src []float32) error {
	if len(src) < t.Len() {
		return fmt.Errorf("naive: upload %d values into %dx%d tensor", len(src), t.Rows, t.Cols)
	}
	for r := 0; r < t.Rows; r++ {
		copy(t.Host[r*t.Stride:r*t.Stride+t.Cols], src[r*t.Cols:])
	}
	return nil
}

// Download implements compute.Backend.
func (*Backend) Download(dst []float32, t compute.Tensor) error {
	if len(dst) < t.Len() {
		return fmt.Errorf("naive: download %dx%d tensor into %d values", t.Rows, t.Cols, len(dst))
	}
	for r := 0; r < t.Rows; r++ {
		copy(dst[r*t.Cols:(r+1)*t.Cols], t.Host[r*t.Stride:])
	}
	return nil
}

// Linear implements compute.Backend.
func (*Backend) Linear(dst, x, w, bias compute.Tensor, act compute.Activation) {
	compute.CheckLinear("naive", dst, x, w, bias, act)
	out := make([]float32, dst.Cols) // dst may alias x
	for i := 0; i < x.Rows; i++ {
		xr := x.Host[i*x.Stride : i*x.Stride+x.Cols]
		for j := 0; j < w.Rows; j++ {
			wr := w.Host[j*w.Stride : j*w.Stride+w.Cols]
			var s float64
			for k, xv := range xr {
				s += float64(xv) * float64(wr[k])
			}
			if !bias.Empty() {
				s += float64(bias.Host[j])
			}
			out[j] = activate(float32(s), act)
		}
		copy(dst.Host[i*dst.Stride:], out)
	}
}

func activate(v float32, act compute.Activation) float32 {
	x := float64(v)
	switch act {
	case compute.GELUTanh:
		return float32(0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x))))
	case compute.GELUErf:
		return float32(0.5 * x * (1 + math.Erf(x/math.Sqrt2)))
	}
	return v
}

// LayerNorm implements compute.Backend.
func (*Backend) LayerNorm(dst, x, gain, bias compute.Tensor, eps float32) {
	compute.CheckLayerNorm("naive", dst, x, gain, bias)
	n := float64(x.Cols)
	for i := 0; i < x.Rows; i++ {
		xr := x.Host[i*x.Stride : i*x.Stride+x.Cols]
		var mean float64
		for _, v := range xr {
			mean += float64(v)
		}
		mean /= n
		var variance float64
		for _, v := range xr {
			d := float64(v) - mean
			variance += d * d
		}
		variance /= n
		inv := 1 / math.Sqrt(variance+float64(eps))
		dr := dst.Host[i*dst.Stride : i*dst.Stride+dst.Cols]
		for j, v := range xr {
			dr[j] = float32((float64(v)-mean)*inv*float64(gain.Host[j]) + float64(bias.Host[j]))
		}
	}
}

// Add implements compute.Backend.
func (*Backend) Add(dst, a, b compute.Tensor) {
	compute.CheckAdd("naive", dst, a, b)
	for i := 0; i < a.Rows; i++ {
		for j := 0; j < a.Cols; j++ {
			dst.Host[i*dst.Stride+j] = a.Host[i*a.Stride+j] + b.Host[i*b.Stride+j]
		}
	}
}

// Attention implements compute.Backend.
func (*Backend) Attention(dst, q, k, v, probs compute.Tensor, s compute.AttentionShape) {
	compute.CheckAttention("naive", dst, q, k, v, probs, s)
	width := s.Heads * s.HeadDim
	p := make([]float64, s.KLen)
	out := make([]float32, s.QLen*width) // dst may alias q
	for seq := 0; seq < s.Seqs; seq++ {
		valid := s.KLen
		if s.ValidKeys != nil {
			valid = s.ValidKeys[seq]
		}
		for h := 0; h < s.Heads; h++ {
			c0 := h * s.HeadDim
			for i := 0; i < s.QLen; i++ {
				qr := q.Host[(seq*s.QLen+i)*q.Stride+c0:]
				maxv := math.Inf(-1)
				for j := 0; j < valid; j++ {
					kr := k.Host[(seq*s.KLen+j)*k.Stride+c0:]
					var d float64
					for e := 0; e < s.HeadDim; e++ {
						d += float64(qr[e]) * float64(kr[e])
					}
					p[j] = d * float64(s.Scale)
					maxv = math.Max(maxv, p[j])
				}
				var sum float64
				for j := 0; j < valid; j++ {
					p[j] = math.Exp(p[j] - maxv)
					sum += p[j]
				}
				for j := 0; j < s.KLen; j++ {
					if j < valid {
						p[j] /= sum
					} else {
						p[j] = 0
					}
				}
				if !probs.Empty() {
					pr := probs.Host[((seq*s.Heads+h)*s.QLen+i)*probs.Stride:]
					for j := 0; j < s.KLen; j++ {
						pr[j] = float32(p[j])
					}
				}
				for e := 0; e < s.HeadDim; e++ {
					var acc float64
					for j := 0; j < valid; j++ {
						acc += p[j] * float64(v.Host[(seq*s.KLen+j)*v.Stride+c0+e])
					}
					out[i*width+c0+e] = float32(acc)
				}
			}
		}
		for i := 0; i < s.QLen; i++ {
			copy(dst.Host[(seq*s.QLen+i)*dst.Stride:(seq*s.QLen+i)*dst.Stride+width], out[i*width:])
		}
	}
}

// Sync implements compute.Backend; host work is finished when a call returns.
func (*Backend) Sync() error { return nil }
