package inspect

import (
	"fmt"
	"math"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/viz"
)

// Correspondence: dense features are useful when the same thing gets alike
// features wherever it is, in any image. Two images go through one model;
// at a feature level every patch of A is compared with every patch of B.
// A patch's best match in B is the patch of highest cosine similarity; a
// pair is a mutual nearest neighbour when each is the other's best match.

// CorrespondReport is one feature level's similarities between every
// patch of image A and every patch of image B.
type CorrespondReport struct {
	// RowsA × ColsA and RowsB × ColsB are the two patch grids.
	RowsA, ColsA, RowsB, ColsB int
	Level                      int
	Name                       string
	// Sim is the cosine similarity of A's patch i to B's patch j at
	// Sim[i·(RowsB·ColsB) + j].
	Sim []float32
	// BestA[i] is A's patch i's best match in B; BestB[j] is B's patch
	// j's best match in A.
	BestA, BestB []int
	// Mutual counts the mutual nearest neighbours: patches i of A with
	// BestB[BestA[i]] = i.
	Mutual int
}

// Correspond compares every patch of a with every patch of b at level (0
// = the patch embeddings … L+1 = after the final LayerNorm). The product
// runs on the model's backend.
func Correspond(a, b *engine.Analysis, level int) (*CorrespondReport, error) {
	if err := sameModel(a, b); err != nil {
		return nil, err
	}
	if level < 0 || level >= a.FeatureLevels() {
		return nil, fmt.Errorf("layer %d is outside 0…%d (0 = embeddings, %d = after the final LayerNorm)", level, a.FeatureLevels()-1, a.FeatureLevels()-1)
	}
	fa, err := a.Features(level)
	if err != nil {
		return nil, err
	}
	fb, err := b.Features(level)
	if err != nil {
		return nil, err
	}
	na, nb, d := a.Valid(), b.Valid(), a.Hidden()
	// One Gram matrix of both images' patches holds the A × B block.
	both := make([]float32, 0, (na+nb)*d)
	both = append(append(both, fa[:na*d]...), fb[:nb*d]...)
	g, err := a.Model.CosineGram(both, na+nb, d)
	if err != nil {
		return nil, fmt.Errorf("correspondence: %w", err)
	}
	r := &CorrespondReport{Level: level, Name: a.FeatureLevelName(level), Sim: make([]float32, na*nb)}
	r.RowsA, r.ColsA = a.Grid()
	r.RowsB, r.ColsB = b.Grid()
	for i := range na {
		copy(r.Sim[i*nb:(i+1)*nb], g[i*(na+nb)+na:(i+1)*(na+nb)])
	}
	r.BestA, r.BestB = make([]int, na), make([]int, nb)
	for j := range r.BestB {
		r.BestB[j] = -1
	}
	bestB := make([]float32, nb)
	for j := range bestB {
		bestB[j] = float32(math.Inf(-1))
	}
	for i := range na {
		row := r.Sim[i*nb : (i+1)*nb]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
			if v > bestB[j] {
				bestB[j], r.BestB[j] = v, i
			}
		}
		r.BestA[i] = best
	}
	for i, j := range r.BestA {
		if r.BestB[j] == i {
			r.Mutual++
		}
	}
	return r, nil
}

// Row is A's patch p's similarity to every patch of B (row-major over B's
// grid).
func (r *CorrespondReport) Row(p int) []float32 {
	nb := r.RowsB * r.ColsB
	if p < 0 || p >= r.RowsA*r.ColsA {
		return nil
	}
	return r.Sim[p*nb : (p+1)*nb]
}

// Best is A's patch p's best match in B as a patch of B's grid.
func (r *CorrespondReport) Best(p int) viz.Patch {
	j := r.BestA[p]
	return viz.Patch{Row: j / r.ColsB, Col: j % r.ColsB}
}

// IsMutual reports whether A's patch p and its best match are each
// other's best match.
func (r *CorrespondReport) IsMutual(p int) bool { return r.BestB[r.BestA[p]] == p }
