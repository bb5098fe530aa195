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

	"github.com/siglip2-tui/siglip2-tui/hub"
	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// defaultModel is the checkpoint used when --model is not given: the
// smallest fixed-resolution SigLIP 2.
const defaultModel = "google/siglip2-base-patch16-224"

// Files the engine reads from a model folder, as the hub and
// save_pretrained name them.
const (
	configFile       = "config.json"
	weightsFile      = "model.safetensors"
	weightsIndexFile = "model.safetensors.index.json"
)

// modelFileGroups lists the rest of what the engine reads, in download
// order (small files first, so mistakes show before gigabytes move). Each
// group is satisfied by its first file that exists; a group whose files the
// hub says do not exist is skipped (the engine then uses its defaults or says
// what it lacks). config.json and the weights are required and handled apart.
var modelFileGroups = [][]string{
	{"preprocessor_config.json"},
	{"tokenizer_config.json"},
	{"special_tokens_map.json"},
	{"tokenizer.json", "tokenizer.model"},
}

// resolveModel turns the CLI's --model value into a local folder holding the
// files the engine needs (config.json, the safetensors weights, the
// tokenizer and the preprocessor settings).
//
// idOrDir is an existing folder (used as is, after checking it holds
// config.json and weights) or a hub id such as
// google/siglip2-base-patch16-224, resolved at revision through the
// huggingface_hub cache (HF_HUB_CACHE, HF_HOME, ...) and downloaded into it
// if needed (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE are honoured). The folder
// returned for a hub id is the cache's snapshot folder, shared with Python.
//
// Download progress is drawn on progress when it is a terminal; otherwise
// nothing is written there. Cancelling ctx stops a download and leaves it
// resumable.
func resolveModel(ctx context.Context, idOrDir, revision string, progress io.Writer) (string, error) {
	if idOrDir == "" {
		idOrDir = defaultModel
	}
	if revision == "" {
		revision = hub.DefaultRevision
	}
	st, statErr := os.Stat(idOrDir)
	if statErr == nil && st.IsDir() {
		if revision != hub.DefaultRevision {
			return "", usageErrorf("--revision %s applies to hub models, but --model %s is a local folder", revision, idOrDir)
		}
		return checkModelDir(idOrDir)
	}
	if inputfile.IsSymlinkLoop(statErr) {
		return "", usageErrorf("--model %s: symlink loop (a symbolic link on the way points back to itself): fix or remove the link", idOrDir)
	}
	if looksLikePath(idOrDir) {
		return "", usageErrorf("--model %s: no such folder (--model takes a folder with the model's files, or a hub id such as %s)", idOrDir, defaultModel)
	}
	if err := hub.ValidateRepoID(idOrDir); err != nil {
		return "", fmt.Errorf("%w: --model %s is neither a folder nor a hub id: %v", errUsage, idOrDir, err)
	}
	client, err := newHubClient()
	if err != nil {
		return "", err
	}
	client.Progress = progressFor(progress)
	return fetchModel(ctx, client, idOrDir, revision)
}

// newHubClient configures a hub client from the environment, as Python's
// huggingface_hub would be.
func newHubClient() (*hub.Client, error) {
	home, _ := os.UserHomeDir()
	cfg, err := hub.ConfigFromEnv(os.Getenv, home)
	if err != nil {
		return nil, err
	}
	return hub.New(cfg), nil
}

// looksLikePath tells a mistyped folder from a hub id: ids never start with
// '.', '/' or '~' and have at most one '/'.
func looksLikePath(s string) bool {
	return strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") ||
		strings.ContainsRune(s, '\\') || strings.Count(s, "/") > 1 || filepath.IsAbs(s)
}

// fetchModel gets every file the engine needs from the hub (or the cache)
// at one commit, and returns that commit's snapshot folder.
func fetchModel(ctx context.Context, c *hub.Client, repo, revision string) (string, error) {
	cfg, err := c.Download(ctx, repo, revision, configFile)
	if err != nil {
		return "", explainHubError(c, repo, revision, err)
	}
	// Everything else comes from the same commit, even if the branch moves meanwhile.
	commit := cfg.Commit
	get := func(name string) (hub.File, error) { return c.Download(ctx, repo, commit, name) }

	for _, group := range modelFileGroups {
		found, notCached := false, error(nil)
		for _, name := range group {
			_, err := get(name)
			if err == nil {
				found = true
				break
			}
			switch {
			case errors.Is(err, hub.ErrNotCached):
				if notCached == nil {
					notCached = err
				}
			case errors.Is(err, hub.ErrNotFound): // the repo has no such file: try the next
			default:
				return "", explainHubError(c, repo, revision, err)
			}
		}
		// A file that may exist but cannot be fetched is an error; one the hub
		// says does not exist is not.
		if !found && notCached != nil {
			return "", explainHubError(c, repo, revision, notCached)
		}
	}

	if _, err := get(weightsFile); err != nil {
		if !errors.Is(err, hub.ErrNotFound) {
			return "", explainHubError(c, repo, revision, err)
		}
		idx, ierr := get(weightsIndexFile)
		if errors.Is(ierr, hub.ErrNotFound) {
			return "", fmt.Errorf("model %s (revision %s) has neither %s nor %s: this program reads safetensors weights only", repo, revision, weightsFile, weightsIndexFile)
		}
		if ierr != nil {
			return "", explainHubError(c, repo, revision, ierr)
		}
		shards, err := readShardList(idx.Path)
		if err != nil {
			return "", err
		}
		for _, s := range shards {
			if _, err := get(s); err != nil {
				return "", explainHubError(c, repo, revision, err)
			}
		}
	}
	return filepath.Dir(cfg.Path), nil
}

// resolveTokenizerDir is resolveModel for commands that read only the
// tokenizer and config.json: a folder is used as it is (it needs no
// weights), a hub id fetches config.json and the tokenizer files alone.
func resolveTokenizerDir(ctx context.Context, idOrDir, revision string, progress io.Writer) (string, error) {
	if st, err := os.Stat(idOrDir); err == nil && st.IsDir() {
		if revision != hub.DefaultRevision {
			return "", usageErrorf("--revision %s applies to hub models, but --model %s is a local folder", revision, idOrDir)
		}
		return idOrDir, nil
	}
	if looksLikePath(idOrDir) {
		return "", usageErrorf("--model %s: no such folder (--model takes a folder with the model's files, or a hub id such as %s)", idOrDir, defaultModel)
	}
	if err := hub.ValidateRepoID(idOrDir); err != nil {
		return "", fmt.Errorf("%w: --model %s is neither a folder nor a hub id: %v", errUsage, idOrDir, err)
	}
	c, err := newHubClient()
	if err != nil {
		return "", err
	}
	c.Progress = progressFor(progress)
	cfg, err := c.Download(ctx, idOrDir, revision, configFile)
	if err != nil {
		return "", explainHubError(c, idOrDir, revision, err)
	}
	for _, name := range []string{"tokenizer.json", "tokenizer.model"} {
		_, err := c.Download(ctx, idOrDir, cfg.Commit, name)
		if err == nil {
			return filepath.Dir(cfg.Path), nil
		}
		if !errors.Is(err, hub.ErrNotFound) {
			return "", explainHubError(c, idOrDir, revision, err)
		}
	}
	return "", fmt.Errorf("model %s (revision %s) has neither tokenizer.json nor tokenizer.model", idOrDir, revision)
}

// explainHubError adds what this program's user can do to a hub error.
func explainHubError(c *hub.Client, repo, revision string, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("download of %s interrupted; run the same command again to resume it", repo)
	case errors.Is(err, hub.ErrNotCached):
		why := "the hub could not be reached"
		todo := "check your connection and run again"
		var nc *hub.NotCachedError
		if errors.As(err, &nc) && nc.Offline {
			why = "downloads are off (HF_HUB_OFFLINE is set)"
			todo = "unset HF_HUB_OFFLINE to download it"
		} else if errors.As(err, &nc) && nc.Cause != nil {
			why = fmt.Sprintf("the hub could not be reached (%v)", nc.Cause)
		}
		return fmt.Errorf("model %s (revision %s) is not in the Hugging Face cache %s and %s: %s, pass --model DIR with a folder that holds the model's files, or use --demo to try the built-in toy model",
			repo, revision, c.Cache.Dir, why, todo)
	case errors.Is(err, hub.ErrRepoNotFound):
		return fmt.Errorf("%w (run 'siglip2-tui models' for the SigLIP 2 checkpoints)", err)
	}
	return fmt.Errorf("get model %s: %w", repo, err)
}

// readShardList reads the shard files named in a safetensors index's
// weight_map, sorted and without repeats.
func readShardList(indexPath string) ([]string, error) {
	b, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, fmt.Errorf("read weights index: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("read weights index %s: %w (delete it and run again to download it anew)", indexPath, err)
	}
	seen := map[string]bool{}
	var shards []string
	for _, s := range idx.WeightMap {
		if !seen[s] {
			if s == "" || !filepath.IsLocal(filepath.FromSlash(s)) || strings.Contains(s, `\`) {
				return nil, fmt.Errorf("weights index %s names an unsafe shard file %q", indexPath, s)
			}
			seen[s] = true
			shards = append(shards, s)
		}
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("weights index %s lists no shard files", indexPath)
	}
	sort.Strings(shards)
	return shards, nil
}

// checkModelDir makes sure a local --model folder has what the engine
// cannot do without (config.json and the weights) and returns its absolute path.
func checkModelDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("--model %s: %w", dir, err)
	}
	need := fmt.Sprintf("--model DIR needs a folder with %s, %s (or %s and its shards), tokenizer.json or tokenizer.model, and preprocessor_config.json, as written by save_pretrained or found in a hub snapshot",
		configFile, weightsFile, weightsIndexFile)
	if !isRegular(filepath.Join(abs, configFile)) {
		return "", fmt.Errorf("folder %s has no %s: %s", dir, configFile, need)
	}
	if isRegular(filepath.Join(abs, weightsFile)) {
		return abs, nil
	}
	if !isRegular(filepath.Join(abs, weightsIndexFile)) {
		return "", fmt.Errorf("folder %s has no %s: %s", dir, weightsFile, need)
	}
	shards, err := readShardList(filepath.Join(abs, weightsIndexFile))
	if err != nil {
		return "", err
	}
	for _, s := range shards {
		if !isRegular(filepath.Join(abs, filepath.FromSlash(s))) {
			return "", fmt.Errorf("folder %s lacks %s, a shard listed in %s: copy it there, or use the hub id instead of a folder", dir, s, weightsIndexFile)
		}
	}
	return abs, nil
}

// isRegular reports whether p is, or links to, a regular file.
func isRegular(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
