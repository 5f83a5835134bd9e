//go:build !linux

package model

// allocResident takes n uint16s from the Go heap.
func allocResident(n int) (*residentMem, error) {
	return &residentMem{words: make([]uint16, n)}, nil
}
