package main

import (
	"encoding/binary"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm/model"
)

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
	err = atomicfile.Write(*out, 0o644, func(w io.Writer) error {
		var b [4]byte
		for _, v := range logits {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			if _, err := w.Write(b[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: [%d, %d] float32\n", *out, len(ids), m.Config().Vocab)
	return nil
}
