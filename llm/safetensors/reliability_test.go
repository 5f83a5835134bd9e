package safetensors

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDuplicateTensorRejected: a header naming a tensor twice is an error
// naming it, not a file that silently keeps the last entry.
func TestDuplicateTensorRejected(t *testing.T) {
	data := build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8)
	_, err := FromBytes("dup.safetensors", data)
	if err == nil || !strings.Contains(err.Error(), `"a" appears twice`) || !strings.Contains(err.Error(), "dup.safetensors") {
		t.Fatalf("err = %v, want the duplicate named", err)
	}
	if _, err := FromBytes("null", build(`null`, 0)); err == nil {
		t.Error("a null header was accepted")
	}
}

// TestReplaceWhileMapped rewrites a checkpoint that is open (memory-mapped)
// with WriteFile: the open file keeps reading its old values (rewriting it
// in place would crash this test with SIGBUS when the old mapping is read
// past the new, shorter end), and a fresh Open sees the new file.
func TestReplaceWhileMapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	old := make([]float32, 1<<16)
	for i := range old {
		old[i] = float32(i)
	}
	if err := WriteFile(path, []*Tensor{NewF32("w", []int{len(old)}, old)}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WriteFile(path, []*Tensor{NewF32("w", []int{2}, []float32{-1, -2})}, map[string]string{"step": "2"}); err != nil {
		t.Fatal(err)
	}
	got := f.Lookup("w").Float32()
	for i, v := range got {
		if v != old[i] {
			t.Fatalf("the mapped file changed under its reader: w[%d] = %v, want %v", i, v, old[i])
		}
	}
	g, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if v := g.Lookup("w").Float32(); len(v) != 2 || v[1] != -2 || g.Metadata["step"] != "2" {
		t.Errorf("the new file reads %v %v", v, g.Metadata)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files left beside the checkpoint: %v", entries)
	}
}

// TestWriteAtomicFailureKeepsOld: a write that fails leaves the old file
// and no temporary file.
func TestWriteAtomicFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	err := WriteAtomic(path, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the old file now holds %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}
