package widgets_test

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// The logit-lens grid of a pass: widgets.MustShow(widgets.FromLens(l)) in a
// notebook; its plain-text form has one line per layer boundary.
func ExampleLensGrid() {
	m := llm.MustLoad("tiny")
	l := m.MustLogitLens(m.MustRun("The cat sat on the"), 5)
	s, _ := widgets.FromLens(l).Text()
	fmt.Println(strings.Count(s, "\nlayer ") == m.Config().Layers, strings.Contains(s, "\nembedding"))
	// Output:
	// true true
}
