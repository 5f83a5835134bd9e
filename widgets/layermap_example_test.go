package widgets_test

import (
	"os"

	"github.com/how-llms-work/course/widgets"
)

// A strip of one value per layer; widgets.Fprint writes its text form (in
// a notebook, widgets.MustShow draws it).
func ExampleLayerStrip() {
	s := widgets.LayerStrip{
		Title:  "bytes a layer keeps after 1,000 tokens",
		Layers: []widgets.MapLayer{{Label: "layer 0"}, {Label: "layer 1"}, {Label: "layer 2"}, {Label: "layer 3", Full: true}},
		Values: []float64{512, 512, 512, 2000},
		Unit:   "KB",
		Digits: 1,
	}
	_ = widgets.Fprint(os.Stdout, s)
	// Output:
	// bytes a layer keeps after 1,000 tokens
	// layer 0    Gated DeltaNet       512.0 KB
	// layer 1    Gated DeltaNet       512.0 KB
	// layer 2    Gated DeltaNet       512.0 KB
	// layer 3    full attention      2000.0 KB
}

// A two-layer map of made-up norms: its text form is the mean over positions.
func ExampleLayerMap() {
	m := widgets.LayerMap{
		Points: []string{"input", "residual"},
		Layers: []widgets.MapLayer{{Label: "layer 0"}, {Label: "layer 1", Full: true}},
		Tokens: []string{"a", " b"},
		Norms:  [][][]float64{{{1, 3}, {4, 6}}, {{4, 6}, {9, 11}}},
	}
	_ = widgets.Fprint(os.Stdout, m)
	// Output:
	// L2 norm at each capture point of each layer (mean over 2 positions)
	// layer                        input    residual
	// layer 0 · Gated DeltaNet        2.00        5.00
	// layer 1 · full attention        5.00       10.00
}
