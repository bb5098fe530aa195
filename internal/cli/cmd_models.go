package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/siglip2-tui/siglip2-tui/hub"
)

// cmdModels lists the known SigLIP 2 checkpoints and what the local
// Hugging Face cache holds of them.
var cmdModels = command{
	name:    "models",
	summary: "list SigLIP 2 checkpoints, their size, and which are cached",
	run:     runModels,
}

const modelsHelp = `Usage: siglip2-tui models [--cached]

Lists Google's SigLIP 2 checkpoints with their parameter count and download
size, and which revisions of them are in the Hugging Face cache (shared with
Python).

Examples:
  siglip2-tui models
  siglip2-tui models --cached

Flags:
`

func runModels(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("models", modelsHelp, stderr)
	cachedOnly := fs.Bool("cached", false, "list only checkpoints found in the local cache")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	home, _ := os.UserHomeDir()
	cfg, err := hub.ConfigFromEnv(os.Getenv, home)
	if err != nil {
		return err
	}
	cache := hub.Cache{Dir: cfg.CacheDir}

	var rows []string
	listed := map[string]bool{}
	for _, c := range siglip2Checkpoints {
		listed[c.id] = true
		revs, err := cache.Revisions(c.id)
		if err != nil {
			return err
		}
		if *cachedOnly && len(revs) == 0 {
			continue
		}
		mark := " "
		if c.id == defaultModel {
			mark = "*"
		}
		rows = append(rows, fmt.Sprintf("%s %s\t%s\t%s\t%s\t%s\n", mark, c.id, formatParams(c.params), hub.FormatBytes(c.downloadBytes()), c.input(), describeCached(revs)))
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdout, "No SigLIP 2 checkpoint is in the cache yet.")
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  MODEL\tPARAMS\tDOWNLOAD\tINPUT\tCACHED")
		for _, r := range rows {
			fmt.Fprint(tw, r)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	others, err := otherCachedSiglips(cache, listed)
	if err != nil {
		return err
	}
	if len(others) > 0 {
		fmt.Fprintln(stdout, "\nOther SigLIP models in the cache:")
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, o := range others {
			fmt.Fprintf(tw, "  %s\t%s\n", o.id, describeCached(o.revs))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintf(stdout, "\n* default. Pick one with --model ID (any hub id or a local folder works too).\n")
	fmt.Fprintf(stdout, "Cache: %s", cfg.CacheDir)
	if cfg.Offline {
		fmt.Fprint(stdout, " (offline: HF_HUB_OFFLINE is set)")
	}
	fmt.Fprintln(stdout)
	return nil
}

// describeCached says which revisions are cached: "main 1a2b3c4", the
// commit alone when no ref points at it, "(partial)" when files are missing.
func describeCached(revs []hub.CachedRevision) string {
	if len(revs) == 0 {
		return "-"
	}
	var parts []string
	for _, r := range revs {
		label := strings.Join(r.Refs, ",")
		short := r.Commit
		if len(short) > 7 {
			short = short[:7]
		}
		s := strings.TrimSpace(label + " " + short)
		if !hasModelFiles(r.Files) {
			s += " (partial)"
		}
		parts = append(parts, fmt.Sprintf("%s, %s", s, hub.FormatBytes(r.Size)))
	}
	return strings.Join(parts, "; ")
}

// hasModelFiles reports whether a snapshot holds the config, the weights
// (or their index) and a tokenizer.
func hasModelFiles(files []string) bool {
	has := map[string]bool{}
	for _, f := range files {
		has[f] = true
	}
	return has[configFile] && (has[weightsFile] || has[weightsIndexFile]) && (has["tokenizer.json"] || has["tokenizer.model"])
}

// cachedModel is a cached repository and its snapshots.
type cachedModel struct {
	id   string
	revs []hub.CachedRevision
}

// otherCachedSiglips finds cached repositories outside the catalogue whose
// newest snapshot's config.json declares a SigLIP model type.
func otherCachedSiglips(cache hub.Cache, skip map[string]bool) ([]cachedModel, error) {
	entries, err := os.ReadDir(cache.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cache %s: %w", cache.Dir, err)
	}
	var out []cachedModel
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), "models--")
		if !ok || !e.IsDir() {
			continue
		}
		id := strings.Replace(name, "--", "/", 1)
		if skip[id] || hub.ValidateRepoID(id) != nil {
			continue
		}
		revs, err := cache.Revisions(id)
		if err != nil || len(revs) == 0 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(cache.SnapshotDir(id, revs[0].Commit), configFile))
		if err != nil {
			continue
		}
		var cfg struct {
			ModelType string `json:"model_type"`
		}
		if json.Unmarshal(b, &cfg) == nil && strings.HasPrefix(cfg.ModelType, "siglip") {
			out = append(out, cachedModel{id, revs})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}
