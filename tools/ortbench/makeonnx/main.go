// Command makeonnx writes SigLIP 2 vision towers as ONNX models with the
// random weights `siglip2-tui bench` uses (engine.RandomWeights, seed 1 by
// default), for timing ONNX Runtime by hand:
//
//	go run ./tools/ortbench/makeonnx -out /tmp/onnx -res 224,384,512 -naflex 256
//	NODE_PATH=testdata/npm/ort/node_modules node tools/ortbench/bench.cjs /tmp/onnx
//
// `siglip2-tui bench --vs-ort` does the same in one run, taking turns with
// the engine.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/tools/ortbench"
)

func main() {
	out := flag.String("out", ".", "folder to write the .onnx files into")
	size := flag.String("size", "base", "model size")
	res := flag.String("res", "224,384,512", "fixed resolutions (comma-separated)")
	naflex := flag.String("naflex", "", "NaFlex patch counts (comma-separated; square-ish grids)")
	seed := flag.Int64("seed", 1, "random seed, as engine.NewRandom takes it")
	opset := flag.Int("opset", 17, "17 (GELU from basic operators) or 20 (the Gelu operator)")
	flag.Parse()
	if err := run(*out, *size, *res, *naflex, *seed, *opset); err != nil {
		fmt.Fprintln(os.Stderr, "makeonnx:", err)
		os.Exit(1)
	}
}

func run(out, size, resList, naflexList string, seed int64, opset int) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	write := func(name string, cfg engine.Config, gh, gw int) error {
		m, err := ortbench.Vision(cfg, seed, gh, gw, ortbench.Options{Opset: opset})
		if err != nil {
			return err
		}
		path := filepath.Join(out, name)
		if err := os.WriteFile(path, m.Bytes, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s (%s %v, %d MB)\n", path, m.Input, m.InputShape, len(m.Bytes)>>20)
		return nil
	}
	for _, s := range split(resList) {
		r, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("-res: %q", s)
		}
		cfg, err := engine.ArchitectureConfig(size, 16, r, 1000)
		if err != nil {
			return err
		}
		if err := write(fmt.Sprintf("siglip2-%s-%d.onnx", size, r), cfg, r/16, r/16); err != nil {
			return err
		}
	}
	for _, s := range split(naflexList) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("-naflex: %q", s)
		}
		cfg, err := engine.ArchitectureConfig(size, 16, 0, 1000)
		if err != nil {
			return err
		}
		gh := 1
		for (gh+1)*(gh+1) <= n {
			gh++
		}
		if err := write(fmt.Sprintf("siglip2-%s-naflex-%d.onnx", size, n), cfg, gh, n/gh); err != nil {
			return err
		}
	}
	return nil
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
