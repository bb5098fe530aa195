package testmodel

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ProbeCase is one case of testdata/reference/goldens/probes.json:
// transformers' own occlusion and head-ablation deltas for a reference
// checkpoint, an image and a row of token ids (see that folder's README).
type ProbeCase struct {
	Model         string      `json:"model"`
	MaxNumPatches int         `json:"max_num_patches"`
	Image         string      `json:"image"`
	InputIDs      []int       `json:"input_ids"`
	BaseLogit     float64     `json:"base_logit"`
	Grid          [2]int      `json:"grid"`
	Occlusion     [][]float64 `json:"occlusion"`
	Heads         [][]float64 `json:"heads"`
}

// ProbeCases reads probes.json from the reference folder referenceDir
// (testdata/reference, relative to the test's package).
func ProbeCases(referenceDir string) ([]ProbeCase, error) {
	raw, err := os.ReadFile(filepath.Join(referenceDir, "goldens", "probes.json"))
	if err != nil {
		return nil, err
	}
	var g struct{ Cases []ProbeCase }
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("probes.json: %w", err)
	}
	return g.Cases, nil
}
