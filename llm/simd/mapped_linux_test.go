//go:build linux

package simd

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// mappedWeights maps the first n bytes of the synthetic checkpoint
// (LLM_SYNTH_DIR, else ../model/testdata/synth-0.8b; see BENCHMARKS.md) read
// only, as the engine maps its weights: file-backed 4 KiB page-cache pages,
// which the hardware prefetcher cannot stream across as it streams the Go
// heap. It skips b when the checkpoint is absent.
func mappedWeights(b *testing.B, n int) []uint16 {
	dir := os.Getenv("LLM_SYNTH_DIR")
	if dir == "" {
		dir = filepath.Join("..", "model", "testdata", "synth-0.8b")
	}
	f, err := os.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		b.Skipf("no synthetic checkpoint (make it with llm synth, see BENCHMARKS.md): %v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() < int64(n) {
		b.Skipf("synthetic checkpoint smaller than %d bytes", n)
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, n, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { syscall.Munmap(m) })
	var s byte
	for i := 0; i < n; i += 4096 { // fault every page in (page cache, not disk, in the timing)
		s += m[i]
	}
	_ = s
	return unsafe.Slice((*uint16)(unsafe.Pointer(&m[0])), n/2)
}

// BenchmarkMatVecBF16Mapped is BenchmarkMatVecBF16 on file-backed weights:
// the first 512 MiB of the synthetic checkpoint as a [262144, 1024] matrix,
// the LM head's shape and about its size, streamed as a decode step streams
// its weights (the Go heap copies of BenchmarkMatVecBF16 are faster to
// stream, and its small shapes partly hit L3).
func BenchmarkMatVecBF16Mapped(b *testing.B) {
	const cols = 1024
	w := mappedWeights(b, 512<<20)
	rows := len(w) / cols
	x := benchX(cols)
	dst := make([]float32, rows)
	for _, path := range Paths() {
		if path == PathGo {
			continue
		}
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", path, threads), func(b *testing.B) {
				bw := benchBandwidth(threads)
				p := MustPool(threads, path)
				defer p.Close()
				b.SetBytes(int64(2 * len(w)))
				p.MatVecBF16(dst, w, x) // the first pass after mapping is slower (page tables)
				best := time.Duration(1<<63 - 1)
				i := 0
				start := time.Now()
				for b.Loop() {
					t0 := time.Now()
					p.MatVecBF16(dst, w, x)
					best = min(best, time.Since(t0))
					i++
				}
				bytes := float64(2 * len(w))
				gbs := bytes * float64(i) / time.Since(start).Seconds()
				bw = max(bw, benchBandwidth(threads))
				b.ReportMetric(bw/1e9, "bw-GB/s")
				b.ReportMetric(gbs/bw, "bw-ratio")
				b.ReportMetric(bytes/best.Seconds()/bw, "best-ratio")
			})
		}
	}
}
