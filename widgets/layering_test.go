package widgets

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/how-llms-work/course/"

// TestLayering holds the data flow one way: widgets take llm's values and
// import no other package of the engine, and the engine (llm and everything
// it imports from this module) imports no display code.
func TestLayering(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, module) && imp != module+"llm" {
			t.Errorf("widgets imports %s: take llm's values instead (re-export what cells need from llm)", imp)
		}
	}
	seen := map[string]bool{}
	var walk func(path string)
	walk = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		p, err := build.ImportDir(filepath.Join("..", strings.TrimPrefix(path, module)), 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range p.Imports {
			if strings.Contains(imp, "gonb") || imp == module+"widgets" {
				t.Errorf("%s imports %s: the engine must not depend on display code", path, imp)
			}
			if strings.HasPrefix(imp, module) {
				walk(imp)
			}
		}
	}
	walk(module + "llm")
	if len(seen) < 5 {
		t.Errorf("walked only %v", seen)
	}
}
