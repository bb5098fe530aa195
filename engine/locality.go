package engine

import (
	"fmt"
	"math"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// CosineGram returns the n × n matrix of cosine similarities between the
// rows of x (n × d, row-major): G[i·n+j] = <x_i, x_j> / (|x_i|·|x_j|). A
// zero row has similarity 0 to every row, itself included (as the
// similarity map treats a dead patch). The rows are normalised on the host
// in float64 and the product runs on the model's backend as one Linear of
// the normalised rows against themselves, so 1024 patches × 768 features
// take one BLAS call (or one cuBLAS call) instead of a million dot
// products. It serialises with the model's forward passes.
func (m *Model) CosineGram(x []float32, n, d int) ([]float32, error) {
	if n < 1 || d < 1 || len(x) < n*d {
		return nil, fmt.Errorf("cosine gram: %d values do not hold %d rows of %d", len(x), n, d)
	}
	unit := make([]float32, n*d)
	for i := range n {
		row := x[i*d : (i+1)*d]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		if ss == 0 {
			continue
		}
		inv := 1 / math.Sqrt(ss)
		for k, v := range row {
			unit[i*d+k] = float32(float64(v) * inv)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return gram(m.backend, unit, n, d)
}

// gram computes unit·unitᵀ on backend c.
func gram(c compute.Backend, unit []float32, n, d int) ([]float32, error) {
	x, err := c.Alloc(n, d)
	if err != nil {
		return nil, fmt.Errorf("cosine gram of %d×%d: %w", n, d, err)
	}
	defer c.Free(x)
	g, err := c.Alloc(n, n)
	if err != nil {
		return nil, fmt.Errorf("cosine gram of %d×%d: %w", n, d, err)
	}
	defer c.Free(g)
	if err := c.Upload(x, unit); err != nil {
		return nil, err
	}
	c.Linear(g, x, x, compute.Tensor{}, compute.NoActivation)
	if err := c.Sync(); err != nil {
		return nil, fmt.Errorf("cosine gram on %s: %w", c.Name(), err)
	}
	out := make([]float32, n*n)
	if err := c.Download(out, g); err != nil {
		return nil, err
	}
	return out, nil
}

// SimilarityMatrix returns the cosine similarity of every valid patch's
// features to every other's at one feature level (Valid() × Valid(),
// row-major over the patch grid; NaFlex padding is never included).
func (a *Analysis) SimilarityMatrix(level int) ([]float32, error) {
	f, err := a.Features(level)
	if err != nil {
		return nil, err
	}
	return a.Model.CosineGram(f, a.Valid(), a.Hidden())
}

// PositionSimilarity returns the cosine similarity between the position
// embeddings the vision tower added to this image's patches (Valid() ×
// Valid()): the learned table itself for fixed-resolution models, resized
// to the patch grid for NaFlex. It is the reference for how much of the
// features' similarity position alone could explain.
func (a *Analysis) PositionSimilarity() ([]float32, error) {
	pos, err := a.Positions()
	if err != nil {
		return nil, err
	}
	return a.Model.CosineGram(pos, a.Valid(), a.Hidden())
}

// Positions returns the position embeddings of this image's patch grid
// (Valid() × Hidden()), a copy.
func (a *Analysis) Positions() ([]float32, error) {
	rows, cols := a.Grid()
	m := a.Model
	m.mu.Lock()
	pos, err := m.Vision.ResizedPositions(rows, cols)
	if err == nil {
		pos = append([]float32(nil), pos...)
	}
	m.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("position embeddings: %w", err)
	}
	return pos, nil
}
