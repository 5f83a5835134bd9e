package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/tokenizer"
)

// runStandin writes a full-size stand-in for Qwen3.5-0.8B: random weights
// in the published shapes, with another tokenizer (the real one is not
// available offline). The config's vocabulary is the tokenizer's size, so
// every logit is a token the tokenizer can spell, and its end token is the
// tokenizer's. The folder loads like any model folder (LLM_MODEL=DIR).
func runStandin(args []string, stdout io.Writer) error {
	fs := newFlags("standin")
	tokDir := fs.String("tokenizer", "", "folder holding tokenizer.json (and tokenizer_config.json)")
	out := fs.String("out", "", "output folder (replaced when it exists)")
	seed := fs.Uint64("seed", 1, "random seed")
	config := fs.String("config", "", "the config.json whose shapes to use (default: the published Qwen3.5-0.8B)")
	const usage = "usage: llm standin -tokenizer DIR -out DIR [-seed N] [-config FILE]"
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (%s)", err, usage)
	}
	if *tokDir == "" || *out == "" || fs.NArg() > 0 {
		return errors.New(usage)
	}
	tokJSON, err := os.ReadFile(filepath.Join(*tokDir, "tokenizer.json"))
	if err != nil {
		return err
	}
	tokCfg, err := os.ReadFile(filepath.Join(*tokDir, "tokenizer_config.json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	tok, err := tokenizer.Parse(tokJSON, tokCfg)
	if err != nil {
		return fmt.Errorf("%s: %w", *tokDir, err)
	}
	cfg := llm.Qwen35Config()
	if *config != "" {
		data, err := os.ReadFile(*config)
		if err != nil {
			return err
		}
		if cfg, err = model.ParseConfig(data); err != nil {
			return fmt.Errorf("%s: %w", *config, err)
		}
	}
	cfg.Vision = nil
	cfg.Vocab = tok.VocabSize()
	cfg.EOS = tok.EOS()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("the stand-in's config: %w", err)
	}

	// Write into a fresh sibling folder, then swap it in: a stand-in is
	// either complete or absent.
	parent := filepath.Dir(filepath.Clean(*out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".standin-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := model.WriteSynthetic(cfg, tmp, *seed, false, nil); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "tokenizer.json"), tokJSON, 0o644); err != nil {
		return err
	}
	if tokCfg != nil {
		if err := os.WriteFile(filepath.Join(tmp, "tokenizer_config.json"), tokCfg, 0o644); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	p := cfg.Params()
	fmt.Fprintf(stdout, "wrote %s: %d parameters (seed %d), the config's shapes with a vocabulary of %d (the tokenizer's), end token %v\n", *out, p.Text+p.MTP, *seed, cfg.Vocab, cfg.EOS)
	return nil
}
