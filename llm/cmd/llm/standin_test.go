package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// TestStandinCommand writes a stand-in with the shapes of the small tiny-a
// fixture and its tokenizer, then loads it: the
// vocabulary and end tokens are the tokenizer's, the weights are marked
// synthetic, and a second run replaces the folder.
func TestStandinCommand(t *testing.T) {
	tokDir := t.TempDir()
	// The tiny-a fixture's tokenizer, as a tokenizer folder.
	src := "../../testdata/tiny-a"
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tokDir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "standin")
	for run := range 2 {
		var stdout bytes.Buffer
		if err := runStandin([]string{"-tokenizer", tokDir, "-out", out, "-config", filepath.Join(src, "config.json"), "-seed", "3"}, &stdout); err != nil {
			t.Fatal(err)
		}
		m, err := llm.LoadDir(out)
		if err != nil {
			t.Fatalf("run %d: the stand-in does not load: %v", run, err)
		}
		// tiny-a's config has 328 embedding rows, its tokenizer fewer.
		if m.Vocab() != m.Tok.VocabSize() || m.Vocab() >= 328 || !slices.Equal(m.Config().EOS, m.Tok.EOS()) || !m.Untrained {
			t.Errorf("stand-in: vocab %d (tokenizer %d), eos %v (tokenizer %v), untrained %v", m.Vocab(), m.Tok.VocabSize(), m.Config().EOS, m.Tok.EOS(), m.Untrained)
		}
		if _, err := m.Forward(m.Encode("The cat sat on the")); err != nil {
			t.Error(err)
		}
		m.Close()
		if !strings.Contains(stdout.String(), "wrote "+out) {
			t.Errorf("output %q", stdout.String())
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".standin-*")); len(left) > 0 {
		t.Errorf("temporary folders left: %v", left)
	}
	if err := runStandin([]string{"-tokenizer", t.TempDir(), "-out", out}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "tokenizer.json") {
		t.Errorf("missing tokenizer: %v", err)
	}
	if err := runStandin(nil, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("no flags: %v", err)
	}
}
