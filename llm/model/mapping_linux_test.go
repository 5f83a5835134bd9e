//go:build linux && (amd64 || arm64)

package model

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/how-llms-work/course/llm/safetensors"
)

// TestAdviseHuge writes a 24 MiB checkpoint (so it sits in the page cache
// as it was written), opens it as Open does and checks that adviseHuge
// leaves every byte as written and, where it re-cached the file, that the
// weights then come back mapped in 2 MiB pages.
func TestAdviseHuge(t *testing.T) {
	const n = 12 << 20 // BF16 values
	v := make([]uint16, n)
	for i := range v {
		v[i] = uint16(i*2654435761>>7) | 1
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, []*safetensors.Tensor{
		safetensors.NewBF16("small", []int{3}, []uint16{1, 2, 3}),
		safetensors.NewBF16("big", []int{n}, v),
	}, nil); err != nil {
		t.Fatal(err)
	}
	// Written 4 KiB at a time, so the page cache holds it in small folios,
	// like a checkpoint that was just downloaded; synced, so it is clean.
	path := filepath.Join(t.TempDir(), "model.safetensors")
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for b := buf.Bytes(); len(b) > 0; b = b[min(4096, len(b)):] {
		if _, err := w.Write(b[:min(4096, len(b))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := adviseHuge(f)
	if h.span == nil {
		t.Skip("madvise(MADV_HUGEPAGE) is not available here")
	}
	big, err := f.Lookup("big").U16()
	if err != nil {
		t.Fatal(err)
	}
	for i := range v { // reads every page back (from disk, after a re-cache)
		if big[i] != v[i] {
			t.Fatalf("big[%d] = %#x after adviseHuge, want %#x", i, big[i], v[i])
		}
	}
	span := dataSpan(f)
	lo, hi := uintptr(unsafe.Pointer(&span[0])), uintptr(unsafe.Pointer(&span[len(span)-1]))
	if lo%4096 != 0 {
		t.Errorf("dataSpan starts at %#x, not on a 4 KiB boundary", lo)
	}
	for _, tn := range f.Tensors() {
		a, b := uintptr(unsafe.Pointer(&tn.Data[0])), uintptr(unsafe.Pointer(&tn.Data[len(tn.Data)-1]))
		if a < lo || b > hi {
			t.Errorf("tensor %s [%#x, %#x] is outside dataSpan [%#x, %#x]", tn.Name, a, b, lo, hi)
		}
	}
	pmd, ok := pmdMapped(h.span)
	if !ok {
		t.Fatal("no FilePmdMapped line for the mapping in /proc/self/smaps")
	}
	t.Logf("re-cached %v; %d of %d bytes mapped in 2 MiB pages", h.recached, pmd, len(h.span))
	if h.recached && pmd < int64(len(h.span))*3/4-2*hugePage {
		t.Errorf("re-cached, yet only %d of %d bytes are mapped in 2 MiB pages", pmd, len(h.span))
	}
	// A second mapping of the same file now finds large folios and needs
	// no re-cache.
	if h.recached {
		g, err := safetensors.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		if h2 := adviseHuge(g); h2.recached {
			t.Error("a second Open re-cached the file again")
		}
	}
}
