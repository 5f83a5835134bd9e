package llm

import (
	"fmt"
	"math"
)

// MLP is one layer's SwiGLU block, its three matrices read from the
// checkpoint (layers.N.mlp.gate_proj, up_proj, down_proj) as float32 rows:
//
//	out = Down · (silu(Gate·x) ⊙ (Up·x))
//
// x is the layer's MLP input (the residual stream after the layer's second
// RMSNorm, Capture.Layers[N].PostNorm). Layers are numbered from 0, as in the
// checkpoint's tensor names.
type MLP struct {
	Layer        int
	Hidden       int         // length of x and of the output
	Intermediate int         // number of units ("neurons") between the two halves
	Gate, Up     [][]float32 // [Intermediate][Hidden]
	Down         [][]float32 // [Hidden][Intermediate]
}

// MLP reads layer's SwiGLU weights by name from the checkpoint.
func (m *Model) MLP(layer int) (*MLP, error) {
	c := m.Config()
	if layer < 0 || layer >= c.Layers {
		return nil, fmt.Errorf("llm: MLP: layer %d: the model has layers 0 to %d", layer, c.Layers-1)
	}
	w := &MLP{Layer: layer, Hidden: c.Hidden, Intermediate: c.Intermediate}
	for _, mat := range []struct {
		name       string
		dst        *[][]float32
		rows, cols int
	}{
		{"gate_proj", &w.Gate, c.Intermediate, c.Hidden},
		{"up_proj", &w.Up, c.Intermediate, c.Hidden},
		{"down_proj", &w.Down, c.Hidden, c.Intermediate},
	} {
		name := fmt.Sprintf("layers.%d.mlp.%s.weight", layer, mat.name)
		t, err := m.Net.Weight(name)
		if err != nil {
			return nil, fmt.Errorf("llm: MLP: %w", err)
		}
		v := t.Float32()
		if v == nil || len(v) != mat.rows*mat.cols {
			return nil, fmt.Errorf("llm: MLP: tensor %s: %s %v, want a float tensor of shape [%d %d]", name, t.DType, t.Shape, mat.rows, mat.cols)
		}
		*mat.dst = make([][]float32, mat.rows)
		for r := range mat.rows {
			(*mat.dst)[r] = v[r*mat.cols : (r+1)*mat.cols : (r+1)*mat.cols]
		}
	}
	return w, nil
}

// MustMLP is MLP for notebook cells: it panics with MLP's error.
func (m *Model) MustMLP(layer int) *MLP {
	w, err := m.MLP(layer)
	if err != nil {
		panic(err)
	}
	return w
}

// Params is the number of weights of the block: 3 × Hidden × Intermediate.
func (w *MLP) Params() int64 { return 3 * int64(w.Hidden) * int64(w.Intermediate) }

// SwiGLUSteps are the values one token goes through inside a SwiGLU block.
type SwiGLUSteps struct {
	Gate []float32 // Gate·x: the gate's pre-activation, one per unit
	Up   []float32 // Up·x
	Act  []float32 // silu(Gate·x) ⊙ Up·x: the units' activations (what Capture.Layers[N].MLP records)
	Out  []float32 // Down·Act: what the block adds to the residual stream
}

// SwiGLU computes a SwiGLU block for one token x, step by step, in plain
// loops with float64 sums: an independent check of the engine's kernels.
// gate and up are [units][len(x)], down is [len(x)][units].
func SwiGLU(x []float32, gate, up, down [][]float32) (SwiGLUSteps, error) {
	if len(gate) == 0 || len(gate) != len(up) {
		return SwiGLUSteps{}, fmt.Errorf("llm: SwiGLU: gate has %d rows, up %d: want the same number of units, at least one", len(gate), len(up))
	}
	g, err := MatVec(gate, x)
	if err != nil {
		return SwiGLUSteps{}, fmt.Errorf("llm: SwiGLU: gate: %w", err)
	}
	u, err := MatVec(up, x)
	if err != nil {
		return SwiGLUSteps{}, fmt.Errorf("llm: SwiGLU: up: %w", err)
	}
	act := make([]float32, len(g))
	for i := range act {
		act[i] = float32(SiLU(float64(g[i])) * float64(u[i]))
	}
	out, err := MatVec(down, act)
	if err != nil {
		return SwiGLUSteps{}, fmt.Errorf("llm: SwiGLU: down: %w", err)
	}
	if len(out) != len(x) {
		return SwiGLUSteps{}, fmt.Errorf("llm: SwiGLU: down has %d rows for an input of %d values", len(out), len(x))
	}
	return SwiGLUSteps{Gate: g, Up: u, Act: act, Out: out}, nil
}

// Apply runs the block on one token x (see SwiGLU).
func (w *MLP) Apply(x []float32) (SwiGLUSteps, error) {
	return SwiGLU(x, w.Gate, w.Up, w.Down)
}

// MustApply is Apply for notebook cells: it panics with its error.
func (w *MLP) MustApply(x []float32) SwiGLUSteps {
	s, err := w.Apply(x)
	if err != nil {
		panic(err)
	}
	return s
}

// MatVec returns W·x for a matrix given as rows, summing in float64.
func MatVec(w [][]float32, x []float32) ([]float32, error) {
	out := make([]float32, len(w))
	for r, row := range w {
		if len(row) != len(x) {
			return nil, fmt.Errorf("llm: MatVec: row %d has %d values, x has %d", r, len(row), len(x))
		}
		var s float64
		for i, v := range row {
			s += float64(v) * float64(x[i])
		}
		out[r] = float32(s)
	}
	return out, nil
}

// Sigmoid is 1/(1+e^−z), the gate inside SiLU: near 0 for very negative z,
// 1/2 at 0, near 1 for large z.
func Sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// SiLU is z·σ(z) (also called swish): z itself lets through, scaled by its own
// sigmoid gate. Near 0 for very negative z, ≈ z for large z, smooth in
// between, with a small dip to −0.278 at z ≈ −1.278.
func SiLU(z float64) float64 { return z * Sigmoid(z) }

// ReLU is max(0, z), the older activation SiLU smooths out.
func ReLU(z float64) float64 { return max(0, z) }

// MaxDiffRel returns the largest |a[i] − b[i]| divided by the largest |b[i]|:
// how far a is from b, relative to b's scale (0 when equal). a and b must
// have the same length.
func MaxDiffRel(a, b []float32) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("llm: MaxDiffRel: %d values against %d", len(a), len(b))
	}
	var d, scale float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
		scale = max(scale, math.Abs(float64(b[i])))
	}
	if scale == 0 {
		return d, nil
	}
	return d / scale, nil
}

// MLPShare is what one layer's MLP writes into the residual stream,
// measured as L2 norms over all positions of a pass (the flattened
// [tokens × Hidden] block), at the four points around the MLP.
type MLPShare struct {
	Layer  int
	Type   LayerType
	Input  float64 // the residual stream entering the MLP path (after the mixer's add)
	Normed float64 // after the layer's second RMSNorm: what the MLP reads
	Out    float64 // the MLP's output: the correction it adds
	Output float64 // the layer's output: Input + Out
	// Ratio is Out / Output: the size of the MLP's write relative to the
	// stream it is added to.
	Ratio float64
}

// MLPShares measures every layer's MLP on the pass (see MLPShare).
func (p *Pass) MLPShares() ([]MLPShare, error) {
	if p.Capture == nil || len(p.Capture.Layers) == 0 {
		return nil, fmt.Errorf("llm: MLPShares: the pass has no capture (make it with Model.Run)")
	}
	out := make([]MLPShare, len(p.Capture.Layers))
	for i, l := range p.Capture.Layers {
		for _, rows := range [][][]float32{l.AfterMixer, l.PostNorm, l.MLPOut, l.Residual} {
			if len(rows) != len(p.IDs) {
				return nil, fmt.Errorf("llm: MLPShares: layer %d captured %d positions, want %d", i, len(rows), len(p.IDs))
			}
		}
		s := MLPShare{Layer: i, Type: l.Type, Input: flatNorm(l.AfterMixer), Normed: flatNorm(l.PostNorm),
			Out: flatNorm(l.MLPOut), Output: flatNorm(l.Residual)}
		if s.Output > 0 {
			s.Ratio = s.Out / s.Output
		}
		out[i] = s
	}
	return out, nil
}

// MustMLPShares is MLPShares for notebook cells: it panics with its error.
func (p *Pass) MustMLPShares() []MLPShare {
	s, err := p.MLPShares()
	if err != nil {
		panic(err)
	}
	return s
}

// flatNorm is the L2 norm of rows taken as one flat vector.
func flatNorm(rows [][]float32) float64 {
	var s float64
	for _, r := range rows {
		for _, v := range r {
			s += float64(v) * float64(v)
		}
	}
	return math.Sqrt(s)
}

// GateStats describes how many of one layer's units a pass leaves nearly
// off: the units' gate pre-activations z = Gate·x recomputed from the
// captured MLP inputs, and the share of them whose SiLU is small.
type GateStats struct {
	Layer     int
	Units     int     // tokens × units measured
	Negative  float64 // share with z < 0 (SiLU(z) ≤ 0: the gate mostly closed)
	NearZero  float64 // share with |SiLU(z)| < Threshold
	ActNear   float64 // share of activations |silu(z)·up| < Threshold (from the capture)
	Zero      int     // how many have SiLU(z) exactly 0 (only z = 0 or z below about −745)
	Threshold float64
	Z         []float64 // every z, for a histogram
}

// GateStats recomputes the gate pre-activations of every unit of layer at
// every position of the pass and counts the nearly-closed ones (see
// GateStats). threshold is the "near zero" bound, e.g. 0.1.
func (m *Model) GateStats(p *Pass, layer int, threshold float64) (GateStats, error) {
	w, err := m.MLP(layer)
	if err != nil {
		return GateStats{}, err
	}
	if p.Capture == nil || layer >= len(p.Capture.Layers) || len(p.Capture.Layers[layer].PostNorm) != len(p.IDs) {
		return GateStats{}, fmt.Errorf("llm: GateStats: the pass has no capture of layer %d (make it with Model.Run)", layer)
	}
	if !(threshold > 0) {
		return GateStats{}, fmt.Errorf("llm: GateStats: threshold %g: want a positive bound", threshold)
	}
	l := p.Capture.Layers[layer]
	s := GateStats{Layer: layer, Threshold: threshold}
	var neg, near, act int
	for t, x := range l.PostNorm {
		z, err := MatVec(w.Gate, x)
		if err != nil {
			return GateStats{}, err
		}
		for i, v := range z {
			s.Z = append(s.Z, float64(v))
			if v < 0 {
				neg++
			}
			if a := math.Abs(SiLU(float64(v))); a < threshold {
				near++
				if a == 0 {
					s.Zero++
				}
			}
			if math.Abs(float64(l.MLP[t][i])) < threshold {
				act++
			}
		}
	}
	s.Units = len(s.Z)
	n := float64(max(1, s.Units))
	s.Negative, s.NearZero, s.ActNear = float64(neg)/n, float64(near)/n, float64(act)/n
	return s, nil
}

// MustGateStats is GateStats for notebook cells: it panics with its error.
func (m *Model) MustGateStats(p *Pass, layer int, threshold float64) GateStats {
	s, err := m.GateStats(p, layer, threshold)
	if err != nil {
		panic(err)
	}
	return s
}
