package simd

import (
	"slices"
	"testing"

	"github.com/how-llms-work/course/llm/half"
)

// stalledPool returns a two-thread pool whose helper never runs, as when
// the OS does not schedule the helper's thread (another process busy on
// the other core).
func stalledPool() *Pool {
	w := &workers{help: make([]helper, 1), mem: make([]scratch, 1)}
	w.help[0].wake = make(chan struct{}, 1)
	return &Pool{threads: 2, impl: implFor(BestPath()), crew: w}
}

// TestPoolDoesNotWaitForAStalledHelper: the caller takes the part a helper
// has not claimed, so every call completes, with every part run once, even
// when the helper never runs (with parts bound to threads this hung).
func TestPoolDoesNotWaitForAStalledHelper(t *testing.T) {
	p := stalledPool()
	for call := range 3 {
		var seen [2]int
		p.For(2, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		if seen != [2]int{1, 1} {
			t.Fatalf("call %d: For(2) visited %v, want [1 1]", call, seen)
		}
	}

	const rows, cols = 256, 1024 // minWork multiply-adds: split in two parts
	w := make([]uint16, rows*cols)
	x := make([]float32, cols)
	for i := range w {
		w[i] = half.F32ToBF16(float32(i%7 - 3))
	}
	for i := range x {
		x[i] = float32(i%5) - 2
	}
	want := make([]float32, rows)
	matVecBF16Go(want, w, x)
	got := make([]float32, rows)
	p.MatVecBF16(got, w, x)
	if !slices.Equal(got, want) { // small integers: every order sums exactly
		t.Errorf("MatVecBF16 on a stalled pool:\n got %v\nwant %v", got, want)
	}
}
