package main

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/how-llms-work/course/llm"
)

// runGenerate continues a prompt with a model and prints the text token by
// token as it is chosen (an interrupted run shows what it produced), or the
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
	if *asJSON {
		opts := []llm.Option{s, llm.MaxTokens(*n), llm.TopN(*topN)}
		if *recompute {
			opts = append(opts, llm.Recompute())
		}
		tr, err := m.Generate(*prompt, opts...)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", tr.JSON())
		return err
	}
	if *n < 0 {
		return fmt.Errorf("llm: MaxTokens(%d) is negative: ask for 0 or more new tokens", *n)
	}
	if m.Untrained {
		fmt.Fprintln(stdout, "(untrained tiny model: random weights, the text is gibberish)")
	}
	return stream(stdout, m, *prompt, s, *n, *recompute)
}

// stream continues prompt by at most n tokens, writing each token's text to w
// as soon as it is chosen, then a newline. It makes the choices Model.Generate
// makes (the same sampler draws, end tokens and context limit), without
// recording a trace.
func stream(w io.Writer, m *llm.Model, prompt string, s llm.Sampler, n int, recompute bool) error {
	ids := m.Encode(prompt)
	if len(ids) == 0 {
		return fmt.Errorf("llm: the prompt is empty: give the model some text to continue")
	}
	cfg := m.Net.Config()
	if len(ids) > cfg.MaxPositions {
		return fmt.Errorf("llm: the prompt has %d tokens but %s reads at most %d: shorten it", len(ids), m.Name, cfg.MaxPositions)
	}
	end := append(slices.Clone(cfg.EOS), m.Tok.EOS()...)
	st := m.Net.NewState()
	logits, err := m.Net.Forward(st, ids)
	if err != nil {
		return fmt.Errorf("llm: prompt: %w", err)
	}
	if _, err := io.WriteString(w, prompt); err != nil {
		return err
	}
	dec := m.Tok.NewStreamDecoder()
	seq := ids
	for i := 0; i < n; i++ {
		if hi := logits[llm.Argmax(logits)]; math.IsNaN(float64(hi)) || math.IsInf(float64(hi), 0) {
			return fmt.Errorf("llm: step %d: the model produced non-finite logits (largest %v): its weights are broken", i, hi)
		}
		id := s.Pick(logits, s.Draw(i))
		if slices.Contains(end, id) {
			break
		}
		if _, err := io.WriteString(w, dec.Add(id)); err != nil {
			return err
		}
		seq = append(seq, id)
		if i+1 == n || len(seq) >= cfg.MaxPositions {
			break
		}
		if recompute {
			logits, err = m.Net.Forward(m.Net.NewState(), seq)
		} else {
			logits, err = m.Net.Forward(st, seq[len(seq)-1:])
		}
		if err != nil {
			return fmt.Errorf("llm: step %d: %w", i, err)
		}
	}
	_, err = io.WriteString(w, dec.Flush()+"\n")
	return err
}
