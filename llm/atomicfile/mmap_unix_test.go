//go:build unix

package atomicfile

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReplaceWhileMapped replaces a file that a reader has memory-mapped with a
// shorter one: the reader keeps seeing every old byte (no SIGBUS past the new
// end, no new bytes), and a fresh read sees the new file.
func TestReplaceWhileMapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weights.bin")
	old := bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 1<<17) // 1 MiB, 256 pages
	if err := WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	mapped := mmap(t, path)
	if err := WriteFile(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mapped, old) {
		t.Error("the mapped file changed under its reader")
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("a fresh read sees %q, want the new file", got)
	}
}

// TestInPlaceRewriteCrashesMappedReader shows the fault TestReplaceWhileMapped
// guards against: rewriting the mapped file in place (os.WriteFile, as our
// writers did) kills the reader with SIGBUS. It runs in a child process.
func TestInPlaceRewriteCrashesMappedReader(t *testing.T) {
	if os.Getenv("ATOMICFILE_IN_PLACE") == "1" {
		path := filepath.Join(t.TempDir(), "weights.bin")
		os.WriteFile(path, make([]byte, 1<<20), 0o644)
		mapped := mmap(t, path)
		os.WriteFile(path, []byte("new"), 0o644)
		sum := 0
		for _, b := range mapped { // faults past the new end
			sum += int(b)
		}
		t.Logf("read the whole mapping: %d", sum)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInPlaceRewriteCrashesMappedReader$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_IN_PLACE=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "SIGBUS") {
		t.Errorf("the in-place rewrite did not crash its mapped reader with SIGBUS: %v\n%s", err, out)
	}
}

func mmap(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(data) })
	return data
}

// TestWriteToDevice: a named pipe (like /dev/null or /dev/stdout) is written
// through, not replaced by a regular file.
func TestWriteToDevice(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes:", err)
	}
	got := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- b
	}()
	if err := WriteFile(fifo, []byte("through the pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "through the pipe" {
		t.Errorf("the reader got %q", b)
	}
	if fi, err := os.Stat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", fi.Mode(), err)
	}
}
