package notebooks

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/how-llms-work/course/ci/nbformat"
	"github.com/how-llms-work/course/kernel/kernelspec"
)

// executed returns chapter name executed. When LLM_EXECUTED_NOTEBOOKS names
// a folder (make test sets it to where make notebooks has just written
// them) it reads the copy there, failing if that copy is missing or older
// than the notebook. Otherwise it runs the notebook headlessly through the
// course kernel on the embedded model: skipped in -short, and without the
// kernel (go run ./kernel install) skipped, or failed when CI is set.
func executed(t *testing.T, name string) *nbformat.Notebook {
	t.Helper()
	if dir := executedDir("LLM_EXECUTED_NOTEBOOKS"); dir != "" {
		path := filepath.Join(dir, name)
		src, err1 := os.Stat(name)
		run, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || run.ModTime().Before(src.ModTime()) {
			t.Fatalf("LLM_EXECUTED_NOTEBOOKS=%s: no executed copy of %s newer than the notebook (run make notebooks first)", dir, name)
		}
		return parse(t, path)
	}
	if testing.Short() {
		t.Skip("runs a notebook through the kernel (a minute or more)")
	}
	if _, err := kernelspec.Find(kernelName); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the course kernel is not installed (go run ./kernel install): %v", err)
		}
		t.Skipf("the course kernel is not installed (go run ./kernel install): %v", err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./ci", "run", "-kernel", kernelName, "-out", out, "notebooks/"+name)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "LLM_MODEL=tiny")
	if log, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s failed: %v\n%s", name, err, log)
	}
	return parse(t, filepath.Join(out, name))
}

// executedDir returns the folder the environment variable env names, a
// relative one taken from the repository root (where make runs), not from
// this package's folder, where go test runs; "" when env is not set.
func executedDir(env string) string {
	dir := os.Getenv(env)
	if dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir)
	}
	return dir
}

// cellTexts returns what each cell showed as text, keyed by cell id (its
// stream output and the plain-text form of its displays, in order), and
// all the notebook's HTML outputs joined. It reports every error output
// and every code cell that printed "panic:".
func cellTexts(t *testing.T, nb *nbformat.Notebook) (map[string]string, string) {
	t.Helper()
	texts := map[string]string{}
	var html strings.Builder
	for _, c := range nb.Cells {
		var b strings.Builder
		for _, o := range c.Outputs {
			if o.Type == nbformat.Error {
				t.Errorf("cell %s: %s: %s", c.ID, o.EName, o.EValue)
			}
			if c.Type == "code" && strings.Contains(o.Text, "panic:") {
				t.Errorf("cell %s panicked: %s", c.ID, o.Text)
			}
			b.WriteString(o.Text)
			if s, ok := o.Data["text/plain"].(string); ok {
				b.WriteString(s)
			}
			if h, ok := o.Data["text/html"].(string); ok {
				html.WriteString(h)
			}
		}
		texts[c.ID] = b.String()
	}
	return texts, html.String()
}

// checkOutputs checks an executed chapter's outputs the way every chapter
// test does: no error output or panic (cellTexts), a widget of each class
// in widgets, the ribbon of this chapter, and, when maxHTML > 0, at most
// maxHTML bytes of HTML in all.
// It returns cellTexts' texts and HTML.
func checkOutputs(t *testing.T, nb *nbformat.Notebook, chapter int, widgets []string, maxHTML int) (map[string]string, string) {
	t.Helper()
	texts, html := cellTexts(t, nb)
	for _, w := range widgets {
		if !strings.Contains(html, `class="llmw `+w+`"`) {
			t.Errorf("chapter %d's outputs have no %s widget", chapter, w)
		}
	}
	if !strings.Contains(html, fmt.Sprintf(`data-chapter="%d"`, chapter)) {
		t.Errorf("chapter %d shows no ribbon of chapter %d", chapter, chapter)
	}
	if n := len(html); maxHTML > 0 && n > maxHTML {
		t.Errorf("chapter %d's HTML outputs total %d bytes; keep them small", chapter, n)
	}
	return texts, html
}

// cellText returns the text a cell showed: its stream output and the
// plain-text form of its displays.
func cellText(nb *nbformat.Notebook, id string) (string, bool) {
	for _, c := range nb.Cells {
		if c.ID != id {
			continue
		}
		var b strings.Builder
		for _, o := range c.Outputs {
			b.WriteString(o.Text)
			if s, ok := o.Data["text/plain"].(string); ok {
				b.WriteString(s + "\n")
			}
		}
		return b.String(), true
	}
	return "", false
}

// textOf returns text(id): what cell id showed (cellText), failing the
// test when nb has no such cell.
func textOf(t *testing.T, nb *nbformat.Notebook) func(id string) string {
	return func(id string) string {
		t.Helper()
		s, ok := cellText(nb, id)
		if !ok {
			t.Fatalf("no cell %q", id)
		}
		return s
	}
}

// textIn returns text(id): texts[id] (see cellTexts), failing the test
// when there is no cell id.
func textIn(t *testing.T, texts map[string]string) func(id string) string {
	return func(id string) string {
		t.Helper()
		s, ok := texts[id]
		if !ok {
			t.Fatalf("no cell %q", id)
		}
		return s
	}
}

// number returns the first submatch of re in s as a float.
func number(t *testing.T, s string, re string) float64 {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Errorf("no match for %s in:\n%s", re, s)
		return math.NaN()
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Errorf("%s: %v", re, err)
	}
	return v
}
