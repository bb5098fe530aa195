package cuda

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kernelCache keeps compiled kernels on disk so NVRTC runs once per GPU
// architecture, NVRTC release and kernel source, not once per process.
// An empty dir disables it.
type kernelCache struct {
	dir string
}

// defaultCacheDir is os.UserCacheDir()/siglip2-tui/cuda, or "" (no cache)
// when the user has no cache folder.
func defaultCacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		return ""
	}
	return filepath.Join(base, "siglip2-tui", "cuda")
}

// cacheKey names the compiled form of src for t by NVRTC version nvrtc
// with the given options: any change to any of them gives a new file.
func cacheKey(src string, t target, nvrtcVersion string, options []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "siglip2-tui cuda kernels\x00%s\x00%s\x00nvrtc %s\x00%s\x00",
		t.option(), map[bool]string{true: "cubin", false: "ptx"}[t.cubin], nvrtcVersion, strings.Join(options, "\x01"))
	h.Write([]byte(src))
	ext := ".ptx"
	if t.cubin {
		ext = ".cubin"
	}
	return hex.EncodeToString(h.Sum(nil))[:40] + ext
}

// get returns the cached image for key, or nil.
func (c kernelCache) get(key string) []byte {
	if c.dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(c.dir, key))
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

// put stores image under key atomically (write to a temporary file, then
// rename), so a concurrent reader never sees half a file. Failing to cache
// is not an error worth stopping for; it is returned for the report.
func (c kernelCache) put(key string, image []byte) error {
	if c.dir == "" {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("kernel cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, key+".*.tmp")
	if err != nil {
		return fmt.Errorf("kernel cache: %w", err)
	}
	_, werr := tmp.Write(image)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), filepath.Join(c.dir, key))
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("kernel cache: %w", werr)
	}
	return nil
}

// drop removes a cached image the driver refused (corrupt or stale).
func (c kernelCache) drop(key string) {
	if c.dir != "" {
		os.Remove(filepath.Join(c.dir, key))
	}
}

// kernelImage is a compiled kernels.cu and where it came from.
type kernelImage struct {
	data      []byte
	key       string
	fromCache bool
}

// loadKernels returns the compiled kernels: from the cache when present and
// load accepts them, else compiled afresh (and cached). load is the driver's
// module loader; a cached image it rejects is dropped and recompiled.
func loadKernels(c kernelCache, key string, compile func() ([]byte, error), load func([]byte) error) (kernelImage, error) {
	if img := c.get(key); img != nil {
		if err := load(img); err == nil {
			return kernelImage{data: img, key: key, fromCache: true}, nil
		}
		c.drop(key)
	}
	img, err := compile()
	if err != nil {
		return kernelImage{}, err
	}
	if err := load(img); err != nil {
		return kernelImage{}, err
	}
	_ = c.put(key, img) // a read-only cache folder only costs a recompile next time
	return kernelImage{data: img, key: key}, nil
}
