package widgets_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// A panel of one unit's strongest contexts, from a hand-made record: the
// unit fires on digits, most on the last.
func ExampleNeuronPanel() {
	pieces := []string{"In", " 19", "61", " the", " team", " won", " 12"}
	act := [][][]float32{make([][]float32, len(pieces))}
	for p, s := range pieces {
		a := float32(0)
		if llm.Digits.Match(s) {
			a = float32(p)
		}
		act[0][p] = []float32{a}
	}
	rec, err := llm.NewNeurons(pieces, nil, act)
	if err != nil {
		panic(err)
	}
	p := widgets.MustFromNeurons(rec, 2, llm.Neuron{Layer: 0, Unit: 0})
	s, _ := p.Text()
	fmt.Print(s)
	// Output:
	// Top 2 contexts of 1 neuron, over 7 tokens
	// layer 0 · unit 0
	//       6.00  In·1961·the·team·won[·12]
	//       2.00  In·19[61]·the·team·won·12
}

// SiLU and its gate at five points, as the chart's table prints them.
func ExampleActivationCurves() {
	c, _ := widgets.ActivationCurves(-2, 2, 5)
	s, _ := c.Text()
	fmt.Print(s)
	// Output:
	// SiLU(z) = z·σ(z), its gate σ(z), and ReLU(z)
	//                 SiLU(z)     σ(z)  ReLU(z)
	// -2               -0.238    0.119    0.000
	// -1               -0.269    0.269    0.000
	// 0                 0.000    0.500    0.000
	// 1                 0.731    0.731    1.000
	// 2                 1.762    0.881    2.000
}
