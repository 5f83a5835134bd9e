package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

// The chapter's worked example: one unit whose gate value is 2 and whose
// up value is 0.5 (x = [1]; down copies the unit to the output).
func ExampleSwiGLU() {
	s, err := llm.SwiGLU([]float32{1}, [][]float32{{2}}, [][]float32{{0.5}}, [][]float32{{1}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("gate %.2f, SiLU(gate) %.4f, up %.2f, activation %.4f, output %.4f\n", s.Gate[0], llm.SiLU(2), s.Up[0], s.Act[0], s.Out[0])
	// Output:
	// gate 2.00, SiLU(gate) 1.7616, up 0.50, activation 0.8808, output 0.8808
}

// Searching a hand-made record for a unit that fires on digits.
func ExampleNeurons_Search() {
	pieces := []string{"In", " 19", "61", " the", " team", " won", " 12", " games", "."}
	act := [][][]float32{make([][]float32, len(pieces))}
	for p, s := range pieces {
		digit := float32(0)
		if llm.Digits.Match(s) {
			digit = 4
		}
		act[0][p] = []float32{float32(p % 3), digit} // unit 0 is noise, unit 1 a digit detector
	}
	rec, err := llm.NewNeurons(pieces, nil, act)
	if err != nil {
		panic(err)
	}
	best := rec.MustSearch(llm.Digits, 1)[0]
	fmt.Printf("%v: precision %.2f, on digits %.1f, elsewhere %.1f\n", best.Neuron, best.Precision, best.OnMatch, best.Elsewhere)
	for _, h := range rec.MustTop(best.Neuron, 3) {
		fmt.Printf("%q %.1f\n", rec.Pieces[h.Pos], h.Act)
	}
	// Output:
	// layer 0 · unit 1: precision 1.00, on digits 4.0, elsewhere 0.0
	// " 19" 4.0
	// "61" 4.0
	// " 12" 4.0
}
