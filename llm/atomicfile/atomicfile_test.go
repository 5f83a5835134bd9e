package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leftovers lists the folder's entries other than want.
func leftovers(t *testing.T, dir, want string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != want {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	for _, data := range []string{"first", "second, longer"} {
		if err := WriteFile(path, []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	if left := leftovers(t, dir, "a.json"); len(left) != 0 {
		t.Errorf("files left beside it: %v", left)
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir"), nil, 0o644); err == nil || !strings.Contains(err.Error(), "no/such/dir") {
		t.Errorf("writing into a missing folder: err %v, want one naming the path", err)
	}
}

// TestInterruptedWriteKeepsOld: a writer that fails or panics halfway leaves
// the old file as it was and no temporary file.
func TestInterruptedWriteKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	old := bytes.Repeat([]byte("old "), 1<<18) // 1 MiB, more than the write buffer
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	half := func(w io.Writer) {
		w.Write(bytes.Repeat([]byte("new "), 1<<19)) // 2 MiB: some reaches the disk
	}
	full := errors.New("disk full")
	err := Write(path, 0o644, func(w io.Writer) error { half(w); return full })
	if !errors.Is(err, full) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want the writer's error, naming the path", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "interrupted" {
				t.Errorf("recovered %v, want the writer's panic", r)
			}
		}()
		Write(path, 0o644, func(w io.Writer) error { half(w); panic("interrupted") })
	}()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Errorf("the old file changed: %d bytes, starting %q", len(got), got[:min(len(got), 8)])
	}
	if left := leftovers(t, dir, "model.safetensors"); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
