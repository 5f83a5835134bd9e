package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/how-llms-work/course/llm/model"
)

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
