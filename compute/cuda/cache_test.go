package cuda

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCacheKey(t *testing.T) {
	sm90 := target{arch: 90, cubin: true}
	base := cacheKey("src", sm90, "13.0", []string{"--gpu-architecture=sm_90"})
	if filepath.Ext(base) != ".cubin" || len(base) != 46 {
		t.Errorf("key %q", base)
	}
	if again := cacheKey("src", sm90, "13.0", []string{"--gpu-architecture=sm_90"}); again != base {
		t.Errorf("key not deterministic: %s, %s", base, again)
	}
	for name, k := range map[string]string{
		"source":  cacheKey("src2", sm90, "13.0", []string{"--gpu-architecture=sm_90"}),
		"arch":    cacheKey("src", target{arch: 89, cubin: true}, "13.0", []string{"--gpu-architecture=sm_90"}),
		"ptx":     cacheKey("src", target{arch: 90}, "13.0", []string{"--gpu-architecture=sm_90"}),
		"nvrtc":   cacheKey("src", sm90, "13.1", []string{"--gpu-architecture=sm_90"}),
		"options": cacheKey("src", sm90, "13.0", []string{"--gpu-architecture=sm_90", "-lineinfo"}),
	} {
		if k == base {
			t.Errorf("changing the %s keeps the key", name)
		}
	}
	if filepath.Ext(cacheKey("src", target{arch: 90}, "13.0", nil)) != ".ptx" {
		t.Error("PTX key without .ptx")
	}
}

func TestLoadKernels(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "siglip2-tui", "cuda")
	c := kernelCache{dir: dir}
	compiles := 0
	compile := func() ([]byte, error) { compiles++; return []byte("IMAGE"), nil }
	var loaded []string
	accept := func(b []byte) error { loaded = append(loaded, string(b)); return nil }

	img, err := loadKernels(c, "k.cubin", compile, accept)
	if err != nil || img.fromCache || compiles != 1 {
		t.Fatalf("first load: %+v %v, %d compiles", img, err, compiles)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "k.cubin")); err != nil || string(b) != "IMAGE" {
		t.Fatalf("not cached: %q %v", b, err)
	}
	img, err = loadKernels(c, "k.cubin", compile, accept)
	if err != nil || !img.fromCache || compiles != 1 {
		t.Fatalf("second load: %+v %v, %d compiles", img, err, compiles)
	}

	// A cached image the driver refuses is replaced by a fresh compile.
	os.WriteFile(filepath.Join(dir, "k.cubin"), []byte("STALE"), 0o644)
	refuseStale := func(b []byte) error {
		if string(b) == "STALE" {
			return errors.New("CUDA_ERROR_INVALID_IMAGE")
		}
		return nil
	}
	img, err = loadKernels(c, "k.cubin", compile, refuseStale)
	if err != nil || img.fromCache || compiles != 2 || string(img.data) != "IMAGE" {
		t.Fatalf("stale cache: %+v %v, %d compiles", img, err, compiles)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "k.cubin")); string(b) != "IMAGE" {
		t.Errorf("stale cache not replaced: %q", b)
	}

	// Compile errors and load errors come back; nothing is cached.
	if _, err := loadKernels(c, "bad.cubin", func() ([]byte, error) { return nil, errors.New("syntax") }, accept); err == nil {
		t.Error("compile error lost")
	}
	if _, err := loadKernels(c, "bad2.cubin", compile, func([]byte) error { return errors.New("no") }); err == nil {
		t.Error("load error lost")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad2.cubin")); err == nil {
		t.Error("an image the driver refused was cached")
	}

	// No cache folder: compile every time, no error.
	before := compiles
	if _, err := loadKernels(kernelCache{}, "k.cubin", compile, accept); err != nil || compiles != before+1 {
		t.Errorf("no cache: %v, %d compiles", err, compiles-before)
	}
	// An unwritable cache folder costs a compile, not an error.
	blocked := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocked, nil, 0o644)
	if _, err := loadKernels(kernelCache{dir: filepath.Join(blocked, "sub")}, "k.cubin", compile, accept); err != nil {
		t.Errorf("unwritable cache: %v", err)
	}
}

func TestCheckImage(t *testing.T) {
	for name, c := range map[string]struct {
		img []byte
		ok  bool
	}{
		"cubin":           {[]byte("\x7fELF\x02\x01..."), true},
		"ptx":             {[]byte("//\n.version 8.0\n.target sm_90\n\x00"), true},
		"ptx without NUL": {[]byte("//\n.version 8.0\n.target sm_90\n"), false},
		"garbage":         {[]byte("garbage"), false},
		"empty":           {nil, false},
	} {
		if err := checkImage(c.img); (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
}
