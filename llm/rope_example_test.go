package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

// The rotary spectrum of Qwen3.5-0.8B, from its published config: 32 pairs
// of the 256 dims of a head turn, the fastest once every 2π tokens.
func ExampleRopeOf() {
	r := llm.RopeOf(llm.Qwen35Config())
	fmt.Printf("θ = %.0e, %d of %d dims rotate (%d pairs)\n", r.Theta, r.Dim, r.HeadDim, r.Pairs())
	for _, j := range []int{0, 8, 28} {
		fmt.Printf("pair %2d: %.3g rad/token, one turn every %.3g tokens\n", j, r.InvFreq[j], r.Period(j))
	}
	s, _ := r.Streams()
	fmt.Println("mRoPE streams:", llm.StreamLetters(s))
	// Output:
	// θ = 1e+07, 64 of 256 dims rotate (32 pairs)
	// pair  0: 1 rad/token, one turn every 6.28 tokens
	// pair  8: 0.0178 rad/token, one turn every 353 tokens
	// pair 28: 7.5e-07 rad/token, one turn every 8.38e+06 tokens
	// mRoPE streams: THWTHWTHWTHWTHWTHWTHWTHWTHWTHWTH
}

// The worked example: the vector (1, 0) in pair 0 at position 2 is turned
// by 2 radians, to (cos 2, sin 2). The score of a rotated query and key
// depends only on how far apart they are.
func ExampleRope_Rotate() {
	r := llm.RopeOf(llm.Qwen35Config())
	x := make([]float32, r.HeadDim)
	x[0] = 1 // pair 0 is (x[0], x[32])
	y := r.MustRotate(x, 2)
	fmt.Printf("(%.2f, %.2f) → (%.2f, %.2f)\n", x[0], x[32], y[0], y[32])

	q, k := make([]float32, 256), make([]float32, 256)
	for i := range q {
		q[i], k[i] = float32(i%7)-3, float32(i%5)-2
	}
	fmt.Printf("q at 10, k at 4: %.3f; q at 1010, k at 1004: %.3f\n", r.MustScore(q, 10, k, 4), r.MustScore(q, 1010, k, 1004))
	// Output:
	// (1.00, 0.00) → (-0.42, 0.91)
	// q at 10, k at 4: -21.999; q at 1010, k at 1004: -21.999
}
