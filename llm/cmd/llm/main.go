// Command llm is the command-line face of the engine: parameter accounting,
// logits, tokenization, generation, benchmarks and training.
//
//	llm params -config FILE
//	llm logits -model DIR -ids 1,2,3 -out FILE [-decode]
//	llm synth -config FILE -out DIR -seed N
//	llm standin -tokenizer DIR -out DIR [-seed N] [-config FILE]
//	llm tokenize -tokenizer FILE [-special] [-pieces] TEXT
//	llm generate -model REF -prompt TEXT -n N [-temperature T -top-k K -top-p P -seed S] [-json]
//	llm bench -model DIR [-threads N] [-json]
//	llm grad -model DIR -ids 1,2,3 -out FILE
//	llm train ...
//
// Each subcommand lives in its own file and receives its arguments after the
// subcommand name; it writes results to stdout and returns an error that main
// prints as one line.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: run parses args and writes to stdout.
type command struct {
	summary string
	run     func(args []string, stdout io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"params":   {"parameter accounting of a config.json", runParams},
		"logits":   {"write logits at every position for a list of token ids", runLogits},
		"synth":    {"write a random-weight checkpoint of a config's exact shapes", runSynth},
		"standin":  {"write a full-size random-weight stand-in for Qwen3.5-0.8B with another tokenizer", runStandin},
		"tokenize": {"print the token ids (and pieces) of a text", runTokenize},
		"generate": {"generate text from a prompt", runGenerate},
		"bench":    {"measure decode and prefill speed against memory bandwidth", runBench},
		"grad":     {"write gradients of the next-token loss as safetensors", runGrad},
		"train":    {"train a model with AdamW", runTrain},
	}
}

func main() {
	cmds := commands()
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "help" || os.Args[1] == "--help" {
		usage(cmds)
		os.Exit(2)
	}
	c, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "llm: unknown command %q\n", os.Args[1])
		usage(cmds)
		os.Exit(2)
	}
	if err := c.run(os.Args[2:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "llm %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage(cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage: llm COMMAND [flags]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", n, cmds[n].summary)
	}
}
