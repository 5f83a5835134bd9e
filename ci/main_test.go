package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/how-llms-work/course/ci/jupyter"
	"github.com/how-llms-work/course/ci/nbformat"
	"github.com/how-llms-work/course/ci/reap"
	"github.com/how-llms-work/course/kernel/kernelspec"
)

// TestMain builds GoNB and goimports and installs a private copy of the course
// kernelspec, so the tests use exactly the pinned kernel and never the user's.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		tmp, err := os.MkdirTemp("", "ci-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		if err := installTestKernel(tmp); err != nil {
			fmt.Fprintln(os.Stderr, "installing the test kernel:", err)
			return 1
		}
		return m.Run()
	}())
}

func installTestKernel(tmp string) error {
	repo, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	bin := filepath.Join(tmp, "bin")
	for name, pkg := range map[string]string{"gonb": "github.com/janpfeifer/gonb", "goimports": "golang.org/x/tools/cmd/goimports", "go": "./kernel/cellwrap"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return err
	}
	if err := kernelspec.WriteBashEnv(bin); err != nil {
		return err
	}
	spec := kernelspec.Course(bin, repo, filepath.Join(strings.TrimSpace(string(goroot)), "bin"))
	if _, err := kernelspec.Write(filepath.Join(tmp, "jupyter", "kernels"), kernelspec.CourseKernel, spec); err != nil {
		return err
	}
	os.Setenv("JUPYTER_PATH", filepath.Join(tmp, "jupyter"))
	os.Setenv("JUPYTER_DATA_DIR", filepath.Join(tmp, "user-data"))
	return nil
}

func runCI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func readNotebook(t *testing.T, path string) *nbformat.Notebook {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := nbformat.Validate(data); err != nil {
		t.Fatalf("%s is not valid nbformat 4.5: %v", path, err)
	}
	nb, err := nbformat.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

func TestRunCleanNotebook(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCI(t, "-out", out, "-html", "testdata/ok.ipynb")
	if code != 0 {
		t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	nb := readNotebook(t, filepath.Join(out, "ok.ipynb"))
	if ks := nb.Metadata["kernelspec"].(map[string]any); ks["name"] != kernelspec.CourseKernel {
		t.Errorf("kernelspec metadata %v", ks)
	}
	stream := func(c *nbformat.Cell, name string) string {
		for _, o := range c.Outputs {
			if o.Type == nbformat.Stream && o.Name == name {
				return o.Text
			}
		}
		return ""
	}
	c := nb.Cells[2]
	if got := stream(c, "stdout"); got != "square: 49\n" {
		t.Errorf("cell 3 stdout %q, want %q (a declaration from cell 2 used in cell 3)", got, "square: 49\n")
	}
	if got := stream(c, "stderr"); got != "a note on stderr\n" {
		t.Errorf("cell 3 stderr %q", got)
	}
	if c.ExecutionCount == nil || *c.ExecutionCount < 1 {
		t.Errorf("cell 3 execution_count %v", c.ExecutionCount)
	}
	var html []string
	for _, o := range nb.Cells[3].Outputs {
		if o.Type == nbformat.DisplayData {
			html = append(html, o.Data["text/html"].(string))
		}
	}
	// UpdateHTML's first call shows the display, the second updates it in place.
	if strings.Join(html, "|") != "<b>bold</b>|done" {
		t.Errorf("cell 4 HTML outputs %q, want [<b>bold</b> done]", html)
	}
	if got := stream(nb.Cells[4], "stdout"); got != kernelspec.CourseKernel+"\n" {
		t.Errorf("cell 5 (imports a package of this repository, kernel/kernelspec) stdout %q, want %q", got, kernelspec.CourseKernel+"\n")
	}
	if !strings.Contains(stdout, "testdata/ok.ipynb  all") || !strings.Contains(stdout, "executed notebooks: "+out) {
		t.Errorf("summary lacks the notebook row or the output directory:\n%s", stdout)
	}
	if lines := strings.Count(stdout, "testdata/ok.ipynb  "); lines != 6 {
		t.Errorf("summary has %d rows for ok.ipynb, want 5 cells + 1 total:\n%s", lines, stdout)
	}
	h, err := os.ReadFile(filepath.Join(out, "ok.html"))
	if err != nil || !bytes.Contains(h, []byte("square: 49")) || !bytes.Contains(h, []byte("<b>bold</b>")) {
		t.Errorf("HTML export missing or incomplete (err %v)", err)
	}
	if _, err := os.Stat(filepath.Join(out, "summary.txt")); err != nil {
		t.Errorf("no summary.txt: %v", err)
	}
}

// TestRunFailingNotebooks runs every kind of failure in one parallel run: each must be
// reported with its notebook, cell and error, within its timeout, and the run must fail.
func TestRunFailingNotebooks(t *testing.T) {
	out := t.TempDir()
	want := map[string][]string{
		"panic.ipynb":          {`cell 2 (code cell 2, id "c1")`, "panic: boom"},
		"exit3.ipynb":          {`cell 1 (code cell 1, id "c0")`, "exit status 3"},
		"killed.ipynb":         {`cell 1 (code cell 1, id "c0")`, "kernel died", "killed"},
		"compile-error.ipynb":  {`cell 1 (code cell 1, id "c0")`, `cannot use "not an int"`},
		"failing-cmd.ipynb":    {`cell 1 (code cell 1, id "c0"): !false`, "exit status 1"},
		"malformed.ipynb":      {"malformed.ipynb: invalid JSON at line 5, column 44"},
		"bad-structure.ipynb":  {"bad-structure.ipynb: cells[0].outputs: got an object"},
		"unknown-kernel.ipynb": {`unknown-kernel.ipynb: no kernel named "no-such-kernel"`},
	}
	args := []string{"-out", out, "-j", "3", "testdata/ok.ipynb"}
	for name := range want {
		args = append(args, "testdata/"+name)
	}
	start := time.Now()
	code, stdout, stderr := runCI(t, args...)
	elapsed := time.Since(start)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr, fmt.Sprintf("%d of %d notebooks failed", len(want), len(want)+1)) {
		t.Errorf("stderr does not count the failures:\n%s", stderr)
	}
	for name, msgs := range want {
		for _, m := range msgs {
			if !strings.Contains(stderr, "testdata/"+name) || !strings.Contains(stderr, m) {
				t.Errorf("%s: stderr lacks %q", name, m)
			}
		}
	}
	if elapsed > 90*time.Second {
		t.Errorf("run took %v", elapsed)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}

	// The executed copy of a failed notebook keeps what ran and leaves the rest unrun.
	nb := readNotebook(t, filepath.Join(out, "panic.ipynb"))
	if c := nb.Cells[1]; len(c.Outputs) == 0 || c.ExecutionCount == nil {
		t.Errorf("failed cell kept no outputs: %+v", c)
	}
	if c := nb.Cells[2]; len(c.Outputs) != 0 || c.ExecutionCount != nil {
		t.Errorf("cell after the failure ran: %+v", c)
	}
	if !strings.Contains(stdout, "not run") {
		t.Errorf("summary does not show the unrun cell:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "ok.ipynb")); err != nil {
		t.Errorf("the clean notebook of the same run was not written: %v", err)
	}
}

func TestRunUsage(t *testing.T) {
	locked := t.TempDir()
	unlock, err := lockOut(locked) // as a second run on the same -out would find it
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := os.Stat("testdata/ok.ipynb"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "no notebooks given"},
		{[]string{"-timeout", "soon", "x.ipynb"}, 2, "invalid value"},
		{[]string{"-j", "0", "x.ipynb"}, 2, "-j must be at least 1"},
		{[]string{"a/x.ipynb", "b/x.ipynb"}, 2, "would both be written"},
		{[]string{"-out", t.TempDir(), "missing.ipynb"}, 1, "missing.ipynb: no such file"},
		{[]string{"-out", t.TempDir(), "-kernel", "nope", "testdata/ok.ipynb"}, 1, `no kernel named "nope"`},
		{[]string{"-out", "testdata", "testdata/ok.ipynb"}, 2, "would overwrite the notebook"},
		{[]string{"-out", "./testdata/", "testdata/ok.ipynb"}, 2, "would overwrite the notebook"},
		{[]string{"-max-output", "-1", "x.ipynb"}, 2, "-max-output not negative"},
		{[]string{"-out", locked, "testdata/ok.ipynb"}, 2, "another run is writing to -out " + locked},
	} {
		code, _, stderr := runCI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("run %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

func msg(typ string, content map[string]any) *jupyter.Message {
	return &jupyter.Message{Header: jupyter.Header{MsgType: typ}, Content: content}
}

func TestCollector(t *testing.T) {
	var c collector
	c.add(msg("stream", map[string]any{"name": "stdout", "text": "a"}))
	c.add(msg("stream", map[string]any{"name": "stdout", "text": "b\n"}))
	c.add(msg("stream", map[string]any{"name": "stderr", "text": "e\n"}))
	c.add(msg("display_data", map[string]any{"data": map[string]any{"text/html": "0%"}, "transient": map[string]any{"display_id": "p"}}))
	c.add(msg("display_data", map[string]any{"data": map[string]any{"text/plain": "x"}}))
	c.add(msg("update_display_data", map[string]any{"data": map[string]any{"text/html": "100%"}, "transient": map[string]any{"display_id": "p"}}))
	c.add(msg("execute_result", map[string]any{"data": map[string]any{"text/plain": "42"}, "execution_count": 3.0}))
	outs := c.outputs()
	if len(outs) != 5 {
		t.Fatalf("got %d outputs, want 5", len(outs))
	}
	if outs[0].Text != "ab\n" || outs[1].Text != "e\n" {
		t.Errorf("streams %q %q: consecutive stdout should merge", outs[0].Text, outs[1].Text)
	}
	if outs[2].Data["text/html"] != "100%" {
		t.Errorf("update_display_data not applied: %v", outs[2].Data)
	}
	if n := outs[4].ExecutionCount; n == nil || *n != 3 {
		t.Errorf("execute_result count %v", n)
	}
	c.add(msg("clear_output", map[string]any{"wait": true}))
	if len(c.outputs()) != 5 {
		t.Errorf("clear_output(wait) cleared before the next output")
	}
	c.add(msg("stream", map[string]any{"name": "stdout", "text": "fresh"}))
	if outs := c.outputs(); len(outs) != 1 || outs[0].Text != "fresh" {
		t.Errorf("after clear_output(wait) and new output: %+v", outs)
	}
	c.add(msg("clear_output", map[string]any{"wait": false}))
	if len(c.outputs()) != 0 {
		t.Errorf("clear_output did not clear")
	}
}

// TestCollectorCap: output past the cap is dropped, and the stored outputs end
// with a note saying how much, followed by the end of the dropped stderr.
func TestCollectorCap(t *testing.T) {
	c := collector{limit: 100}
	c.add(msg("stream", map[string]any{"name": "stdout", "text": strings.Repeat("a", 60)}))
	c.add(msg("stream", map[string]any{"name": "stdout", "text": strings.Repeat("é", 30)})) // 60 bytes, 2 per rune
	c.add(msg("display_data", map[string]any{"data": map[string]any{"text/html": strings.Repeat("<b>", 100)}}))
	c.add(msg("stream", map[string]any{"name": "stderr", "text": "first\nlast words\n"}))
	outs := c.outputs()
	if len(outs) != 2 {
		t.Fatalf("got %d outputs, want the capped stdout and the note: %+v", len(outs), outs)
	}
	if want := strings.Repeat("a", 60) + strings.Repeat("é", 20); outs[0].Text != want {
		t.Errorf("kept stdout %q, want %q (cut at 100 bytes, on a character boundary)", outs[0].Text, want)
	}
	// dropped: 20 bytes of é, 300+9 of the display, 17 of stderr
	note := outs[1].Text
	if outs[1].Name != "stderr" || !strings.Contains(note, "output truncated: 346 bytes more were not stored, over the limit of 100 bytes per cell (-max-output)") ||
		!strings.HasSuffix(note, "last words\n") {
		t.Errorf("truncation note %q", note)
	}
	var unlimited collector
	unlimited.add(msg("stream", map[string]any{"name": "stdout", "text": strings.Repeat("a", 1<<20)}))
	if outs := unlimited.outputs(); len(outs) != 1 || len(outs[0].Text) != 1<<20 {
		t.Errorf("limit 0 capped the output")
	}
}

func TestFailure(t *testing.T) {
	ok := msg("execute_reply", map[string]any{"status": "ok"})
	// streams feeds stream messages (name, text, name, text, …) through a collector.
	streams := func(nt ...string) *collector {
		var c collector
		for i := 0; i < len(nt); i += 2 {
			c.add(msg("stream", map[string]any{"name": nt[i], "text": nt[i+1]}))
		}
		return &c
	}
	for _, tc := range []struct {
		reply *jupyter.Message
		col   *collector
		want  string
	}{
		{ok, streams(), ""},
		{ok, streams("stderr", "warning: careful\n"), ""},
		// GoNB's own report, a message of its own after the program's output
		{ok, streams("stderr", "x\npanic: boom\n\ngoroutine 1\n", "stderr", "exit status 2\n"), "panic: boom"},
		{ok, streams("stdout", "hi\n", "stderr", "exit status 3\n"), "exit status 3"},
		{ok, streams("stderr", "^C\nsignal: killed\n"), "signal: killed"},
		{ok, streams("stderr", "fatal error: all goroutines are asleep - deadlock!\n", "stderr", "exit status 2\n"), "fatal error: all goroutines"},
		// text a program prints is not GoNB's report: not last, or not alone
		{ok, streams("stderr", "x\npanic: boom\n\ngoroutine 1\n"), ""},
		{ok, streams("stderr", "exit status 1\n", "stdout", "and then more\n"), ""},
		{ok, streams("stderr", "exit status 1\n", "stderr", "and then more\n"), ""},
		{ok, streams("stderr", "note: exit status 1\n"), ""},
		{ok, streams("stderr", "exit status 1\nmore\n"), ""},
		{msg("execute_reply", map[string]any{"status": "error", "ename": "E", "evalue": "bad"}), streams(), "E: bad"},
		{msg("execute_reply", map[string]any{"status": "aborted"}), streams(), `status "aborted"`},
	} {
		got := failure(tc.reply, tc.col.outputs(), exits{lastStream: tc.col.lastStream})
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("failure(%v, %+v) = %q, want %q", tc.reply.Content, tc.col.outputs(), got, tc.want)
		}
	}
	// A kernel that records exit statuses: the record alone decides, whatever the text says.
	for _, tc := range []struct {
		col      *collector
		failures []string
		want     string
	}{
		{streams("stderr", "exit status 1\n"), nil, ""},
		{streams("stderr", "panic: not really\n", "stderr", "exit status 2\n"), nil, ""},
		{streams("stdout", "bye\n", "stderr", "exit status 3\n"), []string{"exit status 3"}, "exit status 3"},
		{streams("stdout", "bye\n"), []string{"exit status 3"}, "exit status 3"},
		{streams("stderr", "panic: boom\n\ngoroutine 1\n", "stderr", "exit status 2\n"), []string{"exit status 2"}, "panic: boom"},
		{streams(), []string{"killed before reporting its exit status"}, "killed before"},
	} {
		got := failure(ok, tc.col.outputs(), exits{recorded: true, failures: tc.failures, lastStream: tc.col.lastStream})
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("failure(recorded %q, %+v) = %q, want %q", tc.failures, tc.col.outputs(), got, tc.want)
		}
	}
	errOut := []*nbformat.Output{{Type: nbformat.Error, EName: "ERROR", EValue: "it broke"}}
	if got := failure(ok, errOut, exits{}); got != "ERROR: it broke" {
		t.Errorf("failure with an error output = %q", got)
	}
}

// TestExitLogLines: only programs the kernel itself started count; a start with no
// end is a program killed before it could report; a half-written line waits.
func TestExitLogLines(t *testing.T) {
	l, err := newExitLog()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	l.kernel = 100
	write := func(s string) {
		f, err := os.OpenFile(l.path(), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	check := func(started int, want ...string) {
		t.Helper()
		got, n := l.next()
		if strings.Join(got, "|") != strings.Join(want, "|") || n != started {
			t.Errorf("next() = %q, %d started; want %q, %d", got, n, want, started)
		}
	}
	check(0) // a cell that ran no program the wrapper sees: the text rule applies
	write("start 100 7\nstart 7 8\nend 7 8 exit 1\nend 100 7 exit 0\n")
	check(1)
	write("start 100 9\nend 100 9 exit 3\nstart 100 10\nend 100 10 signal interrupt\nstart 100 11\nsta")
	check(3, "exit status 3", "signal: interrupt", "killed before reporting its exit status")
	write("rt 100 12\nend 100 12 exit 0\n")
	check(1)
}

func TestCrossCheckWithNbclient(t *testing.T) {
	if _, err := findNbclient(""); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %v", err)
		}
		t.Skipf("skipping the nbclient cross-check: %v", err)
	}
	var out, errb bytes.Buffer
	if code := crosscheck(context.Background(), []string{"testdata/ok.ipynb"}, &out, &errb); code != 0 {
		t.Fatalf("crosscheck exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "ok testdata/ok.ipynb: same outputs as nbclient") {
		t.Errorf("stdout %q", out.String())
	}

	// Against an earlier run's output (-executed), with one printed number changed:
	// the difference must be found and named; the retry (both sides run afresh, see
	// crosscheck) then agrees.
	dir := t.TempDir()
	if code, _, stderr := runCI(t, "-out", dir, "testdata/ok.ipynb"); code != 0 {
		t.Fatalf("ci run: %s", stderr)
	}
	path := filepath.Join(dir, "ok.ipynb")
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.Replace(data, []byte("square: 49"), []byte("square: 48"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	code := crosscheck(context.Background(), []string{"-executed", dir, "testdata/ok.ipynb"}, &out, &errb)
	if !strings.Contains(errb.String(), "WARNING testdata/ok.ipynb: outputs differ") || !strings.Contains(errb.String(), `cell 3 (id "c2")`) || !strings.Contains(errb.String(), "square: 48") {
		t.Errorf("crosscheck of a tampered output did not report the difference; stderr:\n%s", errb.String())
	}
	if code != 0 || !strings.Contains(out.String(), "ok testdata/ok.ipynb") {
		t.Errorf("retry after the difference: exit %d, stdout %q", code, out.String())
	}
}

func TestCompareNotebooks(t *testing.T) {
	cell := func(outs ...*nbformat.Output) *nbformat.Notebook {
		return &nbformat.Notebook{Cells: []*nbformat.Cell{{Type: "code", ID: "a", Outputs: outs}}}
	}
	out := func(name, text string) *nbformat.Output {
		return &nbformat.Output{Type: nbformat.Stream, Name: name, Text: text}
	}
	html := func(s string) *nbformat.Output {
		return &nbformat.Output{Type: nbformat.DisplayData, Data: map[string]any{"text/html": s}}
	}
	same := [][2]*nbformat.Notebook{
		// stdout/stderr/display interleaving differs between clients
		{cell(out("stdout", "a\n"), html("<b>"), out("stdout", "b\n"), out("stderr", "e")), cell(out("stderr", "e"), out("stdout", "a\nb\n"), html("<b>"))},
		// timings and GoNB's temporary directories
		{cell(out("stdout", "took 1.25s, 30ms per token at /tmp/gonb_ab12/main.go")), cell(out("stdout", "took 2.5s, 7ms per token at /tmp/gonb_ff00/main.go"))},
		// random element ids of widgets
		{cell(html(`<div id="llmw-c446df60003e"><script>f("llmw-c446df60003e")</script>`)), cell(html(`<div id="llmw-31f6d4394421"><script>f("llmw-31f6d4394421")</script>`))},
	}
	for i, p := range same {
		if d := compareNotebooks(p[0], p[1]); len(d) != 0 {
			t.Errorf("case %d: differences reported: %q", i, d)
		}
	}
	differ := [][2]*nbformat.Notebook{
		{cell(out("stdout", "49\n")), cell(out("stdout", "48\n"))},
		{cell(html("<b>1</b>"), html("<b>2</b>")), cell(html("<b>2</b>"), html("<b>1</b>"))},
		{cell(out("stdout", "x")), cell(out("stderr", "x"))},
		{cell(), cell(html("x"))},
	}
	for i, p := range differ {
		if d := compareNotebooks(p[0], p[1]); len(d) != 1 || !strings.Contains(d[0], `cell 1 (id "a")`) {
			t.Errorf("case %d: got %q, want one difference naming the cell", i, d)
		}
	}
}

// TestHeartbeatLost stops (SIGSTOP) the kernel mid-cell: the process neither exits nor
// answers, and only the heartbeat can tell. Execute must report a dead kernel quickly.
func TestHeartbeatLost(t *testing.T) {
	spec, err := kernelspec.Find(kernelspec.CourseKernel)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jupyter.Start(context.Background(), spec, jupyter.Options{HeartbeatTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	time.AfterFunc(time.Second, func() { syscall.Kill(k.Pid(), syscall.SIGSTOP) })
	start := time.Now()
	_, err = k.Execute(context.Background(), "%%\ntime.Sleep(time.Minute)", time.Minute, func(*jupyter.Message) {})
	if !errors.Is(err, jupyter.ErrDead) || !strings.Contains(err.Error(), "no heartbeat for 2s") {
		t.Errorf("Execute on a stopped kernel: err = %v, want ErrDead (no heartbeat)", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v to notice the stopped kernel", d)
	}
}

// TestRunEndlessLoop: a cell that never ends is interrupted at the timeout and fails.
func TestRunEndlessLoop(t *testing.T) {
	start := time.Now()
	code, _, stderr := runCI(t, "-out", t.TempDir(), "-timeout", "3s", "testdata/loop.ipynb")
	// Interrupted, or (when the interrupt lands while GoNB is still compiling the cell,
	// as on a loaded machine) killed after the grace period: either way the cell fails.
	if code != 1 || !strings.Contains(stderr, `loop.ipynb: cell 1 (code cell 1, id "c0")`) || !strings.Contains(stderr, "timed out after 3s") {
		t.Errorf("exit %d, stderr:\n%s\nwant the loop cell interrupted after 3s", code, stderr)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestInterruptBySignal runs the endless loop on a kernelspec with interrupt_mode
// "signal": the runner interrupts with SIGINT instead of an interrupt_request.
func TestInterruptBySignal(t *testing.T) {
	spec, err := kernelspec.Find(kernelspec.CourseKernel)
	if err != nil {
		t.Fatal(err)
	}
	spec.InterruptMode = "signal"
	kernels := filepath.Join(os.Getenv("JUPYTER_PATH"), "kernels")
	if _, err := kernelspec.Write(kernels, "course-signal", spec); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, _, stderr := runCI(t, "-out", t.TempDir(), "-timeout", "2s", "-kernel", "course-signal", "testdata/loop.ipynb")
	if code != 1 || !strings.Contains(stderr, `cell 1 (code cell 1, id "c0")`) || !strings.Contains(stderr, "timed out after 2s") {
		t.Errorf("exit %d, stderr:\n%s\nwant the loop cell interrupted after 2s", code, stderr)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestClassicNotebookShowsOutputs opens a notebook executed by this runner in a real
// Jupyter frontend (classic Notebook, Debian's jupyter-notebook) in headless Chromium,
// and checks that the frontend renders its stored outputs, leaving no process behind.
func TestClassicNotebookShowsOutputs(t *testing.T) {
	jupyterBin, chromium := "/usr/bin/jupyter-notebook", ""
	for _, c := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(c); c != "" && err == nil {
			chromium = p
			break
		}
	}
	if _, err := os.Stat(jupyterBin); err != nil || chromium == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but classic Notebook (%s) or Chromium is missing: .ci/run installs jupyter-notebook and chromium", jupyterBin)
		}
		t.Skip("classic Notebook or Chromium not installed (apt-get install jupyter-notebook chromium)")
	}
	// Fails the test if anything it starts (this runner's kernel and cell programs,
	// the server, the kernel it opens, gopls and its telemetry, Chromium) outlives it.
	reap.NoLeaks(t)
	dir := t.TempDir()
	if code, _, stderr := runCI(t, "-out", dir, "testdata/ok.ipynb"); code != 0 {
		t.Fatalf("ci run: %s", stderr)
	}
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	server := exec.CommandContext(ctx, jupyterBin, "--no-browser", "--allow-root", "--ip=127.0.0.1",
		fmt.Sprintf("--port=%d", port), "--NotebookApp.token=", "--NotebookApp.password=", "--notebook-dir="+dir)
	server.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Opening the notebook starts a kernel, which starts gopls in a group of
	// its own: the tag finds them all once the server has stopped.
	tag := reap.NewTag()
	server.Env = append(os.Environ(), tag.Env())
	server.WaitDelay = 2 * time.Second // gopls may hold the log pipe until tag.Kill
	var log bytes.Buffer
	server.Stdout, server.Stderr = &log, &log
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { syscall.Kill(-server.Process.Pid, syscall.SIGTERM); server.Wait(); tag.Kill() }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/api"); err == nil {
			resp.Body.Close()
			break
		}
		if i == 100 {
			t.Fatalf("notebook server did not start:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The frontend draws the stored outputs: stdout text and the HTML display. On a
	// loaded machine the page may not be drawn within Chromium's time budget: retry.
	wants := []string{"square: 49", "<b>bold</b>", "a note on stderr", "output_area"}
	var missing []string
	for try := 0; try < 3; try++ {
		dom, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
			"--user-data-dir="+filepath.Join(dir, fmt.Sprint("chromium", try)), "--virtual-time-budget=20000", "--dump-dom",
			base+"/notebooks/ok.ipynb").Output()
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		missing = missing[:0]
		for _, want := range wants {
			if !bytes.Contains(dom, []byte(want)) {
				missing = append(missing, want)
			}
		}
		if len(missing) == 0 {
			break
		}
	}
	if len(missing) > 0 {
		t.Errorf("rendered page lacks %q", missing)
	}
	if t.Failed() {
		t.Logf("server log:\n%s", log.String())
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestRunStoppedBySignal stops the runner (the real binary) with SIGTERM and with
// SIGHUP while a cell runs: like Ctrl-C, it must fail the run naming the signal,
// write the executed notebook with what ran, and leave no process behind.
func TestRunStoppedBySignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kernel twice")
	}
	bin := filepath.Join(t.TempDir(), "ci")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			ready := filepath.Join(dir, "ready")
			out := filepath.Join(dir, "out")
			cmd := exec.Command(bin, "run", "-out", out, "testdata/wait-for-signal.ipynb")
			cmd.Env = append(os.Environ(), "CI_TEST_READY="+ready)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the cell did not start:\n%s", stderr.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			start := time.Now()
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				<-done
				t.Fatalf("the runner did not stop within a minute of %v", sig)
			}
			t.Logf("stopped %v after %v", sig, time.Since(start))
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Errorf("exit: %v, want status 1", err)
			}
			if want := "interrupted by " + sigName(sig); !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
			}
			nb := readNotebook(t, filepath.Join(out, "wait-for-signal.ipynb"))
			if c := nb.Cells[0]; len(c.Outputs) == 0 || !strings.Contains(c.Outputs[0].Text, "started") {
				t.Errorf("the executed notebook lacks the interrupted cell's output: %+v", c.Outputs)
			}
			if left := reap.Marked("CI_TEST_READY=" + ready); len(left) != 0 {
				t.Errorf("processes of the run still alive after %v: %v", sig, left)
				for _, p := range left {
					syscall.Kill(p, syscall.SIGKILL)
				}
			}
		})
	}
}

// TestRunReapsEscapedProcesses: a cell puts a process in a session of its own
// (setsid … &), out of the kernel's process group: it must die with the kernel.
func TestRunReapsEscapedProcesses(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	code, _, stderr := runCI(t, "-out", t.TempDir(), "testdata/escape.ipynb")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if left := withCmdline("sleep\x003017\x00"); len(left) != 0 {
		t.Errorf("the escaped sleep 3017 outlived the run: pids %v", left)
		for _, p := range left {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// withCmdline lists the processes whose command line (NUL-separated) is cmdline.
func withCmdline(cmdline string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && string(b) == cmdline {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestRunOutputTextIsNotExitStatus runs programs and !commands that print GoNB's
// failure texts, even as their very last output, and exit 0 (they pass), and one that prints 4 MiB (its stored output
// is capped at -max-output, with a note, and the executed notebook stays small).
func TestRunOutputTextIsNotExitStatus(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCI(t, "-out", out, "-j", "2", "-max-output", "100000", "testdata/forged-exit.ipynb", "testdata/forged-exit-last.ipynb", "testdata/big-output.ipynb")
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	forged := readNotebook(t, filepath.Join(out, "forged-exit-last.ipynb"))
	if c := forged.Cells[2]; len(c.Outputs) == 0 || c.Outputs[0].Text != "the cell after them runs\n" {
		t.Errorf("the cell after the forged reports did not run: %+v", c.Outputs)
	}
	fi, err := os.Stat(filepath.Join(out, "big-output.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 150000 {
		t.Errorf("executed notebook has %d bytes: the 100000-byte cap was not applied", fi.Size())
	}
	nb := readNotebook(t, filepath.Join(out, "big-output.ipynb"))
	outs := nb.Cells[0].Outputs
	last := outs[len(outs)-1]
	if last.Name != "stderr" || !strings.Contains(last.Text, "output truncated") || !strings.Contains(last.Text, "the end of stderr") {
		t.Errorf("the capped cell's last output is %q, want the truncation note and the end of stderr", last.Text)
	}
}

// TestSummarizeTests feeds a go test -json stream: passing tests stay quiet,
// a failing test's output is shown, and skipped tests are listed with their
// reasons at the end.
func TestSummarizeTests(t *testing.T) {
	events := []testEvent{
		{Action: "start", Package: "p"},
		{Action: "run", Package: "p", Test: "TestOK"},
		{Action: "output", Package: "p", Test: "TestOK", Output: "=== RUN   TestOK\n"},
		{Action: "output", Package: "p", Test: "TestOK", Output: "--- PASS: TestOK (0.00s)\n"},
		{Action: "pass", Package: "p", Test: "TestOK"},
		{Action: "output", Package: "p", Test: "TestBad", Output: "    x_test.go:9: got 2, want 3\n"},
		{Action: "output", Package: "p", Test: "TestBad", Output: "--- FAIL: TestBad (0.00s)\n"},
		{Action: "fail", Package: "p", Test: "TestBad"},
		{Action: "output", Package: "p", Test: "TestNpm", Output: "=== RUN   TestNpm\n"},
		{Action: "output", Package: "p", Test: "TestNpm", Output: "    npm_test.go:20: no npm test data (run npm ci --prefix testdata/npm)\n"},
		{Action: "output", Package: "p", Test: "TestNpm", Output: "--- SKIP: TestNpm (0.00s)\n"},
		{Action: "skip", Package: "p", Test: "TestNpm"},
		{Action: "skip", Package: "q", Test: "TestQuiet"},
		{Action: "output", Package: "p", Output: "PASS\n"},
		{Action: "output", Package: "p", Output: "FAIL\tp\t0.01s\n"},
		{Action: "build-output", ImportPath: "r", Output: "r/x.go:1:1: syntax error\n"},
	}
	var in bytes.Buffer
	for _, e := range events {
		b, _ := json.Marshal(e)
		in.Write(append(b, '\n'))
	}
	var out bytes.Buffer
	skips := summarizeTests(&in, &out)
	got := out.String() + skipReport(skips, "go test ./...")
	for _, want := range []string{
		"x_test.go:9: got 2, want 3", "--- FAIL: TestBad", "FAIL\tp\t0.01s", "r/x.go:1:1: syntax error",
		"2 skipped tests (go test ./...):",
		"SKIP p TestNpm: npm_test.go:20: no npm test data (run npm ci --prefix testdata/npm)",
		"SKIP q TestQuiet: (no reason given)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, quiet := range []string{"TestOK", "PASS\n", "=== RUN"} {
		if strings.Contains(got, quiet) {
			t.Errorf("output shows %q:\n%s", quiet, got)
		}
	}
}
