// Command ci runs Jupyter notebooks headlessly through an installed kernel and fails
// loudly when a cell fails.
//
// Usage:
//
//	go run ./ci run [flags] notebooks/*.ipynb
//	go run ./ci crosscheck [flags] notebooks/*.ipynb
//	go run ./ci site [-executed DIR] [-index README.md] [-out DIR]
//
// It speaks the Jupyter messaging protocol to the kernel over ZeroMQ, executes the
// code cells in order, writes the executed notebooks (nbformat 4.5) into -out, prints
// a summary with per-cell times and exits non-zero when any notebook fails, naming the
// notebook, the cell and the error. A cell fails when the kernel reports an error,
// when it runs past -timeout (it is interrupted), when the kernel dies, and on GoNB's
// silent failures (a panic, os.Exit(n) or failing !command reported as "ok").
//
// crosscheck runs the same notebooks through Jupyter's own nbclient with the same
// kernel and fails when the outputs differ beyond timing and ordering.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"time"

	"github.com/how-llms-work/course/ci/site"
)

const usage = `usage: go run ./ci run [flags] notebook.ipynb...
       go run ./ci crosscheck [flags] notebook.ipynb...

run executes each notebook through a Jupyter kernel, writes the executed copies and
prints a summary; it exits 1 when any cell or notebook fails. crosscheck runs each
notebook here and through Jupyter's nbclient and compares the outputs.

Flags of run:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code := 2
	switch {
	case len(os.Args) > 1 && os.Args[1] == "run":
		code = run(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "crosscheck":
		code = crosscheck(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "site":
		code = site.Command(os.Args[2:], os.Stdout, os.Stderr) // the static book (package ci/site)
	default:
		fmt.Fprint(os.Stderr, usage)
		newFlags(os.Stderr, &config{}).PrintDefaults()
	}
	stop()
	os.Exit(code)
}

func newFlags(stderr io.Writer, cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&cfg.timeout, "timeout", 3*time.Minute, "per-cell time limit (a Go duration); a cell past it is interrupted and fails")
	fs.DurationVar(&cfg.startTimeout, "start-timeout", time.Minute, "time for the kernel to start and answer kernel_info")
	fs.DurationVar(&cfg.hbTimeout, "heartbeat-timeout", 30*time.Second, "heartbeat silence after which the kernel counts as dead")
	fs.StringVar(&cfg.outDir, "out", filepath.Join("out", "notebooks"), "directory for the executed notebooks")
	fs.BoolVar(&cfg.html, "html", false, "also write a self-contained HTML export of each executed notebook")
	fs.StringVar(&cfg.kernel, "kernel", "", "kernel name (default: the notebook's kernelspec, else go-how-llms-work)")
	fs.IntVar(&cfg.jobs, "j", 1, "notebooks to run in parallel")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// run executes the run command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := newFlags(stderr, &cfg)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	paths := fs.Args()
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "ci run: no notebooks given")
		fs.Usage()
		return 2
	}
	if cfg.jobs < 1 || cfg.timeout < 0 {
		fmt.Fprintln(stderr, "ci run: -j must be at least 1 and -timeout not negative")
		return 2
	}
	seen := map[string]string{}
	for _, p := range paths {
		base := filepath.Base(p)
		if other, dup := seen[base]; dup {
			fmt.Fprintf(stderr, "ci run: %s and %s would both be written as %s\n", other, p, filepath.Join(cfg.outDir, base))
			return 2
		}
		seen[base] = p
	}

	results := make([]*result, len(paths))
	sem := make(chan struct{}, cfg.jobs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := time.Now()
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := runNotebook(ctx, p, cfg)
			results[i] = r
			mu.Lock()
			status := "ok"
			if r.err != nil {
				status = "FAILED"
			}
			fmt.Fprintf(stderr, "%s %s (%.1fs)\n", status, p, r.duration.Seconds())
			mu.Unlock()
		}()
	}
	wg.Wait()
	failed := summarize(stdout, results, cfg, time.Since(start))
	if failed > 0 {
		fmt.Fprintf(stderr, "\n%d of %d notebooks failed:\n", failed, len(results))
		for _, r := range results {
			if r.err != nil {
				fmt.Fprintf(stderr, "\n%v\n", r.err)
			}
		}
		return 1
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return 1
	}
	return 0
}
