package profile

import (
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/computetest"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// The wrapper must not change any result.
func TestConformance(t *testing.T) {
	computetest.Run(t, Wrap(naive.New()), computetest.Tolerances{})
}

func TestStagesCountCalls(t *testing.T) {
	p := Wrap(naive.New())
	x, _ := p.Alloc(4, 8)
	w, _ := p.Alloc(3, 8)
	d, _ := p.Alloc(4, 3)
	p.Linear(d, x, w, compute.Tensor{}, compute.NoActivation)
	p.Linear(d, x, w, compute.Tensor{}, compute.NoActivation)
	p.Linear(d, x, w, compute.Tensor{}, compute.GELUTanh)
	p.Add(x, x, x)
	got := map[string]int{}
	for _, s := range p.Stages() {
		got[s.Op] = s.Calls
	}
	if got["matmul"] != 2 || got["matmul+gelu"] != 1 || got["add"] != 1 || len(got) != 3 {
		t.Errorf("stages = %v", got)
	}
	p.Reset()
	if len(p.Stages()) != 0 {
		t.Error("Reset left stages")
	}
}
