package widgets_test

import (
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func ExampleScatter() {
	widgets.MustShow(widgets.Scatter{Title: "two groups", XLabel: "PC1", YLabel: "PC2", Points: []widgets.ScatterPoint{
		{X: 1, Y: 2, Label: " dog", Group: "animals"}, {X: 1.5, Y: 2.5, Label: " cat", Group: "animals"},
		{X: -3, Y: 0, Label: " three", Group: "numbers"},
	}})
	// Output:
	// two groups (3 points; x: PC1, y: PC2)
	// animals: ·dog (1.00, 2.00), ·cat (1.50, 2.50)
	// numbers: ·three (-3.00, 0.00)
}

func ExampleFromPCA() {
	rows := [][]float32{{0, 0, 1}, {2, 2, 1}, {4, 4, 1.5}, {1, 1.2, 1}}
	s, _ := widgets.FromPCA(llm.MustPCA(rows, 2), []string{"a", "b", "c", "d"}, []string{"x", "x", "y", "y"})
	widgets.MustShow(s)
	// Output:
	// PCA of the embedding rows (4 points; x: PC1 (99.7% of the variance), y: PC2)
	// x: a (-2.51, 0.11), b (0.31, -0.15)
	// y: c (3.17, 0.09), d (-0.96, -0.05)
	// PC1 holds 99.7% of the variance and PC2 0.3%: together 99.9%. The rest of the spread is in dimensions this picture cannot show.
}

func ExampleNeighbours() {
	widgets.MustShow(widgets.Neighbours{Lists: []widgets.NeighbourList{
		{Query: " king − man + woman", Note: "recorded with Qwen3.5-0.8B", Items: []widgets.Neighbour{
			{ID: 16427, Piece: " queen", Cosine: 0.578}, {ID: 93114, Piece: "queen", Cosine: 0.493},
		}},
	}})
	// Output:
	// Nearest tokens by cosine similarity
	// ·king·−·man·+·woman (recorded with Qwen3.5-0.8B)
	//    1 ·queen              16427   0.578
	//    2 queen               93114   0.493
}

func ExampleHistogram() {
	widgets.MustShow(widgets.Histogram{Title: "norms", Values: []float64{0.9, 1, 1, 1.1, 1.2, 2}, Bins: 4, XLabel: "L2 norm"})
	// Output:
	// norms (6 values, x: L2 norm)
	//     0.900     1.175         4 ##############################
	//     1.175     1.450         1 ########
	//     1.450     1.725         0
	//     1.725     2.000         1 ########
}

func ExampleLineChart() {
	widgets.MustShow(widgets.LineChart{Title: "cosine of two banks", X: []string{"embedding", "layer 1", "final norm"},
		Series: []widgets.Series{{Name: "river vs money", Values: []float64{1, 0.83, 0.41}}}})
	// Output:
	// cosine of two banks
	//                river vs money
	// embedding               1.000
	// layer 1                 0.830
	// final norm              0.410
}
