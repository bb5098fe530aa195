package naflex

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// stTensor is one tensor of a safetensors file, read by the test-only
// reader below (the project's real reader lives in engine/safetensors).
type stTensor struct {
	DType   string `json:"dtype"`
	Shape   []int  `json:"shape"`
	Offsets [2]int `json:"data_offsets"`
	data    []byte
}

// readSafetensors parses a whole safetensors file: 8-byte little-endian
// header length, JSON header, raw little-endian data.
func readSafetensors(t testing.TB, path string) map[string]*stTensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8 {
		t.Fatalf("%s: too short", path)
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		t.Fatalf("%s: header length %d", path, n)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		t.Fatal(err)
	}
	body := b[8+n:]
	out := map[string]*stTensor{}
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var ts stTensor
		if err := json.Unmarshal(msg, &ts); err != nil {
			t.Fatal(err)
		}
		if ts.Offsets[0] < 0 || ts.Offsets[1] > len(body) || ts.Offsets[0] > ts.Offsets[1] {
			t.Fatalf("%s: bad offsets for %s", path, name)
		}
		ts.data = body[ts.Offsets[0]:ts.Offsets[1]]
		out[name] = &ts
	}
	return out
}

func (ts *stTensor) numel() int {
	n := 1
	for _, d := range ts.Shape {
		n *= d
	}
	return n
}

func (ts *stTensor) check(dtype string, size int) error {
	if ts.DType != dtype {
		return fmt.Errorf("dtype %s, want %s", ts.DType, dtype)
	}
	if ts.numel()*size != len(ts.data) {
		return fmt.Errorf("%d bytes for shape %v", len(ts.data), ts.Shape)
	}
	return nil
}

func (ts *stTensor) f32(t testing.TB) []float32 {
	t.Helper()
	if err := ts.check("F32", 4); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, ts.numel())
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(ts.data[4*i:]))
	}
	return out
}
func (ts *stTensor) i32(t testing.TB) []int32 {
	t.Helper()
	if err := ts.check("I32", 4); err != nil {
		t.Fatal(err)
	}
	out := make([]int32, ts.numel())
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(ts.data[4*i:]))
	}
	return out
}

func (ts *stTensor) i64(t testing.TB) []int64 {
	t.Helper()
	if err := ts.check("I64", 8); err != nil {
		t.Fatal(err)
	}
	out := make([]int64, ts.numel())
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(ts.data[8*i:]))
	}
	return out
}
