package widgets_test

import (
	"fmt"

	"github.com/how-llms-work/course/widgets"
)

// A surprise map in its plain-text form: each token with its loss, then
// the most surprising ones with the model's own guess.
func ExampleSurpriseMap() {
	s := widgets.SurpriseMap{Title: "surprise", Pieces: []string{"The", " cat", " sat"},
		Loss: []float64{4.5, 0.7}, Guess: []string{" first", " sat"}, GuessProb: []float64{0.2, 0.5}}
	txt, _ := s.Text()
	fmt.Print(txt)
	// Output:
	// surprise
	// The ·cat(4.5) ·sat(0.7)
	// most surprising:
	//   ·cat: loss 4.50 nats, p = 0.011 · the model's first guess: ·first (p = 0.200)
	//   ·sat: loss 0.70 nats, p = 0.497 · the model's first guess: ·sat (p = 0.500)
}
