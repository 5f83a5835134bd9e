package simd

import (
	"time"
)

// readPage is the unit in which a bandwidth read is split across threads.
const readPage = 4096

// DefaultBandwidthBytes is a buffer size well above any last-level cache
// (this project's machines have 32 MiB of L3), so reads come from DRAM.
const DefaultBandwidthBytes = 512 << 20

// BandwidthBuffer returns size bytes of non-zero data (every page written,
// so none is a shared zero page) for ReadBandwidth.
func BandwidthBuffer(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*131 + 7)
	}
	return b
}

// ReadBandwidth streams buf through the CPU, split across the pool's threads
// like a matrix-vector product, repeatedly for at least minTime (and at
// least three passes of each pattern) and returns the best pass in bytes
// per second, the better of the one-stream and four-stream reads (see
// ReadBandwidths). This is the STREAM-like read bandwidth that a
// memory-bound kernel can hope for.
func (p *Pool) ReadBandwidth(buf []byte, minTime time.Duration) float64 {
	one, four := p.ReadBandwidths(buf, minTime)
	return max(one, four)
}

// ReadBandwidths is ReadBandwidth for each access pattern: one reads each
// thread's part of buf front to back in one stream; four reads the part's
// quarters side by side, as the BF16 matrix-vector kernels read a matrix
// (several sequential streams keep more cache misses in flight on one core
// than one does). Passes of the two alternate; four is 0 on kernel paths
// without a four-stream read.
func (p *Pool) ReadBandwidths(buf []byte, minTime time.Duration) (one, four float64) {
	if len(buf) == 0 {
		return 0, 0
	}
	pages := (len(buf) + readPage - 1) / readPage
	sums := make([]uint64, p.Threads())
	has4 := p.kernels().read4 != nil
	var sink uint64
	pass := func(k kind) time.Duration {
		t0 := time.Now()
		p.run(job{kind: k, b: buf, rows: pages, sums: sums}, len(buf))
		d := time.Since(t0)
		for _, s := range sums {
			sink ^= s
		}
		return d
	}
	best1, best4 := time.Duration(1<<63-1), time.Duration(1<<63-1)
	for start, n := time.Now(), 0; n < 3 || time.Since(start) < minTime; n++ {
		best1 = min(best1, pass(kindRead))
		if has4 {
			best4 = min(best4, pass(kindRead4))
		}
	}
	if sink == 1 { // keep the sums live; never true for BandwidthBuffer data in practice
		best1++
	}
	one = float64(len(buf)) / best1.Seconds()
	if has4 {
		four = float64(len(buf)) / best4.Seconds()
	}
	return one, four
}

// MeasureBandwidth allocates a DefaultBandwidthBytes buffer and returns the
// read bandwidth in bytes per second on a fresh pool of threads threads.
func MeasureBandwidth(threads int, minTime time.Duration) float64 {
	p := NewPool(threads)
	defer p.Close()
	return p.ReadBandwidth(BandwidthBuffer(DefaultBandwidthBytes), minTime)
}
