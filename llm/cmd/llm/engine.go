package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm/model"
)

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// runParams prints the parameter accounting of a config.json as a table of
// plain integers: the text model's components, then the totals.
func runParams(args []string, stdout io.Writer) error {
	fs := newFlags("params")
	path := fs.String("config", "", "config.json (published multimodal or flat text form)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (usage: llm params -config FILE)", err)
	}
	if *path == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: llm params -config FILE")
	}
	cfg, err := model.LoadConfig(*path)
	if err != nil {
		return err
	}
	p := cfg.Params()
	w := bufio.NewWriter(stdout)
	for _, r := range p.Rows() {
		fmt.Fprintf(w, "%-12s %d\n", r.Name, r.Count)
	}
	fmt.Fprintf(w, "%-12s %d\n", "stored_bytes", p.StoredBytes)
	return w.Flush()
}

// runLogits writes the logits at every position of a list of token ids as
// little-endian float32 [positions, vocab].
func runLogits(args []string, stdout io.Writer) error {
	fs := newFlags("logits")
	dir := fs.String("model", "", "checkpoint directory (config.json and safetensors)")
	idsFlag := fs.String("ids", "", "comma-separated token ids")
	out := fs.String("out", "", "output file")
	decode := fs.Bool("decode", false, "feed the ids one at a time through the state instead of one prefill")
	threads := fs.Int("threads", 0, "threads for the matrix products (0: all CPUs)")
	const usage = "usage: llm logits -model DIR -ids 1,2,3 -out FILE [-decode]"
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (%s)", err, usage)
	}
	if *dir == "" || *idsFlag == "" || *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("%s", usage)
	}
	var ids []int
	for i, s := range strings.Split(*idsFlag, ",") {
		id, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-ids: item %d %q is not an integer", i, s)
		}
		ids = append(ids, id)
	}
	m, err := model.Open(*dir)
	if err != nil {
		return err
	}
	defer m.Close()
	if *threads > 0 {
		m.SetThreads(*threads)
	}
	st := m.NewState()
	var logits []float32
	if *decode {
		for _, id := range ids {
			row, err := m.Forward(st, []int{id})
			if err != nil {
				return err
			}
			logits = append(logits, row...)
		}
	} else if logits, err = m.ForwardAll(st, ids); err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var b [4]byte
	for _, v := range logits {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: [%d, %d] float32\n", *out, len(ids), m.Config().Vocab)
	return nil
}

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
