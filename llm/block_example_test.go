package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

func ExampleBlockPoints() {
	fmt.Println(llm.BlockPoints())
	// Output: [input input norm mixer out after mixer post norm MLP out residual]
}

// One layer recomputed from its parts: norm → mixer (taken from the
// capture) → add → norm → MLP → add, against the engine's output.
func ExampleModel_Block() {
	m := llm.MustLoad("tiny")
	p := m.MustRun("The cat sat on the")
	i := m.Config().FullAttentionLayers()[0]
	b, lc := m.MustBlock(i), p.Capture.Layers[i]
	x := p.Capture.Layers[i-1].Residual[4] // what enters layer i at position 4
	u := b.InputNorm(x)
	a := llm.Add(x, lc.MixerOut[4])
	y := llm.Add(a, b.MLP(b.PostNorm(a)))
	fmt.Println(b.Type, "layer; gate matrix [Intermediate × Hidden]:", len(b.Gate) == m.Config().Intermediate && len(b.Gate[0]) == m.Config().Hidden)
	fmt.Println("input norm as the engine's:", llm.MaxDiff(u, lc.InputNorm[4]) < 1e-4)
	fmt.Println("equals the engine's layer output:", llm.MaxDiff(y, lc.Residual[4]) < 1e-3)
	// Output:
	// full_attention layer; gate matrix [Intermediate × Hidden]: true
	// input norm as the engine's: true
	// equals the engine's layer output: true
}

func ExampleModel_SkipLayers() {
	m := llm.MustLoad("tiny")
	s := m.MustSkipLayers("The cat sat on the")
	fmt.Println(len(s.Layers) == m.Config().Layers, "— one run per layer")
	changed := 0
	for _, l := range s.Layers {
		if l.KL > 0 {
			changed++
		}
	}
	fmt.Println("every layer's absence moves the prediction:", changed == len(s.Layers))
	fmt.Println("skipping all of them moves it more than skipping any one:", s.NoneKL > s.Layers[0].KL)
	// Output:
	// true — one run per layer
	// every layer's absence moves the prediction: true
	// skipping all of them moves it more than skipping any one: true
}

func ExampleMixerMemory() {
	c := llm.Qwen35Config()
	for _, n := range []int{1, 274, 262144} {
		d, f := llm.MixerMemory(c, n, 2) // bf16
		fmt.Printf("%7d tokens: DeltaNet layer %d B, full-attention layer %d B\n", n, d, f)
	}
	// Output:
	//       1 tokens: DeltaNet layer 561152 B, full-attention layer 2048 B
	//     274 tokens: DeltaNet layer 561152 B, full-attention layer 561152 B
	//  262144 tokens: DeltaNet layer 561152 B, full-attention layer 536870912 B
}

// A gradient sent down 24 random layers fades without the identity path
// and stays within a small factor of its size with it.
func ExampleStackGradients() {
	plain, resid := llm.StackGradients(llm.MustRandomStack(24, 64, 0.3, 1))
	fmt.Printf("after 24 layers: plain %.1e, residual %.2f\n", plain[23], resid[23])
	// Output: after 24 layers: plain 1.8e-13, residual 3.93
}

// One layer far above the rest moves the mean KL, not the median: compare
// the two, and the mean without the largest layer.
func ExampleLayerSkips_MedianKL() {
	s := &llm.LayerSkips{Layers: []llm.LayerSkip{{Layer: 0, Type: llm.LinearAttention, KL: 5.7},
		{Layer: 1, Type: llm.LinearAttention, KL: 0.01}, {Layer: 2, Type: llm.LinearAttention, KL: 0.1}, {Layer: 3, Type: llm.FullAttention, KL: 0.02}}}
	top := s.Ranked()[0].Layer
	fmt.Printf("largest: layer %d; DeltaNet mean %.2f, median %.2f, mean without layer %d %.3f\n",
		top, s.MeanKL(llm.LinearAttention), s.MedianKL(llm.LinearAttention), top, s.MeanKLExcept(llm.LinearAttention, top))
	// Output: largest: layer 0; DeltaNet mean 1.94, median 0.10, mean without layer 0 0.055
}
