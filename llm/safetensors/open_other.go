//go:build !unix

package safetensors

import (
	"fmt"
	"os"
)

// Open reads the safetensors file at path into memory and checks its header.
// (On unix systems it is memory-mapped instead.)
func Open(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return FromBytes(path, data)
}
