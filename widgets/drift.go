package widgets

import (
	"fmt"
	"math"
	"slices"

	"github.com/how-llms-work/course/llm"
)

// Views of chapter 7 (normalisation) as line charts.

// layerLabel names layer i of a chart's x axis, 0-based as in the code,
// with "full" on the full-attention layers.
func layerLabel(i int, t llm.LayerType) string {
	if t == llm.FullAttention {
		return fmt.Sprintf("%d full", i)
	}
	return fmt.Sprint(i)
}

// Drift charts the size of the residual stream layer by layer against what
// the norms hand on, from llm.Pass.NormStats: the per-token L2 of the
// residual stream entering each layer and entering its MLP's norm, of the
// two norms' outputs, and √hidden, the size of a vector whose every value
// has magnitude 1 (what RMSNorm gives before its gain). The x labels count
// layers from 0 and mark the full-attention ones.
func Drift(stats []llm.NormStats) LineChart {
	c := LineChart{Title: "Per-token L2 norm, layer by layer", YLabel: "L2/token"}
	var in, inNorm, mid, postNorm, ref []float64
	for _, s := range stats {
		c.X = append(c.X, layerLabel(s.Layer, s.Type))
		in = append(in, s.Input.L2)
		inNorm = append(inNorm, s.InputNorm.L2)
		mid = append(mid, s.AfterMixer.L2)
		postNorm = append(postNorm, s.PostNorm.L2)
		ref = append(ref, math.Sqrt(float64(s.Hidden)))
	}
	c.Series = []Series{
		{"residual entering the layer", in},
		{"after the input norm (mixer's input)", inNorm},
		{"residual after the mixer", mid},
		{"after the post-attention norm (MLP's input)", postNorm},
		{"√hidden", ref},
	}
	return c
}

// GainProfile charts the learned gains of the two pre-norms of every layer
// (from llm.Model.Gains), as the norms apply them (1 + stored): the median,
// smallest and largest effective gain of input_layernorm and of
// post_attention_layernorm, layer by layer. A gain of 1 leaves a channel as
// the normalisation made it.
func GainProfile(gains []llm.Gain) LineChart {
	c := LineChart{Title: "Effective gains (1 + stored) of the pre-norms, layer by layer", YLabel: "gain"}
	kinds := []string{"input_layernorm", "post_attention_layernorm"}
	vals := make([][3][]float64, len(kinds)) // [kind][median, min, max][layer]
	for _, g := range gains {
		k := slices.Index(kinds, g.Kind)
		if k < 0 || len(g.Stored) == 0 {
			continue
		}
		if k == 0 {
			c.X = append(c.X, fmt.Sprint(g.Layer))
		}
		e := g.Effective()
		_, med := g.Outsized(0)
		vals[k][0] = append(vals[k][0], med)
		vals[k][1] = append(vals[k][1], float64(slices.Min(e)))
		vals[k][2] = append(vals[k][2], float64(slices.Max(e)))
	}
	for k, name := range kinds {
		for j, stat := range []string{"median", "min", "max"} {
			c.Series = append(c.Series, Series{name + " " + stat, vals[k][j]})
		}
	}
	return c
}
