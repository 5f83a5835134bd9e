// Package notebooks holds the course's chapters as Jupyter notebooks. Its
// tests check how they are stored and, when the course kernel is installed,
// run them and check what they show.
package notebooks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/how-llms-work/course/ci/nbformat"
)

const kernelName = "go-how-llms-work"

func chapters(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("[0-9][0-9]-*.ipynb")
	if err != nil || len(files) == 0 {
		t.Fatalf("no chapter notebooks: %v", err)
	}
	return files
}

func parse(t *testing.T, path string) *nbformat.Notebook {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := nbformat.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return nb
}

// TestStoredClean checks that every chapter is stored the way a learner
// should receive it: nbformat 4.5, the course kernel, cell ids, and no
// outputs (outputs depend on the machine and model, and stored HTML would
// be untrusted in the learner's browser).
func TestStoredClean(t *testing.T) {
	for _, path := range chapters(t) {
		nb := parse(t, path)
		if nb.Format != 4 || nb.Minor != 5 {
			t.Errorf("%s: nbformat %d.%d, want 4.5", path, nb.Format, nb.Minor)
		}
		ks, _ := nb.Metadata["kernelspec"].(map[string]any)
		if ks["name"] != kernelName {
			t.Errorf("%s: kernelspec %v, want %q", path, ks["name"], kernelName)
		}
		code := 0
		for i, c := range nb.Cells {
			if c.Type != "code" {
				continue
			}
			code++
			if len(c.Outputs) > 0 || c.ExecutionCount != nil {
				t.Errorf("%s: cell %d (%s) is stored with outputs or an execution count", path, i, c.ID)
			}
		}
		if code == 0 {
			t.Errorf("%s: no code cells", path)
		}
		// The stored layout is what Jupyter writes, so saving from Jupyter
		// gives a small diff.
		data, _ := os.ReadFile(path)
		out, err := nbformat.Marshal(nb)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(out)) != strings.TrimSpace(string(data)) {
			t.Errorf("%s is not in Jupyter's layout (sorted keys, one-space indent, sources as lists of lines)", path)
		}
	}
}

// widgetsOfChapter1 are the widget kinds chapter 1 must show (the class
// each widget's HTML carries).
var widgetsOfChapter1 = []string{"llmw-softmax", "llmw-probbars", "llmw-wva", "llmw-fit", "llmw-trace", "llmw-journey", "llmw-quiz"}

// TestChapter1Runs executes chapter 1 headlessly through the course kernel
// on the embedded model and checks that every cell succeeds and every widget
// is in the outputs. It needs the kernel (go run ./kernel install); it skips
// without it, and fails without it when CI is set. When
// LLM_EXECUTED_NOTEBOOKS names a folder (make test sets it to where make
// notebooks has just written them), it checks the executed copy there
// instead of running the notebook again.
func TestChapter1Runs(t *testing.T) {
	nb := executed(t, "01-what-is-an-llm.ipynb")
	checkOutputs(t, nb, 1, widgetsOfChapter1, 400<<10)
	checkChapter1Values(t, nb)
}
