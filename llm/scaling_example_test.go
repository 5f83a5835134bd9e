package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

// Fit a power law to the final losses of models of three sizes, and price
// a compute-optimal run of a 70B model.
func ExampleFitPowerLaw() {
	law := llm.MustFitPowerLaw([]float64{1e4, 1e5, 1e6}, []float64{4, 3.2, 2.56})
	fmt.Printf("alpha %.4f, loss at 1e7: %.3f\n", law.Alpha, law.At(1e7))
	d := llm.ChinchillaTokens(70e9)
	fmt.Printf("70B: %.3g tokens, %.3g FLOPs\n", d, llm.TrainFLOPs(70e9, d))
	// Output:
	// alpha 0.0969, loss at 1e7: 2.048
	// 70B: 1.4e+12 tokens, 5.88e+23 FLOPs
}
