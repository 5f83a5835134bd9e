// Command ci runs Jupyter notebooks headlessly through an installed kernel and fails
// loudly when a cell fails.
//
// Usage:
//
//	go run ./ci run [flags] notebooks/*.ipynb
//	go run ./ci crosscheck [flags] notebooks/*.ipynb
//	go run ./ci test [-skips FILE] [go test flags] packages
//	go run ./ci site [-executed DIR] [-index README.md] [-out DIR]
//
// It speaks the Jupyter messaging protocol to the kernel over ZeroMQ, executes the
// code cells in order, writes the executed notebooks (nbformat 4.5) into -out, prints
// a summary with per-cell times and exits non-zero when any notebook fails, naming the
// notebook, the cell and the error. A cell fails when the kernel reports an error,
// when it runs past -timeout (it is interrupted), when the kernel dies, and on GoNB's
// silent failures (a panic, os.Exit(n) or failing !command reported as "ok").
//
// SIGINT, SIGTERM and SIGHUP (Ctrl-C, timeout(1), a CI cancellation, a closed
// terminal) stop the run the same way: the running cell fails as interrupted, the
// executed notebooks are written with what ran, and the kernels are stopped.
// Every process a notebook started dies with its kernel, even one that left the
// kernel's process group or session (see package reap). -out may not be a
// notebook's own folder, and two runs may not share one -out at the same time.
//
// crosscheck runs the same notebooks through Jupyter's own nbclient with the same
// kernel and fails when the outputs differ beyond timing and ordering.
//
// test runs go test and prints what it prints, then every skipped test with the
// reason it gave (make test collects them into one list at its end).
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
	"syscall"
	"time"

	"github.com/how-llms-work/course/ci/site"
)

const usage = `usage: go run ./ci run [flags] notebook.ipynb...
       go run ./ci crosscheck [flags] notebook.ipynb...
       go run ./ci test [-skips FILE] [go test flags] packages...

run executes each notebook through a Jupyter kernel, writes the executed copies and
prints a summary; it exits 1 when any cell or notebook fails. crosscheck runs each
notebook here and through Jupyter's nbclient and compares the outputs.

Flags of run:
`

func main() {
	ctx, stop := withSignals(context.Background())
	defer stop()
	code := 2
	switch {
	case len(os.Args) > 1 && os.Args[1] == "run":
		code = run(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "crosscheck":
		code = crosscheck(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "test":
		code = gotest(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "site":
		code = site.Command(os.Args[2:], os.Stdout, os.Stderr) // the static book (package ci/site)
	default:
		fmt.Fprint(os.Stderr, usage)
		newFlags(os.Stderr, &config{}).PrintDefaults()
	}
	stop()
	os.Exit(code)
}

// withSignals returns a context cancelled by SIGINT, SIGTERM or SIGHUP, whose
// cause names the signal. stop stops catching them.
func withSignals(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(fmt.Errorf("interrupted by %v", sigName(sig)))
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			cancel(context.Canceled)
		})
	}
}

func sigName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

func newFlags(stderr io.Writer, cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&cfg.timeout, "timeout", 3*time.Minute, "per-cell time limit (a Go duration); a cell past it is interrupted and fails; 0 means no limit")
	fs.DurationVar(&cfg.startTimeout, "start-timeout", time.Minute, "time for the kernel to start and answer kernel_info")
	fs.DurationVar(&cfg.hbTimeout, "heartbeat-timeout", 30*time.Second, "heartbeat silence after which the kernel counts as dead")
	fs.StringVar(&cfg.outDir, "out", filepath.Join("out", "notebooks"), "directory for the executed notebooks")
	fs.BoolVar(&cfg.html, "html", false, "also write a self-contained HTML export of each executed notebook")
	fs.StringVar(&cfg.kernel, "kernel", "", "kernel name (default: the notebook's kernelspec, else go-how-llms-work)")
	fs.IntVar(&cfg.jobs, "j", 1, "notebooks to run in parallel")
	fs.IntVar(&cfg.maxOutput, "max-output", defaultMaxOutput, "bytes of output stored per cell; beyond it the output is cut with a note saying so; 0 means no limit")
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
	if cfg.jobs < 1 || cfg.timeout < 0 || cfg.maxOutput < 0 {
		fmt.Fprintln(stderr, "ci run: -j must be at least 1, -timeout and -max-output not negative")
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
		if sameDir(filepath.Dir(p), cfg.outDir) {
			fmt.Fprintf(stderr, "ci run: -out %s is the folder of %s: the executed copy would overwrite the notebook; choose another -out\n", cfg.outDir, p)
			return 2
		}
	}
	unlock, err := lockOut(cfg.outDir)
	if err != nil {
		fmt.Fprintf(stderr, "ci run: %v\n", err)
		return 2
	}
	defer unlock()

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
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "ci run: %v\n", context.Cause(ctx))
		return 1
	}
	return 0
}

// sameDir reports whether two paths name one folder (following symbolic links).
func sameDir(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	aa, errA := filepath.Abs(a)
	ab, errB := filepath.Abs(b)
	return errA == nil && errB == nil && aa == ab
}

// lockOut takes an exclusive lock on the -out folder for the whole run, so two
// runs cannot interleave their executed notebooks and summaries there.
func lockOut(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, ".ci-run.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another run is writing to -out %s (it holds %s): wait for it, or choose another -out", dir, path)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
