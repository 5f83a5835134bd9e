package main

import (
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// summarize prints one row per code cell (notebook, cell, time, status), a line per
// notebook, and where the executed notebooks are; it also writes the table to
// outDir/summary.txt. It returns the number of failed notebooks.
func summarize(w io.Writer, results []*result, cfg config, total time.Duration) int {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "notebook\tcell\ttime\tstatus\tsource")
	failed := 0
	for _, r := range results {
		for _, c := range r.cells {
			status := "ok"
			switch {
			case !c.ran:
				status = "not run"
			case c.failure != "":
				status = "FAILED"
			}
			fmt.Fprintf(tw, "%s\t%d\t%.1fs\t%s\t%s\n", r.path, c.number, c.duration.Seconds(), status, c.firstLn)
		}
		status := "ok"
		if r.err != nil {
			status = "FAILED"
			failed++
		}
		fmt.Fprintf(tw, "%s\tall\t%.1fs\t%s\tkernel %s\n", r.path, r.duration.Seconds(), status, r.kernel)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\n%d notebooks, %d failed, %.1fs\n", len(results), failed, total.Seconds())
	if abs, err := filepath.Abs(cfg.outDir); err == nil {
		fmt.Fprintf(&b, "executed notebooks: %s\n", abs)
	}
	for _, r := range results {
		if r.htmlPath != "" {
			if abs, err := filepath.Abs(r.htmlPath); err == nil {
				fmt.Fprintf(&b, "html: %s\n", abs)
			}
		}
	}
	io.WriteString(w, b.String())
	if err := os.MkdirAll(cfg.outDir, 0o755); err == nil {
		_ = atomicfile.WriteFile(filepath.Join(cfg.outDir, "summary.txt"), []byte(b.String()), 0o644)
	}
	return failed
}
