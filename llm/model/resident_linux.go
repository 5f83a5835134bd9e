package model

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of an x86-64 or arm64 transparent huge page.
const hugePage = 2 << 20

// allocResident maps n uint16s of anonymous memory starting on a huge-page
// boundary and asks for transparent huge pages (madvise; without them, as
// when THP is off, it is ordinary memory).
func allocResident(n int) (*residentMem, error) {
	size := (2*n + hugePage - 1) / hugePage * hugePage
	if size == 0 {
		return &residentMem{}, nil
	}
	raw, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, err
	}
	skip := 0
	if r := int(uintptr(unsafe.Pointer(&raw[0])) % hugePage); r != 0 {
		skip = hugePage - r
	}
	b := raw[skip : skip+size]
	huge := syscall.Madvise(b, syscall.MADV_HUGEPAGE) == nil
	words := unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n)
	return &residentMem{words: words, huge: huge, free: func() error { return syscall.Munmap(raw) }}, nil
}
