package ortbench

import (
	"bufio"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:embed bench.cjs
var benchJS []byte

// Package is the npm package, at the version the project measures against.
const Package = "onnxruntime-node@1.30.0"

// DefaultModules is where scripts/bench-vs-ort installs onnxruntime-node,
// relative to the repository root (a node_modules folder).
const DefaultModules = "testdata/npm/ort/node_modules"

// ErrNotInstalled says that node or onnxruntime-node cannot be found.
var ErrNotInstalled = errors.New("ONNX Runtime for node is not installed")

// Find returns the first node_modules folder among dirs (and the entries
// of $NODE_PATH) that holds onnxruntime-node, after checking that node
// runs. The error wraps ErrNotInstalled and says how to install it.
func Find(dirs ...string) (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("%w: node is not on PATH (apt-get install nodejs npm)", ErrNotInstalled)
	}
	dirs = append(dirs, filepath.SplitList(os.Getenv("NODE_PATH"))...)
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "onnxruntime-node", "package.json")); err == nil {
			abs, err := filepath.Abs(d)
			if err != nil {
				return "", err
			}
			return abs, nil
		}
	}
	return "", fmt.Errorf("%w: no onnxruntime-node in %s (bash scripts/bench-vs-ort installs %s into %s)",
		ErrNotInstalled, strings.Join(dirs, ", "), Package, DefaultModules)
}

// Runner is a node process serving ONNX Runtime sessions (bench.cjs
// --serve). Its methods are not safe for concurrent use.
type Runner struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	dir string // temporary folder: the script, models, inputs, outputs
	// Version is ONNX Runtime's version, known after the first Load.
	Version string
}

// Start starts the server with onnxruntime-node taken from the
// node_modules folder modules (see Find).
func Start(modules string) (*Runner, error) {
	dir, err := os.MkdirTemp("", "siglip2-ort-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "bench.cjs")
	if err := os.WriteFile(script, benchJS, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command("node", script, "--serve")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start node: %w", err)
	}
	return &Runner{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16), dir: dir}, nil
}

// reply is every answer's fields.
type reply struct {
	OK      bool              `json:"ok"`
	Error   string            `json:"error"`
	Seconds float64           `json:"seconds"`
	Version string            `json:"version"`
	Times   []float64         `json:"times"`
	Outputs map[string]string `json:"outputs"`
}

func (r *Runner) call(req map[string]any) (reply, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return reply{}, err
	}
	if _, err := r.in.Write(append(b, '\n')); err != nil {
		return reply{}, fmt.Errorf("onnx runtime server: %w", err)
	}
	line, err := r.out.ReadBytes('\n')
	if err != nil {
		return reply{}, fmt.Errorf("onnx runtime server stopped: %w", err)
	}
	var rep reply
	if err := json.Unmarshal(line, &rep); err != nil {
		return reply{}, fmt.Errorf("onnx runtime server said %q: %w", line, err)
	}
	if rep.Error != "" {
		return rep, fmt.Errorf("onnx runtime: %s", rep.Error)
	}
	return rep, nil
}

// Load writes m to a file, opens it in an ONNX Runtime session named id
// with the given intra-op thread count, runs it once and returns how long
// that took in seconds. The model file is deleted once loaded.
func (r *Runner) Load(id string, m *Model, threads int) (float64, error) {
	path := filepath.Join(r.dir, id+".onnx")
	if err := os.WriteFile(path, m.Bytes, 0o644); err != nil {
		return 0, err
	}
	defer os.Remove(path)
	rep, err := r.call(map[string]any{"op": "load", "id": id, "path": path, "shape": m.InputShape, "threads": threads})
	if err != nil {
		return 0, err
	}
	r.Version = rep.Version
	return rep.Seconds, nil
}

// Time runs session id runs times on a random input and returns each
// run's seconds, as measured inside node around session.run.
func (r *Runner) Time(id string, runs int) ([]float64, error) {
	rep, err := r.call(map[string]any{"op": "time", "id": id, "runs": runs})
	return rep.Times, err
}

// Run runs session id on input (the model's input, row-major) and returns
// its outputs by name.
func (r *Runner) Run(id string, input []float32) (map[string][]float32, error) {
	in := filepath.Join(r.dir, id+".in.f32")
	raw := make([]byte, 4*len(input))
	for i, v := range input {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		return nil, err
	}
	defer os.Remove(in)
	rep, err := r.call(map[string]any{"op": "run", "id": id, "input": in, "out": r.dir})
	if err != nil {
		return nil, err
	}
	outs := map[string][]float32{}
	for name, file := range rep.Outputs {
		b, err := os.ReadFile(file)
		os.Remove(file)
		if err != nil {
			return nil, err
		}
		v := make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		outs[name] = v
	}
	return outs, nil
}

// Free releases session id.
func (r *Runner) Free(id string) error {
	_, err := r.call(map[string]any{"op": "free", "id": id})
	return err
}

// Close stops the server and removes its temporary files.
func (r *Runner) Close() error {
	r.call(map[string]any{"op": "quit"})
	r.in.Close()
	err := r.cmd.Wait()
	os.RemoveAll(r.dir)
	return err
}
