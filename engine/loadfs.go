package engine

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
)

// LoadFS loads a model folder from a file system (for example one embedded
// in the binary, like the toy models of package samples): config.json,
// preprocessor_config.json, a single model.safetensors and tokenizer.json,
// read into memory instead of memory-mapped. name labels the model.
func LoadFS(fsys fs.FS, name string, opts Options) (*Model, error) {
	read := func(file string) ([]byte, error) {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return b, nil
	}
	data, err := read("config.json")
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s/config.json: %w", name, err)
	}
	// Required, as Load requires it: see LoadPreprocessorConfig.
	if data, err = read("preprocessor_config.json"); err != nil {
		return nil, err
	}
	pre, err := ParsePreprocessorConfig(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s/preprocessor_config.json: %w", name, err)
	}
	if data, err = read("model.safetensors"); err != nil {
		return nil, err
	}
	f, err := safetensors.FromBytes(name+"/model.safetensors", data)
	if err != nil {
		return nil, err
	}
	w, err := fromFiles([]*safetensors.File{f})
	if err != nil {
		return nil, err
	}
	m, err := newModel(cfg, pre, w, opts)
	if err != nil {
		return nil, err
	}
	m.Dir = name
	if data, err = fs.ReadFile(fsys, tokenizer.JSONFile); err == nil {
		if m.Tokenizer, err = tokenizer.Parse(data); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", name, tokenizer.JSONFile, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if data, err = fs.ReadFile(fsys, VocabularyFile); err == nil {
		if m.vocabulary, err = parseVocabulary(data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}
