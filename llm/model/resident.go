package model

import (
	"fmt"

	"github.com/how-llms-work/course/llm/safetensors"
)

// MakeResident copies every BF16 and F16 matrix that decode reads (the LM
// head and the layers'; an untied embedding table, of which a token reads
// one row, stays mapped) out of the memory-mapped checkpoint into memory of the model's own: on Linux an
// anonymous mapping advised to use 2 MiB transparent huge pages, elsewhere
// the Go heap. Decode reads every weight once per token, and through the
// checkpoint's 4 KiB page-cache pages it spends part of its time on TLB
// misses and page-boundary prefetch stalls; from huge pages the same
// kernel streams closer to the memory bandwidth (BENCHMARKS.md, "Decode").
//
// The price is memory and time: the copy is private memory the size of the
// matrices (1.5 GB for Qwen3.5-0.8B; the mapped file's pages stay
// reclaimable page cache) and takes a fraction of a second. Open itself
// stays a mapping that costs milliseconds, and on Linux it already gets
// 2 MiB pages for the mapping where the file system allows
// (Model.HugeMapped says how much), which gives decode most of this
// speed; call MakeResident where that share is low or on other systems. It waits for a running pass; a second call does
// nothing. Close releases the copy.
func (m *Model) MakeResident() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.resident != nil {
		return nil
	}
	var mats []*Linear
	for _, l := range m.decodeMatrices() {
		if (l.DType == safetensors.BF16 || l.DType == safetensors.F16) && len(l.u16) > 0 {
			mats = append(mats, l)
		}
	}
	// One region, each matrix starting on a 64-byte cache line.
	const align = 32 // uint16s
	total := 0
	for _, l := range mats {
		total += (len(l.u16) + align - 1) / align * align
	}
	mem, err := allocResident(total)
	if err != nil {
		return fmt.Errorf("model: MakeResident: %d MB: %w", total*2>>20, err)
	}
	off := 0
	for _, l := range mats {
		n := len(l.u16)
		dst := mem.words[off : off+n : off+n]
		copy(dst, l.u16)
		l.u16 = dst
		off += (n + align - 1) / align * align
	}
	m.resident = mem
	return nil
}

// Resident reports whether MakeResident has copied the weights.
func (m *Model) Resident() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.resident != nil
}

// residentMem is the memory MakeResident copies the matrices into.
type residentMem struct {
	words []uint16
	free  func() error // releases the memory; nil for the Go heap
	huge  bool         // advised to use huge pages
}
