// Command measure prints a model's bits per byte (package llm/tiny/bpb) on
// the Brown corpus validation split and on text files, for the before/after
// table of llm/tiny/README.md. Run from the repository root:
//
//	go run ./llm/tiny/measure -model tiny -brown llm/tiny/testdata/heldout.txt
//
// -model is "tiny" (the embedded model) or a checkpoint folder, or several
// separated by commas: then the texts are scored under the mixture of the
// models (the mean of their probabilities, bpb.MeasureMixture).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/corpus"
	"github.com/how-llms-work/course/llm/tiny/bpb"
)

func main() {
	ref := flag.String("model", "tiny", `"tiny" or a checkpoint folder; several, comma-separated, for their mixture`)
	brown := flag.Bool("brown", false, "also measure the Brown corpus validation split (41 samples)")
	flag.Parse()
	if err := run(*ref, *brown, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

func run(refs string, brown bool, files []string) error {
	var ms []*llm.Model
	defer func() {
		for _, m := range ms {
			m.Close()
		}
	}()
	for _, ref := range strings.Split(refs, ",") {
		var m *llm.Model
		var err error
		if ref == "tiny" {
			m, err = llm.LoadTiny()
		} else {
			m, err = llm.LoadDir(ref)
		}
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	show := func(name string, r bpb.Result) {
		fmt.Printf("%-40s %8d bytes %7d tokens  %.4f nats/token  %.4f bits/byte\n", name, r.Bytes, r.Tokens, r.PerToken(), r.PerByte())
	}
	if brown {
		_, valid, err := corpus.Load()
		if err != nil {
			return err
		}
		docs := make([]string, len(valid))
		for i, d := range valid {
			docs[i] = d.Text
		}
		r, err := bpb.MeasureMixtureDocs(ms, docs)
		if err != nil {
			return err
		}
		show("Brown validation split", r)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		r, err := bpb.MeasureMixture(ms, string(b))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		show(f, r)
	}
	return nil
}
