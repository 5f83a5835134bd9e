package simd_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm/half"
	"github.com/how-llms-work/course/llm/simd"
)

// A BF16 weight matrix [2 rows, 3 columns] times a vector.
func ExamplePool_MatVecBF16() {
	p := simd.NewPool(2)
	defer p.Close()
	bf := half.F32ToBF16
	w := []uint16{
		bf(1), bf(2), bf(3),
		bf(-1), bf(0.5), bf(4),
	}
	dst := make([]float32, 2)
	p.MatVecBF16(dst, w, []float32{1, 10, 100})
	fmt.Println(dst)
	// Output: [321 404]
}

// Prefill multiplies the same weights by several tokens at once.
func ExamplePool_MatMulBF16() {
	p := simd.NewPool(1)
	bf := half.F32ToBF16
	w := []uint16{bf(1), bf(2), bf(3), bf(4)} // [2, 2]
	x := []float32{1, 0, 0, 1, 1, 1}          // 3 tokens of 2
	dst := make([]float32, 3*2)
	p.MatMulBF16(dst, w, x, 3)
	fmt.Println(dst)
	// Output: [1 3 2 4 3 7]
}

// Which implementation runs, and how to force one.
func ExampleNewPoolPath() {
	p, err := simd.NewPoolPath(1, simd.PathGo)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Path(), simd.Paths()[0])
	// Output: go go
}

// One step of the gated delta rule on a 2×2 state.
func ExampleDeltaRule() {
	S := []float32{0, 0, 0, 0}
	k := []float32{1, 0}
	v := []float32{3, 5}
	out := make([]float32, 2)
	simd.DeltaRule(S, k, k, v, out, 1, 1) // β = 1 stores v under key k
	fmt.Println(S, out)
	// Output: [3 5 0 0] [3 5]
}
