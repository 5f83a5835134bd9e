package llm_test

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm"
)

// The worked example of an online softmax: scores 2, 1, 3 (a query of one
// dimension, so √d = 1), seen one key at a time. The third key raises the
// running maximum, so what was summed so far is rescaled once. With one-hot
// values the output is the attention weights themselves.
func ExampleOnlineAttend() {
	q := []float32{2}
	keys := [][]float32{{1}, {0.5}, {1.5}}
	values := [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	out, rescales, _ := llm.OnlineAttend(q, keys, values, 1)
	plain, _, _ := llm.Attend(q, keys, values)
	fmt.Printf("online %.3f after %d rescale(s); plain %.3f\n", out, rescales, plain)
	fmt.Printf("the rescale factor when the max went from 2 to 3: e^(2−3) = %.3f\n", math.Exp(2-3))
	// Output:
	// online [0.245 0.090 0.665] after 1 rescale(s); plain [0.245 0.090 0.665]
	// the rescale factor when the max went from 2 to 3: e^(2−3) = 0.368
}

// One head of the embedded model on a prompt: its vectors, and the rows of
// its attention map, each with one more key than the one before.
func ExamplePass_Head() {
	m := llm.MustLoad("tiny")
	p := m.MustRun("The cat sat on the")
	layer := p.FullLayers()[0]
	h := p.MustHead(layer, 0)
	fmt.Printf("layer %d head %d reads KV head %d; %d positions, q/k/v of %d numbers\n", h.Layer, h.Head, h.KVHead, len(h.Q), len(h.Q[0]))
	for t, row := range h.Probs {
		var sum float32
		for _, w := range row {
			sum += w
		}
		fmt.Printf("query %d %-6q %d weights, sum %.4f\n", t, h.Pieces[t], len(row), sum)
	}
	// Output:
	// layer 3 head 0 reads KV head 0; 5 positions, q/k/v of 32 numbers
	// query 0 "The"  1 weights, sum 1.0000
	// query 1 " cat" 2 weights, sum 1.0000
	// query 2 " sat" 3 weights, sum 1.0000
	// query 3 " on"  4 weights, sum 1.0000
	// query 4 " the" 5 weights, sum 1.0000
}

// Dot products of random vectors grow like √d; dividing by √d keeps the
// softmax over them equally spread at every width.
func ExampleScaleSweep() {
	rows, _ := llm.ScaleSweep([]int{16, 256}, 8, 500, 1)
	for _, r := range rows {
		fmt.Printf("d %3d: score spread %4.1f (√d = %2.0f); largest weight raw %.2f, scaled %.2f\n", r.Dim, r.ScoreStd, math.Sqrt(float64(r.Dim)), r.MaxRaw, r.MaxScaled)
	}
	// Output:
	// d  16: score spread  4.0 (√d =  4); largest weight raw 0.75, scaled 0.36
	// d 256: score spread 15.8 (√d = 16); largest weight raw 0.94, scaled 0.36
}
