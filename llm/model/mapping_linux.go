//go:build linux && (amd64 || arm64)

package model

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/how-llms-work/course/llm/safetensors"
)

// Huge pages for the memory-mapped checkpoint.
//
// Decode streams every weight once per token straight from the mapping, and
// through 4 KiB page-cache pages it loses 10–15 % of the memory bandwidth to
// TLB misses and to the hardware prefetcher stopping at every page boundary
// (BENCHMARKS.md, "Decode"). Linux (6.x, on file systems with large folios,
// such as ext4 on recent kernels and XFS) maps a file's page cache with 2 MiB page
// table entries wherever the cache holds the file in 2 MiB folios, and reads
// it in such folios on a miss when the mapping is advised MADV_HUGEPAGE.
// A checkpoint that was just written or downloaded, though, sits in the cache
// in small folios, and stays so until the kernel evicts it.
//
// So Open advises the mapping and then looks: it touches a few 2 MiB
// stretches of the weights and reads /proc/self/smaps. If they are not
// mapped with 2 MiB entries, it drops one stretch from the page cache,
// touches it again (it is read back from disk, in a 2 MiB folio if the file
// system can) and, only if that one is now mapped huge, drops the rest of
// the file's weights from the page cache (pages other processes have
// mapped stay). They are then read back once, in 2 MiB folios, by the first
// forward pass; every later process gets huge mappings for free. The
// contents are the same bytes throughout: this changes speed, never
// numbers.

// hugeMapping is what Open found and did for one mapped file.
type hugeMapping struct {
	span     []byte // the weights' bytes, from a 4 KiB boundary
	recached bool   // the page cache was dropped to be re-read in 2 MiB folios
}

// adviseHuge advises f's mapping to use huge pages and, where the page
// cache holds it in small folios and the kernel can do better, has it
// re-read in 2 MiB folios. Errors are ignored: this is only a speed hint.
func adviseHuge(f *safetensors.File) hugeMapping {
	span := dataSpan(f)
	if len(span) < 4*hugePage {
		return hugeMapping{}
	}
	if syscall.Madvise(span, syscall.MADV_HUGEPAGE) != nil {
		return hugeMapping{}
	}
	h := hugeMapping{span: span}
	chunks := hugeChunks(span, 8)
	if len(chunks) == 0 || !thpAllowed() {
		return h
	}
	touch(chunks)
	v, ok := vmaOf(span)
	if !ok || v.inode == 0 || uint64(uintptr(unsafe.Pointer(&span[0])))+uint64(len(span)) > v.end {
		return h
	}
	if v.pmd > 0 {
		// The kernel holds this file in 2 MiB folios: have every miss read
		// as one (see readWhole).
		readWhole(span)
	}
	if v.pmd >= int64(len(chunks))*hugePage/2 {
		return h
	}
	// Small folios. Try one chunk first: drop our page table entries and
	// its page cache, fault it in again and see how it comes back.
	fd, err := os.Open(f.Name)
	if err != nil {
		return h
	}
	defer fd.Close()
	off := func(b []byte) int64 { return int64(uint64(uintptr(unsafe.Pointer(&b[0])))-v.start) + v.offset }
	probe := chunks[len(chunks)/2]
	if syscall.Madvise(probe, syscall.MADV_DONTNEED) != nil || fadviseDontNeed(fd, off(probe), hugePage) != nil {
		return h
	}
	touch([][]byte{probe})
	pmd, ok := pmdMapped(span)
	if !ok || pmd == 0 {
		return h // the file system reads it back in small folios: leave the cache alone
	}
	readWhole(span)
	if syscall.Madvise(span, syscall.MADV_DONTNEED) == nil && fadviseDontNeed(fd, off(span), int64(len(span))) == nil {
		h.recached = true
	}
	return h
}

// readWhole makes every page-cache miss in span read one whole 2 MiB folio
// (the MADV_HUGEPAGE fault path) and no asynchronous readahead, whose
// windows (the device's readahead size, often 128 KiB) come back in small
// folios: measured here, a cold read of the 1.5 GB checkpoint through Open
// left 7 % of it in small folios without this and 3 % with it (and 26–31 %
// when New read the small tensors before the mapping was advised, which is
// why Open advises first). Only called once the
// kernel has shown it reads this file in 2 MiB folios (an older kernel
// would read single pages under MADV_RANDOM).
func readWhole(span []byte) {
	syscall.Madvise(span, syscall.MADV_RANDOM)
}

// dataSpan is the bytes of f's tensors, widened to start on a 4 KiB
// boundary (madvise wants one; a mapping starts on one), or nil when f has
// none.
func dataSpan(f *safetensors.File) []byte {
	var first unsafe.Pointer // the lowest tensor's first byte
	lo, hi := ^uintptr(0), uintptr(0)
	for _, t := range f.Tensors() {
		if len(t.Data) == 0 {
			continue
		}
		a := uintptr(unsafe.Pointer(&t.Data[0]))
		if a < lo {
			first, lo = unsafe.Pointer(&t.Data[0]), a
		}
		hi = max(hi, a+uintptr(len(t.Data)))
	}
	if first == nil {
		return nil
	}
	back := lo & 4095
	return unsafe.Slice((*byte)(unsafe.Add(first, -int(back))), hi-lo+back)
}

// hugeChunks returns up to n whole 2 MiB-aligned stretches of span, spread
// evenly over it.
func hugeChunks(span []byte, n int) [][]byte {
	a := uintptr(unsafe.Pointer(&span[0]))
	first := int((a+hugePage-1)&^(hugePage-1) - a)
	whole := (len(span) - first) / hugePage
	if whole <= 0 {
		return nil
	}
	n = min(n, whole)
	var out [][]byte
	for i := range n {
		o := first + i*whole/n*hugePage
		out = append(out, span[o:o+hugePage:o+hugePage])
	}
	return out
}

// touch reads one byte of each chunk, faulting it into the page tables.
func touch(chunks [][]byte) {
	var s byte
	for _, c := range chunks {
		s ^= c[0]
	}
	runtime.KeepAlive(s) // the loads must happen: the faults are the point
}

// thpAllowed reports whether transparent huge pages are on ("always" or
// "madvise").
func thpAllowed() bool {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	return err == nil && !bytes.Contains(b, []byte("[never]"))
}

// vma is what /proc/self/smaps says about one mapping.
type vma struct {
	start, end uint64 // addresses
	offset     int64  // file offset of start
	inode      uint64 // 0 for anonymous memory
	pmd        int64  // FilePmdMapped bytes
}

// vmaOf returns the mapping that holds span, from /proc/self/smaps.
func vmaOf(span []byte) (vma, bool) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return vma{}, false
	}
	defer f.Close()
	a := uint64(uintptr(unsafe.Pointer(&span[0])))
	s := bufio.NewScanner(f)
	var v vma
	in := false
	for s.Scan() {
		line := s.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && !strings.HasSuffix(fields[0], ":") {
			lo, hi, ok := strings.Cut(fields[0], "-")
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			off, err3 := strconv.ParseInt(fields[2], 16, 64)
			ino, err4 := strconv.ParseUint(fields[4], 10, 64)
			in = ok && err1 == nil && err2 == nil && err3 == nil && err4 == nil && l <= a && a < h
			v = vma{start: l, end: h, offset: off, inode: ino}
			continue
		}
		if val, ok := strings.CutPrefix(line, "FilePmdMapped:"); ok && in {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), "kB")), 10, 64)
			v.pmd = kb << 10
			return v, err == nil
		}
	}
	return vma{}, false
}

// pmdMapped returns the FilePmdMapped bytes of the mapping that holds span.
func pmdMapped(span []byte) (int64, bool) {
	v, ok := vmaOf(span)
	return v.pmd, ok
}

// fadviseDontNeed asks the kernel to drop [off, off+n) of fd's file from
// the page cache (pages mapped elsewhere stay).
func fadviseDontNeed(fd *os.File, off, n int64) error {
	const posixFadvDontNeed = 4
	_, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, fd.Fd(), uintptr(off), uintptr(n), posixFadvDontNeed, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// HugeMapped returns how many bytes of the mapped checkpoint's weights are
// currently mapped with 2 MiB page-table entries, and the weights' mapped
// size (both 0 where Open did not map a file, or on other systems).
func (m *Model) HugeMapped() (huge, total int64) {
	for _, h := range m.huge {
		if h.span == nil {
			continue
		}
		total += int64(len(h.span))
		if p, ok := pmdMapped(h.span); ok {
			huge += p
		}
	}
	return huge, total
}
