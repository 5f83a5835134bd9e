package widgets_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// The drift chart of the embedded model on a short prompt: the residual
// stream grows, the norms' outputs stay near √hidden.
func ExampleDrift() {
	m := llm.MustLoad("tiny")
	defer m.Close()
	stats := m.MustRun("The river flows softly through the valley.").MustNormStats()
	c := widgets.Drift(stats)
	fmt.Println(c.X)
	fmt.Println(c.Series[0].Name, "→", c.Series[1].Name)
	// Output:
	// [0 1 2 3 full 4 5 6 7 full 8 9 10 11 full]
	// residual entering the layer → after the input norm (mixer's input)
}
