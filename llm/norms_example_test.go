package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

// The worked example: RMSNorm divides by the root mean square, √3.5 ≈ 1.87.
func ExampleRMSNorm() {
	x := []float32{2, -1, 3, 0}
	y, err := llm.RMSNorm(x, nil, 0) // nil gain: 1 + 0 everywhere
	if err != nil {
		panic(err)
	}
	fmt.Printf("RMS %.2f → %.2f\n", llm.RMS(x), y)
	// A stored (zero-centred) gain of 0.5 multiplies by 1.5.
	fmt.Printf("%.2f\n", llm.MustRMSNorm(x, []float32{0.5, 0.5, 0.5, 0.5}, 0))
	// Output:
	// RMS 1.87 → [1.07 -0.53 1.60 0.00]
	// [1.60 -0.80 2.41 0.00]
}

// LayerNorm subtracts the mean first; RMSNorm does not.
func ExampleLayerNorm() {
	x := []float32{3, 1, 4, 0}
	fmt.Printf("LayerNorm %.2f\n", llm.LayerNorm(x, 0))
	fmt.Printf("RMSNorm   %.2f\n", llm.MustRMSNorm(x, nil, 0))
	// Output:
	// LayerNorm [0.63 -0.63 1.26 -1.26]
	// RMSNorm   [1.18 0.39 1.57 0.00]
}

func ExampleSummarize() {
	s := llm.Summarize([][]float32{{3, 4}, {0, 0}})
	fmt.Printf("%d tokens, mean %.2f, std %.2f, |max| %.0f, L2/token %.3f\n", s.Tokens, s.Mean, s.Std, s.AbsMax, s.L2)
	// Output:
	// 2 tokens, mean 1.75, std 1.79, |max| 4, L2/token 3.536
}
