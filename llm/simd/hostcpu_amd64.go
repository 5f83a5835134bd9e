//go:build amd64 && !purego

package simd

import (
	"encoding/binary"
	"strings"
)

// hostCPUID reads the vendor, brand string, family and model from CPUID.
func hostCPUID() CPU {
	var c CPU
	maxLeaf, b, cx, d := cpuid(0, 0)
	var v [12]byte
	binary.LittleEndian.PutUint32(v[0:], b)
	binary.LittleEndian.PutUint32(v[4:], d)
	binary.LittleEndian.PutUint32(v[8:], cx)
	c.Vendor = strings.TrimRight(string(v[:]), "\x00")
	if maxLeaf >= 1 {
		a, _, _, _ := cpuid(1, 0)
		c.Family, c.ModelNumber = displayFamilyModel(a)
	}
	if ext, _, _, _ := cpuid(0x80000000, 0); ext >= 0x80000004 {
		var brand [48]byte
		for i := uint32(0); i < 3; i++ {
			a, b, cx, d := cpuid(0x80000002+i, 0)
			for j, r := range []uint32{a, b, cx, d} {
				binary.LittleEndian.PutUint32(brand[16*i+4*uint32(j):], r)
			}
		}
		c.Model = strings.TrimSpace(strings.TrimRight(string(brand[:]), "\x00"))
	}
	return c
}
