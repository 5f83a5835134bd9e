// Package atomicfile writes files so that nobody ever sees half of one: not a
// reader, not a second writer, not the next run after a crash.
//
// A file is written under a unique temporary name in its own folder
// (".NAME.tmp-*"), flushed to disk, and renamed over NAME. A rename replaces
// the folder entry, not the old file's contents, so a process that has the old
// file open or memory-mapped (safetensors.Open) keeps reading the old bytes until
// it closes it; rewriting the file in place instead would change them under it,
// or crash it with SIGBUS where the file got shorter. When writing fails (or
// panics) the temporary file is removed and NAME is left as it was; only a
// process killed mid-write can leave a ".NAME.tmp-*" file behind.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write creates or replaces the file at path, with permissions perm, with what
// write writes (through a buffer: write need not buffer itself).
//
// A path that names something other than a file (/dev/null, /dev/stdout, a
// named pipe) is written directly: there is nothing to replace there.
func Write(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return writeThrough(path, write)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done { // an error or a panic
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	for _, step := range []func() error{bw.Flush, f.Sync, func() error { return f.Chmod(perm) }, f.Close} {
		if err := step(); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	done = true
	// Make the rename itself durable (best effort: not every system can sync
	// a folder).
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func writeThrough(path string, write func(w io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// WriteFile is os.WriteFile, atomically (see Write).
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
