package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/how-llms-work/course/ci/nbformat"
)

// nbclientScript executes a notebook with Jupyter's nbclient (Debian: python3-nbclient),
// routing display messages GoNB publishes after a cell's idle status to that cell,
// as this runner does; plain nbclient drops them.
//
//go:embed nbclient/execute.py
var nbclientScript []byte

// crosscheck runs each notebook through this runner and through nbclient with the
// same kernel and compares the outputs cell by cell, up to timing and ordering:
// stream text is compared per stream name, rich outputs in order, execution counts
// and timing metadata are ignored, and durations and GoNB's temporary paths in the
// text are masked. It returns the process exit code.
func crosscheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("crosscheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&cfg.timeout, "timeout", 3*time.Minute, "per-cell time limit")
	fs.StringVar(&cfg.kernel, "kernel", "", "kernel name (default: the notebook's kernelspec, else go-how-llms-work)")
	python := fs.String("python", "", "Python interpreter with nbclient (default: $PYTHON, /usr/bin/python3, python3)")
	keep := fs.String("out", "", "keep both executed copies of each notebook in `DIR` (ours/ and nbclient/)")
	executed := fs.String("executed", "", "compare against notebooks this runner already executed into `DIR` (ci run -out DIR) instead of running them again")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: go run ./ci crosscheck [flags] notebook.ipynb...")
		fs.PrintDefaults()
		return 2
	}
	py, err := findNbclient(*python)
	if err != nil {
		fmt.Fprintln(stderr, "ci crosscheck:", err)
		return 1
	}
	dir := *keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "crosscheck-"); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
	}
	script := filepath.Join(dir, "nbclient-execute.py")
	if err := os.WriteFile(script, nbclientScript, 0o644); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	cfg.startTimeout, cfg.hbTimeout, cfg.jobs = time.Minute, 30*time.Second, 1
	failed := 0
	for _, path := range fs.Args() {
		diffs, err := crosscheckOne(ctx, py, script, path, dir, *executed, cfg)
		if err == nil && len(diffs) > 0 {
			// GoNB v0.11.3 can drop a display when the cell's program exits before GoNB
			// has read it (cells that display should end with gonbui.Sync()). Such a
			// loss is random: run both sides once more before calling it a difference.
			fmt.Fprintf(stderr, "WARNING %s: outputs differ from nbclient's, running both again (GoNB may have dropped a display):\n  %s\n",
				path, strings.Join(diffs, "\n  "))
			diffs, err = crosscheckOne(ctx, py, script, path, dir, "", cfg)
		}
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "FAILED %s: %v\n", path, err)
			failed++
		case len(diffs) > 0:
			fmt.Fprintf(stderr, "FAILED %s: outputs differ from nbclient's:\n  %s\n", path, strings.Join(diffs, "\n  "))
			failed++
		default:
			fmt.Fprintf(stdout, "ok %s: same outputs as nbclient\n", path)
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func crosscheckOne(ctx context.Context, py, script, path, dir, executed string, cfg config) ([]string, error) {
	res := &result{path: path}
	if prev := filepath.Join(executed, filepath.Base(path)); executed != "" && newer(prev, path) {
		nb, err := readExecuted(prev)
		if err != nil {
			return nil, err
		}
		spec, err := findKernel(nb, cfg.kernel)
		if err != nil {
			return nil, err
		}
		res.outPath, res.kernel = prev, spec.Name
	} else {
		cfg.outDir = filepath.Join(dir, "ours")
		if res = runNotebook(ctx, path, cfg); res.err != nil {
			return nil, fmt.Errorf("this runner: %w", res.err)
		}
	}
	theirs := filepath.Join(dir, "nbclient", filepath.Base(path))
	if err := os.MkdirAll(filepath.Dir(theirs), 0o755); err != nil {
		return nil, err
	}
	timeout := int(cfg.timeout.Seconds())
	if timeout < 1 {
		timeout = -1
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, py, script, res.kernel, fmt.Sprint(timeout), abs, theirs)
	cmd.Dir = filepath.Dir(abs) // the notebook's directory, as for our kernel
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("nbclient: %v\n%s", err, lastLines(string(out), 20))
	}
	// Our executed notebook must also pass nbformat's own schema validation.
	if out, err := exec.CommandContext(ctx, py, script, "--validate", res.outPath).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("nbformat rejects this runner's output %s: %v\n%s", res.outPath, err, lastLines(string(out), 20))
	}
	ours, err := readExecuted(res.outPath)
	if err != nil {
		return nil, err
	}
	nbc, err := readExecuted(theirs)
	if err != nil {
		return nil, fmt.Errorf("nbclient's output: %w", err)
	}
	return compareNotebooks(ours, nbc), nil
}

// newer reports whether file a exists and was written after file b.
func newer(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	return err == nil && ia.ModTime().After(ib.ModTime())
}

func readExecuted(path string) (*nbformat.Notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := nbformat.Validate(data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nbformat.Parse(data)
}

// findNbclient returns a Python interpreter that can import nbclient.
func findNbclient(flagPython string) (string, error) {
	candidates := []string{flagPython, os.Getenv("PYTHON"), "/usr/bin/python3", "python3"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if exec.Command(c, "-c", "import nbclient, nbformat").Run() == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("no Python with nbclient found: install it with apt-get install python3-nbclient (or run bash .ci/run)")
}

var (
	gonbTemp = regexp.MustCompile(`gonb_[0-9a-f]+`)
	duration = regexp.MustCompile(`\b[0-9]+(\.[0-9]+)?\s?(ns|µs|us|ms|s|m|h)\b`)
	// Random element ids, fresh for every rendering (widgets' "llmw-3f9a0c1b2d4e").
	randomID = regexp.MustCompile(`\b([A-Za-z]+-)[0-9a-f]{8,}\b`)
)

// mask hides what legitimately differs between two runs of the same notebook:
// durations, GoNB's temporary directory, random element ids.
func mask(s string) string {
	s = gonbTemp.ReplaceAllString(nbformat.StripANSI(s), "gonb_X")
	s = randomID.ReplaceAllString(s, "${1}ID")
	return duration.ReplaceAllString(s, "<duration>")
}

// canonical describes a cell's outputs up to ordering: one entry per stream name with
// all its text, then the rich outputs in order.
func canonical(outs []*nbformat.Output) []string {
	streams := map[string]string{}
	var rich []string
	for _, o := range outs {
		switch o.Type {
		case nbformat.Stream:
			streams[o.Name] += o.Text
		case nbformat.Error:
			rich = append(rich, "error "+mask(o.EName+": "+o.EValue))
		default:
			keys := make([]string, 0, len(o.Data))
			for k := range o.Data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var b strings.Builder
			b.WriteString(o.Type)
			for _, k := range keys {
				fmt.Fprintf(&b, " %s=%q", k, mask(fmt.Sprint(o.Data[k])))
			}
			rich = append(rich, b.String())
		}
	}
	var out []string
	for _, name := range []string{"stdout", "stderr"} {
		if s := streams[name]; s != "" {
			out = append(out, fmt.Sprintf("%s %q", name, mask(s)))
		}
	}
	return append(out, rich...)
}

func compareNotebooks(ours, theirs *nbformat.Notebook) []string {
	if len(ours.Cells) != len(theirs.Cells) {
		return []string{fmt.Sprintf("%d cells here, %d in nbclient's copy", len(ours.Cells), len(theirs.Cells))}
	}
	var diffs []string
	for i, c := range ours.Cells {
		if c.Type != "code" {
			continue
		}
		a, b := canonical(c.Outputs), canonical(theirs.Cells[i].Outputs)
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			diffs = append(diffs, fmt.Sprintf("cell %d (id %q):\n    ours:     %q\n    nbclient: %q", i+1, c.ID, a, b))
		}
	}
	return diffs
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
