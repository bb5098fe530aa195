package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/siglip2-tui/siglip2-tui/"

// allowedImports is docs/ARCHITECTURE.md's table: for each package, the
// packages of ours it may import (a trailing "/" allows a whole subtree).
var allowedImports = map[string][]string{
	".":                         {"internal/cli"},
	"compute":                   nil,
	"compute/naive":             {"compute"},
	"compute/cpu":               {"compute", "compute/cpu/"},
	"compute/cpu/blas":          nil,
	"compute/cpu/internal/gemm": {"compute/cpu/internal/a64"},
	"compute/cpu/internal/a64":  nil,
	"compute/cpu/internal/vec":  {"compute/cpu/internal/a64"},
	"compute/cuda":              {"compute"},
	"compute/computetest":       {"compute", "compute/naive"},
	"compute/profile":           {"compute"},
	"preprocess":                {"internal/inputfile"},
	"naflex":                    nil,
	"engine":                    {"compute", "engine/", "naflex", "preprocess", "internal/inputfile"},
	"engine/safetensors":        {"internal/inputfile"},
	"engine/tokenizer":          {"internal/inputfile"},
	"viz":                       nil,
	"inspect":                   {"engine", "engine/", "preprocess", "viz", "internal/outfile"},
	"tui":                       {"engine", "engine/", "inspect", "preprocess", "viz", "internal/outfile"},
	"hub":                       nil,
	"samples":                   nil,
	"internal/inputfile":        nil,
	"internal/outfile":          nil,
	"internal/textsafe":         nil,
	"internal/emulation":        nil,
	"internal/testmodel":        {"compute/naive", "engine", "engine/", "preprocess"},
	"internal/cli":              {"compute", "compute/", "engine", "engine/", "hub", "inspect", "preprocess", "samples", "tui", "viz", "internal/inputfile", "internal/outfile", "internal/textsafe", "tools/ortbench"},
	"tools/ansi2png":            nil,
	"tools/release":             nil,
	"tools/ortbench":            {"compute", "engine", "engine/", "naflex"},
	"tools/ortbench/makeonnx":   {"engine", "tools/ortbench"},
}

// TestImportsFollowTheArchitecture reads every package's imports (test
// files aside) and holds them against the table, and keeps Bubble Tea in
// tui: a script that only wants a map must not link the terminal UI.
func TestImportsFollowTheArchitecture(t *testing.T) {
	imports := map[string]map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if imports[pkg] == nil {
			imports[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			imports[pkg][p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		allowed, known := allowedImports[pkg]
		if !known {
			t.Errorf("package %s is not in docs/ARCHITECTURE.md's table (add it there and here)", pkg)
			continue
		}
		for imp := range imports[pkg] {
			if strings.Contains(imp, "bubbletea") && pkg != "tui" {
				t.Errorf("%s imports Bubble Tea; only tui may", pkg)
			}
			ours, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if !allows(allowed, pkg, ours) {
				t.Errorf("%s imports %s, which docs/ARCHITECTURE.md does not allow", pkg, ours)
			}
		}
	}
	if _, err := os.Stat("docs/ARCHITECTURE.md"); err != nil {
		t.Error(err)
	}
}

// allows reports whether pkg may import ours.
func allows(allowed []string, pkg, ours string) bool {
	if strings.HasPrefix(ours, pkg+"/") { // a package's own subpackages
		return true
	}
	for _, a := range allowed {
		if ours == a || strings.HasSuffix(a, "/") && strings.HasPrefix(ours, a) {
			return true
		}
	}
	return false
}
