package widgets_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// A schedule of 100 steps: 10 of warmup to 0.01, cosine down to 0.001.
func ExampleLRSchedule() {
	s := widgets.LRSchedule{Schedule: llm.Schedule{Peak: 0.01, Min: 0.001, Warmup: 10, Total: 100}}
	txt, err := s.Text()
	if err != nil {
		panic(err)
	}
	fmt.Print(txt)
	// Output:
	// Learning-rate schedule: warmup 10, peak 0.01000, floor 0.00100, 100 steps
	//   step  learning rate
	//      1       0.001000
	//     10       0.010000
	//     11       0.010000
	//     56       0.005500
	//    100       0.001003
}
