package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// MemoryLimitEnv names the environment variable that sets how much memory
// one forward pass may take, overriding what the system reports: a number
// of bytes with an optional unit (16GB, 512MiB, 2e9) or "unlimited".
const MemoryLimitEnv = "SIGLIP2_MAX_MEMORY"

// fallbackLimit is the limit where the system cannot be asked (not Linux)
// and MemoryLimitEnv is unset.
const fallbackLimit = 8 << 30

// checkAbove is the estimate under which no limit is looked up unless
// MemoryLimitEnv is set: such passes fit any machine this program runs on.
const checkAbove = 64 << 20

// MemoryError reports a forward pass refused before allocating because its
// estimated memory exceeds the limit (see MemoryLimit).
type MemoryError struct {
	// What describes the request ("capturing every hidden state and
	// attention map for 8192 patches of this model").
	What string
	// Need is the estimate and Limit the limit, in bytes.
	Need, Limit int64
	// Source says where the limit comes from ("this machine has
	// available", "SIGLIP2_MAX_MEMORY allows").
	Source string
	// Hint says what to lower; callers may replace it with their own
	// flag names.
	Hint string
}

// Error gives both numbers and what to do.
func (e *MemoryError) Error() string {
	return fmt.Sprintf("%s needs %s, more than the %s %s; %s (or set %s to allow more)",
		e.What, formatGB(e.Need), formatGB(e.Limit), e.Source, e.Hint, MemoryLimitEnv)
}

// formatGB writes bytes in decimal units with one decimal: 38.7 GB, 512.0 MB.
func formatGB(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f kB", float64(n)/1e3)
}

// MemoryLimit returns how many bytes a forward pass may allocate and where
// that number comes from: MemoryLimitEnv when set (math.MaxInt64 for
// "unlimited"); else, on Linux, MemAvailable from /proc/meminfo, lowered
// to what the cgroup (container) still allows; else 8 GiB. A malformed
// MemoryLimitEnv is an error naming the variable.
func MemoryLimit() (limit int64, source string, err error) {
	if v, ok := os.LookupEnv(MemoryLimitEnv); ok && strings.TrimSpace(v) != "" {
		if strings.EqualFold(strings.TrimSpace(v), "unlimited") {
			return math.MaxInt64, MemoryLimitEnv + " allows", nil
		}
		n, err := ParseByteSize(v)
		if err != nil {
			return 0, "", fmt.Errorf("%s=%q: %w", MemoryLimitEnv, v, err)
		}
		return n, MemoryLimitEnv + " allows", nil
	}
	if runtime.GOOS == "linux" {
		if avail, ok := memAvailable("/proc/meminfo"); ok {
			source = "this machine has available"
			if c, ok := cgroupAvailable("/sys/fs/cgroup"); ok && c < avail {
				avail, source = c, "this container may still use"
			}
			return avail, source, nil
		}
	}
	return fallbackLimit, fmt.Sprintf("assumed available (the system's free memory is unknown; set %s)", MemoryLimitEnv), nil
}

// ParseByteSize reads a size such as "16GB", "16G", "512MiB", "1.5e9" or
// "1048576" (bytes). Decimal units (kB, MB, GB, TB) are powers of 1000,
// binary ones (KiB, MiB, GiB, TiB) and the bare letters K, M, G, T powers
// of 1024. The size must be positive.
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), strings.ToUpper(strings.TrimSpace(t[i:]))
	mult := map[string]float64{
		"": 1, "B": 1,
		"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40,
		"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40,
	}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if mult == 0 || err != nil || num == "" {
		return 0, fmt.Errorf("not a size: write a number of bytes with an optional unit, such as 16GB, 512MiB or 2e9")
	}
	b := v * mult
	if !(b >= 1) || b > math.MaxInt64/2 {
		return 0, fmt.Errorf("size %s is outside [1 byte, 4 EiB]", s)
	}
	return int64(b), nil
}

// memAvailable reads MemAvailable (kB) from a meminfo file.
func memAvailable(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

// cgroupAvailable is memory.max − memory.current of a cgroup v2 folder,
// when the cgroup has a limit.
func cgroupAvailable(dir string) (int64, bool) {
	read := func(name string) (int64, bool) {
		b, err := os.ReadFile(dir + "/" + name)
		if err != nil {
			return 0, false
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return n, err == nil // "max" (no limit) does not parse
	}
	limit, ok := read("memory.max")
	if !ok {
		return 0, false
	}
	used, ok := read("memory.current")
	if !ok {
		return 0, false
	}
	return max(limit-used, 0), true
}

// visionParts splits the memory of a vision forward (bytes): the
// activations (scratch reused while the batch shape repeats), the outputs,
// and the captured internals.
func visionParts(cfg Config, batch, tokens int, capture bool) (work, outputs, internals int64) {
	v := cfg.Vision
	b, t := int64(batch), int64(tokens)
	d, in, l, h, p := int64(v.Hidden), int64(v.Intermediate), int64(v.Layers), int64(v.Heads), int64(v.PatchDim())
	rows := b * t
	work = rows*p + 2*rows*d + b*d + rows*(6*d+in) + b*(6*d+in) + rows*2*d
	if cfg.Variant == NaFlex {
		work += rows * d
	}
	outputs = rows*d + 2*b*d
	if capture {
		internals = (l+1)*rows*d + l*b*h*t*t + b*h*t
	}
	return 4 * work, 4 * outputs, 4 * internals
}

// EstimateVision is the memory, in bytes, a vision forward of batch images
// of tokens patch rows allocates: the activations of the blocks and the
// pooling head, the outputs and, with capture, every hidden state
// ((L+1)·T·D values per image) and attention map (L·H·T² per image). It
// is what EncodeImages checks against MemoryLimit before allocating.
func EstimateVision(cfg Config, batch, tokens int, capture bool) int64 {
	w, o, i := visionParts(cfg, batch, tokens, capture)
	return w + o + i
}

// textParts is visionParts for the text tower.
func textParts(cfg Config, batch, length int, capture bool) (work, outputs, internals int64) {
	c := cfg.Text
	b, n := int64(batch), int64(length)
	d, in, l, h, p := int64(c.Hidden), int64(c.Intermediate), int64(c.Layers), int64(c.Heads), int64(c.ProjectionSize)
	rows := b * n
	work = 3*rows*d + b*p + rows*(6*d+in)
	outputs = rows*d + 2*b*p
	if capture {
		internals = (l+1)*rows*d + l*b*h*n*n
	}
	return 4 * work, 4 * outputs, 4 * internals
}

// EstimateText is EstimateVision for the text tower: batch texts of length
// token ids each.
func EstimateText(cfg Config, batch, length int, capture bool) int64 {
	w, o, i := textParts(cfg, batch, length, capture)
	return w + o + i
}

// checkMemory refuses need bytes when they exceed the limit.
func checkMemory(need int64, what, hint string) error {
	if need < checkAbove {
		if v, ok := os.LookupEnv(MemoryLimitEnv); !ok || strings.TrimSpace(v) == "" {
			return nil
		}
	}
	limit, source, err := MemoryLimit()
	if err != nil {
		return err
	}
	if need > limit {
		return &MemoryError{What: what, Need: need, Limit: limit, Source: source, Hint: hint}
	}
	return nil
}

// checkVisionMemory is called by EncodeImagesInto, under m.mu, before the
// forward pass allocates: scratch of the same batch shape and released
// captures of the same shape are reused, so they are not counted again.
func (m *Model) checkVisionMemory(inputs []VisionInput, capture bool) error {
	if len(inputs) == 0 {
		return nil
	}
	batch, tokens := len(inputs), inputs[0].Tokens
	if tokens < 1 {
		return nil // checkInputs reports it
	}
	work, outputs, internals := visionParts(m.Config, batch, tokens, capture)
	v := m.Vision
	if w := v.work; w != nil && w.batch == batch && w.tokens == tokens {
		work = 0
	}
	if capture && v.captures.has(batch, tokens, true) {
		internals = 0
	}
	what := fmt.Sprintf("a vision forward pass over %d patches", tokens)
	if capture {
		what = fmt.Sprintf("capturing every hidden state and attention map for %d patches", tokens)
	}
	if batch > 1 {
		what += fmt.Sprintf(" of %d images", batch)
	}
	what += " of this model"
	return checkMemory(work+outputs+internals, what, "lower --max-patches, or pass fewer images at a time")
}

// checkTextMemory is checkVisionMemory for EncodeTextsInto.
func (m *Model) checkTextMemory(ids [][]int, capture bool) error {
	if len(ids) == 0 {
		return nil
	}
	batch, length := len(ids), len(ids[0])
	work, outputs, internals := textParts(m.Config, batch, length, capture)
	t := m.Text
	if w := t.work; w != nil && w.batch == batch && w.length == length {
		work = 0
	}
	if capture && t.captures.has(batch, length, false) {
		internals = 0
	}
	what := fmt.Sprintf("encoding %d texts of %d tokens", batch, length)
	if capture {
		what = fmt.Sprintf("capturing every hidden state and attention map of %d texts of %d tokens", batch, length)
	}
	return checkMemory(work+outputs+internals, what+" with this model", "encode fewer texts at a time")
}

// has reports whether a released capture of this shape waits for reuse.
func (p *internalsPool) has(batch, tokens int, pooling bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, in := range p.free {
		if in.Batch == batch && in.Tokens == tokens && !in.poolProbs.Empty() == pooling {
			return true
		}
	}
	return false
}
