package engine

import (
	"context"
	"fmt"
)

// TextBatch is how many token rows TextEmbeddings (and so EncodeLabels)
// sends through the text tower at once. A row of the base model takes
// about 2.7 MB of activations, so a batch stays under 200 MB however many
// labels there are; every row is computed on its own, so the batch size
// does not change the results.
const TextBatch = 64

// TextEmbeddings returns the L2-normalised text embeddings of rows of token
// ids (len(ids) × projection size), encoding at most TextBatch rows per
// forward pass so that memory stays bounded for any number of rows.
// Cancelling ctx stops it between two blocks of a pass.
func (m *Model) TextEmbeddings(ctx context.Context, ids [][]int) ([]float32, error) {
	p := m.Config.Text.ProjectionSize
	embeds := make([]float32, 0, len(ids)*p)
	var out TextOutput
	for start := 0; start < len(ids); start += TextBatch {
		end := min(start+TextBatch, len(ids))
		if err := m.EncodeTextsInto(ctx, &out, ids[start:end], false); err != nil {
			if start == 0 && end == len(ids) {
				return nil, err
			}
			return nil, fmt.Errorf("texts %d to %d: %w", start, end-1, err)
		}
		embeds = append(embeds, out.Embeds...)
	}
	return embeds, nil
}
