package tokenizer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCopyFiles(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	files := map[string]string{"my-tokenizer.json": `{"tok":1}`, "tokenizer_config.json": `{"cfg":2}`, "chat_template.jinja": "{{ x }}", "other.txt": "not copied"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := CopyFiles(filepath.Join(src, "my-tokenizer.json"), dst); err != nil {
		t.Fatal(err)
	}
	for name, from := range map[string]string{"tokenizer.json": "my-tokenizer.json", "tokenizer_config.json": "tokenizer_config.json", "chat_template.jinja": "chat_template.jinja"} {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, []byte(files[from])) {
			t.Errorf("%s: %q, want %q", name, got, files[from])
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "other.txt")); err == nil {
		t.Error("other.txt was copied")
	}

	// Only tokenizer.json is required.
	alone, out := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(alone, "tokenizer.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CopyFiles(filepath.Join(alone, "tokenizer.json"), out); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("%d files copied, want tokenizer.json only", len(entries))
	}
	if err := CopyFiles(filepath.Join(alone, "missing.json"), out); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("a missing tokenizer.json: error %v, want one naming it", err)
	}
}
