//go:build unix

package safetensors

import (
	"fmt"
	"os"
	"syscall"
)

// Open memory-maps the safetensors file at path (read-only, shared) and
// checks its header. Tensor data stays in the page cache and is read in
// place; Close unmaps it.
//
// The mapping shares the file's pages with every writer: a program that
// truncates or rewrites the file in place (os.Create, os.WriteFile) while it
// is open makes this process crash with SIGBUS when it reads past the new
// end, or see its weights change. Replace a safetensors file by writing a
// new one and renaming it over the old (WriteFile, WriteFileFunc and
// WriteAtomic do): the mapping keeps the old contents until Close.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	size := st.Size()
	if size < 8 {
		return nil, fmt.Errorf("safetensors %s: %d bytes: too short for the 8-byte header length", path, size)
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("safetensors %s: %d bytes: too large to map", path, size)
	}
	data, err := syscall.Mmap(int(fd.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: mmap: %w", path, err)
	}
	f, err := parse(path, data)
	if err != nil {
		syscall.Munmap(data)
		return nil, err
	}
	f.unmap = func() error { return syscall.Munmap(data) }
	return f, nil
}
