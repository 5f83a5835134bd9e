package main

import (
	"fmt"
	"io"

	"github.com/how-llms-work/course/llm"
)

// runGenerate continues a prompt with a model and prints the text, or the
// whole trace as JSON with -json.
//
//	llm generate -model REF -prompt TEXT -n N [-temperature T -top-k K -top-p P -min-p M -seed S] [-json]
func runGenerate(args []string, stdout io.Writer) error {
	fs := newFlags("generate")
	ref := fs.String("model", "", `model: "tiny", a folder, or a Hub id such as Qwen/Qwen3.5-0.8B (default: $LLM_MODEL, the cached Qwen3.5-0.8B, else tiny)`)
	prompt := fs.String("prompt", "", "text to continue")
	n := fs.Int("n", 32, "maximum number of new tokens")
	temp := fs.Float64("temperature", 0, "sampling temperature (0: greedy)")
	topK := fs.Int("top-k", 0, "keep only the K most likely tokens (0: all)")
	topP := fs.Float64("top-p", 0, "keep the most likely tokens up to this probability mass (0: all)")
	minP := fs.Float64("min-p", 0, "drop tokens less likely than this fraction of the top token (0: none)")
	seed := fs.Uint64("seed", 0, "seed of the random draws")
	topN := fs.Int("candidates", 10, "candidates recorded per step in the -json trace")
	recompute := fs.Bool("recompute", false, "run the whole sequence again at every step instead of using the state (slower)")
	asJSON := fs.Bool("json", false, "print the generation trace as JSON")
	const usage = "usage: llm generate -model REF -prompt TEXT -n N [-temperature T -top-k K -top-p P -min-p M -seed S] [-json]"
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (%s)", err, usage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: quote the prompt and pass it with -prompt (%s)", fs.Arg(0), usage)
	}
	if *prompt == "" {
		return fmt.Errorf("no prompt: pass the text to continue with -prompt (%s)", usage)
	}
	s := llm.Sampler{Temperature: *temp, TopK: *topK, TopP: *topP, MinP: *minP, Seed: *seed}
	if err := s.Check(); err != nil {
		return err
	}
	m, err := llm.Load(*ref)
	if err != nil {
		return err
	}
	defer m.Close()
	opts := []llm.Option{s, llm.MaxTokens(*n), llm.TopN(*topN)}
	if *recompute {
		opts = append(opts, llm.Recompute())
	}
	tr, err := m.Generate(*prompt, opts...)
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := fmt.Fprintf(stdout, "%s\n", tr.JSON())
		return err
	}
	if m.Untrained {
		fmt.Fprintln(stdout, "(untrained tiny model: random weights, the text is gibberish)")
	}
	_, err = fmt.Fprintf(stdout, "%s%s\n", *prompt, tr.Text)
	return err
}
