package main

import (
	"fmt"
	"io"
	"os"

	"github.com/how-llms-work/course/llm/model"
)

// runSynth writes a random-weight checkpoint with a config's exact tensor
// names, shapes and dtypes, for benchmarks at full size.
func runSynth(args []string, stdout io.Writer) error {
	fs := newFlags("synth")
	path := fs.String("config", "", "config.json")
	out := fs.String("out", "", "output directory")
	seed := fs.Uint64("seed", 1, "random seed")
	vision := fs.Bool("vision", false, "also write the vision tower's tensors")
	const usage = "usage: llm synth -config FILE -out DIR [-seed N] [-vision]"
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (%s)", err, usage)
	}
	if *path == "" || *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("%s", usage)
	}
	data, err := os.ReadFile(*path)
	if err != nil {
		return err
	}
	cfg, err := model.ParseConfig(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *path, err)
	}
	if err := model.WriteSynthetic(cfg, *out, *seed, *vision, data); err != nil {
		return err
	}
	p := cfg.Params()
	n := p.Text + p.MTP
	if *vision {
		n += p.Vision
	}
	fmt.Fprintf(stdout, "wrote %s: %d parameters (seed %d)\n", *out, n, *seed)
	return nil
}
