package widgets_test

import (
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func ExampleClocks() {
	r := llm.RopeOf(llm.Qwen35Config())
	c := widgets.Clocks{Title: "pairs 0 and 28", Rope: r, Pairs: []int{0, 28}, Position: 2}
	widgets.MustShow(c) // outside a notebook: the text form
	// Output:
	// pairs 0 and 28 (θ = 1e7, 64 rotated dims, m = 2)
	// pair 0: m·ω = 2.000 rad = 0.318 turns · ω = 1.000 rad/token · one turn every 6.3 tokens
	// pair 28: m·ω = 1.50e-06 rad = 2.39e-07 turns · ω = 7.50e-07 rad/token · one turn every 8.38e+06 tokens
	// turns at         m = 1       m = 16      m = 256    m = 4,096   m = 65,536
	// pair 0           0.159        2.546       40.744      651.899    10430.378
	// pair 28       1.19e-07     1.91e-06     3.06e-05     4.89e-04        0.008
}

func ExampleSpectrum() {
	// A small head: 8 of 32 dims rotate, so 4 pairs (Model.Rope gives the loaded model's).
	r := llm.RopeOf(&llm.Config{HeadDim: 32, RotaryDim: 8, RopeTheta: 1e7})
	widgets.MustShow(widgets.Spectrum{Title: "θ = 1e7 vs the original 1e4", Ropes: []llm.Rope{r, r.MustWithTheta(1e4)}})
	// Output:
	// θ = 1e7 vs the original 1e4
	// pair   rad/tok 1e7     period 1e7  rad/tok 1e4     period 1e4
	// 0                1           6.28            1           6.28
	// 1           0.0178            353          0.1           62.8
	// 2         0.000316         19,869         0.01            628
	// 3         5.62e-06       1.12e+06        0.001          6,283
}
