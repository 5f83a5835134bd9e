package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/how-llms-work/course/ci/jupyter"
	"github.com/how-llms-work/course/ci/nbformat"
	"github.com/how-llms-work/course/kernel/kernelspec"
)

// lateOutputWait is how long a notebook's kernel must stay quiet after its last
// cell before the outputs count as complete.
const lateOutputWait = 300 * time.Millisecond

// config is what the run command was asked to do.
type config struct {
	timeout      time.Duration // per cell
	startTimeout time.Duration
	outDir       string
	html         bool
	kernel       string // "" means the notebook's kernelspec, else the course kernel
	jobs         int
	hbTimeout    time.Duration
	maxOutput    int // bytes of output stored per cell; 0 means no limit
}

// cellResult is how one code cell went.
type cellResult struct {
	index    int    // index among all cells, 0-based
	number   int    // 1-based among code cells
	id       string // cell id
	firstLn  string // first non-empty line of the source
	duration time.Duration
	ran      bool
	failure  string // "" when the cell passed
}

// result is how one notebook went.
type result struct {
	path     string
	outPath  string // executed notebook, "" when none was written
	htmlPath string
	kernel   string
	cells    []cellResult
	duration time.Duration
	err      error // the notebook failed: a cell, the kernel, or the file
}

// name identifies a cell in messages: "cell 4 (code cell 2, id "abc"): fmt.Println(x)".
func (c cellResult) name() string {
	return fmt.Sprintf("cell %d (code cell %d, id %q): %s", c.index+1, c.number, c.id, c.firstLn)
}

// runNotebook executes one notebook and writes its executed copy into cfg.outDir.
func runNotebook(ctx context.Context, path string, cfg config) *result {
	start := time.Now()
	res := &result{path: path}
	defer func() { res.duration = time.Since(start) }()
	if ctx.Err() != nil {
		res.err = fmt.Errorf("%s: not run: %v", path, context.Cause(ctx))
		return res
	}
	data, err := os.ReadFile(path)
	if err != nil {
		res.err = err
		return res
	}
	nb, err := nbformat.Parse(data)
	if err != nil {
		res.err = fmt.Errorf("%s: %w", path, err)
		return res
	}
	nb.AssignIDs()
	spec, err := findKernel(nb, cfg.kernel)
	if err != nil {
		res.err = fmt.Errorf("%s: %w", path, err)
		return res
	}
	res.kernel = spec.Name
	for i, c := range nb.Cells {
		if c.Type == "code" {
			res.cells = append(res.cells, cellResult{index: i, number: len(res.cells) + 1, id: c.ID, firstLn: firstLine(c.Source)})
			c.Outputs, c.ExecutionCount = nil, nil
		}
	}
	// Whatever happens, write what ran so far.
	defer func() {
		if err := writeOutputs(nb, spec, res, cfg); err != nil && res.err == nil {
			res.err = err
		}
	}()
	if len(res.cells) == 0 {
		return res
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		res.err = err
		return res
	}
	opts := jupyter.Options{Dir: dir, StartTimeout: cfg.startTimeout, HeartbeatTimeout: cfg.hbTimeout}
	var exitLog *exitLog
	if spec.RecordsExits() {
		if exitLog, err = newExitLog(); err != nil {
			res.err = err
			return res
		}
		defer exitLog.close()
		opts.Env = append(opts.Env, kernelspec.ExitLogEnv+"="+exitLog.path())
	}
	k, err := jupyter.Start(ctx, spec, opts)
	if err != nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		res.err = fmt.Errorf("%s: %w", path, err)
		return res
	}
	defer k.Close()
	if exitLog != nil {
		exitLog.kernel = k.Pid()
	}

	// Outputs that arrive after their cell finished (see Kernel.Execute) still land in
	// that cell's collector, so outputs and silent failures are final only at the end.
	cols := make([]*collector, len(res.cells))
	replies := make([]*jupyter.Message, len(res.cells))
	ended := make([]exits, len(res.cells))
	defer func() {
		k.Drain(lateOutputWait)
		for i, col := range cols {
			if col == nil {
				continue
			}
			cr := &res.cells[i]
			nb.Cells[cr.index].Outputs = col.outputs()
			if cr.failure != "" {
				continue
			}
			ended[i].lastStream = col.lastStream
			if cr.failure = failure(replies[i], col.outputs(), ended[i]); cr.failure != "" && res.err == nil {
				res.err = fmt.Errorf("%s: %s failed (reported after the cell finished):\n%s", path, cr.name(), indent(cr.failure))
			}
		}
	}()

	for i := range res.cells {
		cr := &res.cells[i]
		cell := nb.Cells[cr.index]
		if strings.TrimSpace(cell.Source) == "" {
			cr.ran = true
			continue
		}
		col := &collector{limit: cfg.maxOutput}
		cols[i] = col
		t0 := time.Now()
		reply, err := k.Execute(ctx, cell.Source, cfg.timeout, col.add)
		cr.duration, cr.ran, replies[i] = time.Since(t0), true, reply
		if exitLog != nil {
			failures, started := exitLog.next()
			ended[i] = exits{recorded: started > 0, failures: failures}
		}
		ended[i].lastStream = col.lastStream
		if reply != nil {
			cell.ExecutionCount = count(reply.Content["execution_count"])
		}
		cell.Metadata = withTiming(cell.Metadata, t0, cr.duration)
		switch {
		case errors.Is(err, jupyter.ErrDead):
			cr.failure = err.Error()
		case err != nil && ctx.Err() != nil:
			cr.failure = context.Cause(ctx).Error()
		case err != nil:
			cr.failure = err.Error()
			if f := failure(reply, col.outputs(), ended[i]); f != "" {
				cr.failure += "\n" + f
			}
		default:
			cr.failure = failure(reply, col.outputs(), ended[i])
		}
		if cr.failure != "" {
			res.err = fmt.Errorf("%s: %s failed:\n%s", path, cr.name(), indent(cr.failure))
			return res
		}
	}
	return res
}

// findKernel picks the kernelspec: the -kernel flag, else the notebook's own, else the course kernel.
func findKernel(nb *nbformat.Notebook, flagName string) (*kernelspec.Spec, error) {
	name := flagName
	if name == "" {
		if ks, ok := nb.Metadata["kernelspec"].(map[string]any); ok {
			name, _ = ks["name"].(string)
		}
	}
	if name == "" {
		name = kernelspec.CourseKernel
	}
	return kernelspec.Find(name)
}

func writeOutputs(nb *nbformat.Notebook, spec *kernelspec.Spec, res *result, cfg config) error {
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	nb.Metadata["kernelspec"] = map[string]any{"name": spec.Name, "display_name": spec.DisplayName, "language": spec.Language}
	if lang, ok := nb.Metadata["language_info"].(map[string]any); !ok || lang["name"] == nil {
		nb.Metadata["language_info"] = map[string]any{"name": spec.Language}
	}
	data, err := nbformat.Marshal(nb)
	if err != nil {
		return fmt.Errorf("%s: %w", res.path, err)
	}
	if err := nbformat.Validate(data); err != nil {
		return fmt.Errorf("%s: executed notebook is not valid nbformat 4.5: %w", res.path, err)
	}
	if err := os.MkdirAll(cfg.outDir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(cfg.outDir, filepath.Base(res.path))
	if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	res.outPath = out
	if cfg.html {
		h := strings.TrimSuffix(out, ".ipynb") + ".html"
		if err := atomicfile.WriteFile(h, nbformat.HTML(nb, res.path, fmt.Sprintf("%s, executed with kernel %s", res.path, spec.Name)), 0o644); err != nil {
			return err
		}
		res.htmlPath = h
	}
	return nil
}

// withTiming records when the cell ran in its metadata, as nbclient does.
func withTiming(meta map[string]any, start time.Time, d time.Duration) map[string]any {
	if meta == nil {
		meta = map[string]any{}
	}
	const layout = "2006-01-02T15:04:05.000000Z"
	meta["execution"] = map[string]any{
		"iopub.status.busy":   start.UTC().Format(layout),
		"shell.execute_reply": start.Add(d).UTC().Format(layout),
	}
	return meta
}

func firstLine(src string) string {
	for _, l := range strings.Split(src, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "%%" {
			if r := []rune(l); len(r) > 60 {
				l = string(r[:57]) + "..."
			}
			return l
		}
	}
	return ""
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
