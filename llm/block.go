package llm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The decoder layer as a whole (chapter 9): the norms along the residual
// stream at a layer's capture points, and one layer recomputed from its
// parts in plain Go, to set beside the engine's captured output.

// BlockPoints returns the names of a layer's seven capture points, in the
// order the layer computes them (doc §5): the residual stream entering the
// layer, the mixer's normed input, the mixer's output, the stream after the
// mixer's residual add, the MLP's normed input, the MLP's output, and the
// stream after the MLP's residual add (the layer's output).
func BlockPoints() []string {
	return []string{"input", "input norm", "mixer out", "after mixer", "post norm", "MLP out", "residual"}
}

// BlockInput returns the residual stream entering layer (0-based), one row
// per position: the embedding rows for layer 0, else the previous layer's
// output.
func (p *Pass) BlockInput(layer int) ([][]float32, error) {
	c := p.Capture
	if c == nil {
		return nil, fmt.Errorf("llm: the pass has no capture (make it with Model.Run)")
	}
	if layer < 0 || layer >= len(c.Layers) {
		return nil, fmt.Errorf("llm: layer %d: the model has layers 0 to %d", layer, len(c.Layers)-1)
	}
	if layer == 0 {
		return c.Embedding, nil
	}
	return c.Layers[layer-1].Residual, nil
}

// BlockNorms returns the L2 norm of every position's vector at each of the
// seven capture points (BlockPoints) of every layer: [layer][point][position].
// It fails on a pass whose capture is incomplete (a layer skipped, say).
func (p *Pass) BlockNorms() ([][][]float64, error) {
	c, n := p.Capture, len(p.IDs)
	if c == nil || len(c.Embedding) != n {
		return nil, fmt.Errorf("llm: the pass has no capture of its %d positions (make it with Model.Run)", n)
	}
	out := make([][][]float64, len(c.Layers))
	for i, l := range c.Layers {
		in, _ := p.BlockInput(i)
		points := [][][]float32{in, l.InputNorm, l.MixerOut, l.AfterMixer, l.PostNorm, l.MLPOut, l.Residual}
		out[i] = make([][]float64, len(points))
		for j, rows := range points {
			if len(rows) != n {
				return nil, fmt.Errorf("llm: layer %d, point %q: %d positions captured, want %d (was the layer skipped?)", i, BlockPoints()[j], len(rows), n)
			}
			out[i][j] = make([]float64, n)
			for t, r := range rows {
				out[i][j][t] = Norm(r)
			}
		}
	}
	return out, nil
}

// MustBlockNorms is BlockNorms for notebook cells: it panics on error.
func (p *Pass) MustBlockNorms() [][][]float64 {
	v, err := p.BlockNorms()
	if err != nil {
		panic(err)
	}
	return v
}

// Block is one decoder layer's norms and MLP, read from the checkpoint, with
// plain-Go versions of what the layer does with them (float64 sums, no
// engine kernels): what a learner can set beside the engine's captures.
// The mixer (attention or Gated DeltaNet) is left out: chapters 4–6 and 12
// open it.
type Block struct {
	Layer int
	Type  LayerType
	Eps   float64 // rms_norm_eps
	// InputGain and PostGain are the stored RMSNorm weights w of
	// input_layernorm and post_attention_layernorm. Qwen3.5 stores them
	// zero-centred: the norm multiplies by 1 + w.
	InputGain, PostGain []float32
	// Gate and Up are [Intermediate][Hidden], Down is [Hidden][Intermediate]:
	// the SwiGLU MLP's matrices, row by row.
	Gate, Up, Down [][]float32
}

// Block reads layer's (0-based) norm gains and MLP weights by name.
func (m *Model) Block(layer int) (*Block, error) {
	c := m.Config()
	if layer < 0 || layer >= c.Layers {
		return nil, fmt.Errorf("llm: Block: layer %d: the model has layers 0 to %d", layer, c.Layers-1)
	}
	b := &Block{Layer: layer, Type: c.LayerTypes[layer], Eps: c.RMSEps}
	read := func(part string, rows, cols int) ([]float32, error) {
		name := fmt.Sprintf("layers.%d.%s.weight", layer, part)
		t, err := m.Net.Weight(name)
		if err != nil {
			return nil, fmt.Errorf("llm: Block: %w", err)
		}
		v := t.Float32()
		if v == nil || len(v) != rows*cols {
			return nil, fmt.Errorf("llm: Block: tensor %s: %s %v, want a float tensor of %d values", name, t.DType, t.Shape, rows*cols)
		}
		return v, nil
	}
	var err error
	if b.InputGain, err = read("input_layernorm", 1, c.Hidden); err != nil {
		return nil, err
	}
	if b.PostGain, err = read("post_attention_layernorm", 1, c.Hidden); err != nil {
		return nil, err
	}
	for _, mat := range []struct {
		part       string
		dst        *[][]float32
		rows, cols int
	}{
		{"mlp.gate_proj", &b.Gate, c.Intermediate, c.Hidden},
		{"mlp.up_proj", &b.Up, c.Intermediate, c.Hidden},
		{"mlp.down_proj", &b.Down, c.Hidden, c.Intermediate},
	} {
		v, err := read(mat.part, mat.rows, mat.cols)
		if err != nil {
			return nil, err
		}
		*mat.dst = make([][]float32, mat.rows)
		for r := range mat.rows {
			(*mat.dst)[r] = v[r*mat.cols : (r+1)*mat.cols : (r+1)*mat.cols]
		}
	}
	return b, nil
}

// MustBlock is Block for notebook cells: it panics with Block's error.
func (m *Model) MustBlock(layer int) *Block {
	b, err := m.Block(layer)
	if err != nil {
		panic(err)
	}
	return b
}

// InputNorm returns the mixer's input for the residual vector x:
// x / √(mean(x²) + eps) · (1 + InputGain).
func (b *Block) InputNorm(x []float32) []float32 { return MustRMSNorm(x, b.InputGain, b.Eps) }

// PostNorm returns the MLP's input for the residual vector x (taken after
// the mixer's add): x / √(mean(x²) + eps) · (1 + PostGain).
func (b *Block) PostNorm(x []float32) []float32 { return MustRMSNorm(x, b.PostGain, b.Eps) }

// MLP returns Down · (silu(Gate·u) ⊙ (Up·u)) for the normed vector u.
func (b *Block) MLP(u []float32) []float32 {
	if len(u) != len(b.Gate[0]) {
		panic(fmt.Sprintf("llm: Block.MLP of %d values, want the hidden size %d", len(u), len(b.Gate[0])))
	}
	act := make([]float64, len(b.Gate))
	for i := range act {
		g, v := Dot(b.Gate[i], u), Dot(b.Up[i], u)
		act[i] = g / (1 + math.Exp(-g)) * v
	}
	out := make([]float32, len(b.Down))
	for r, row := range b.Down {
		var s float64
		for i, w := range row {
			s += float64(w) * act[i]
		}
		out[r] = float32(s)
	}
	return out
}

// MixerMemory returns what one layer of each kind keeps between tokens
// after tokens tokens, in bytes, every number stored in bytesPer bytes (2
// for bf16): a Gated DeltaNet layer's recurrent state [value heads × value
// dim × key dim] plus its convolution cache [(kernel − 1) × conv channels],
// whatever the length, and a full-attention layer's KV cache, 2 (K and V) ×
// KV heads × head dim per token. It is StateSizeOf's per-layer view; for a
// recurrent state kept at another width, set StateSize.RecurrentBytes.
func MixerMemory(c *Config, tokens, bytesPer int) (deltaNet, full int64) {
	s := StateSizeOf(c, bytesPer)
	deltaNet = int64(s.Recurrent+s.Conv) * int64(bytesPer)
	full = 2 * int64(c.KVHeads) * int64(c.HeadDim) * int64(tokens) * int64(bytesPer)
	return deltaNet, full
}

// LayerMemory returns, layer by layer, the bytes MixerMemory gives for that
// layer's kind after tokens tokens.
func LayerMemory(c *Config, tokens, bytesPer int) []int64 {
	d, f := MixerMemory(c, tokens, bytesPer)
	out := make([]int64, c.Layers)
	for i := range out {
		out[i] = d
		if c.IsFullAttention(i) {
			out[i] = f
		}
	}
	return out
}

// Ranked returns the skipped layers ordered by KL, largest first (layers
// with equal KL in layer order).
func (s *LayerSkips) Ranked() []LayerSkip {
	out := slices.Clone(s.Layers)
	slices.SortStableFunc(out, func(a, b LayerSkip) int { return cmp.Compare(b.KL, a.KL) })
	return out
}

// MedianKL returns the median KL of the skipped layers of one type (the
// mean of the middle two for an even count), NaN when there are none. One
// layer far above the rest moves MeanKL, not the median.
func (s *LayerSkips) MedianKL(t LayerType) float64 {
	var v []float64
	for _, l := range s.Layers {
		if l.Type == t {
			v = append(v, l.KL)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	return (v[(len(v)-1)/2] + v[len(v)/2]) / 2
}

// MeanKLExcept returns the mean KL of the skipped layers of one type,
// leaving out the listed layers; NaN when none is left.
func (s *LayerSkips) MeanKLExcept(t LayerType, layers ...int) float64 {
	var sum float64
	var n int
	for _, l := range s.Layers {
		if l.Type == t && !slices.Contains(layers, l.Layer) {
			sum += l.KL
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// kindName names a layer kind as the chapters write it.
func kindName(t LayerType) string {
	if t == FullAttention {
		return "full attention"
	}
	return "Gated DeltaNet"
}

// Summary prints the run in four lines: the layers ranked by KL, largest
// first; for each kind, its mean KL, median, and mean leaving out the
// top-ranked layer; and which kind has the higher mean, with and without
// that layer. When the two verdicts differ, one layer decides the
// comparison, not its kind.
func (s *LayerSkips) Summary() string {
	if len(s.Layers) == 0 {
		return "no layers skipped"
	}
	var b strings.Builder
	ranked := s.Ranked()
	b.WriteString("layers by KL, largest first:")
	for i, l := range ranked {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s %d (%.3g)", sep, l.Layer, l.KL)
	}
	top := ranked[0].Layer
	for _, t := range []LayerType{FullAttention, LinearAttention} {
		fmt.Fprintf(&b, "\n%-15s mean KL %.4f, median %.4f, mean leaving out layer %d %.4f nats", kindName(t), s.MeanKL(t), s.MedianKL(t), top, s.MeanKLExcept(t, top))
	}
	higher := func(full, lin float64) string {
		if full > lin {
			return kindName(FullAttention)
		}
		return kindName(LinearAttention)
	}
	fmt.Fprintf(&b, "\nhigher mean: %s; leaving out layer %d: %s", higher(s.MeanKL(FullAttention), s.MeanKL(LinearAttention)),
		top, higher(s.MeanKLExcept(FullAttention, top), s.MeanKLExcept(LinearAttention, top)))
	return b.String()
}

// Write is one sub-block's write into the residual stream at one position:
// its length and the length of the stream it is added to.
type Write struct {
	Layer  int
	Type   LayerType
	Part   string  // "mixer" or "MLP"
	Norm   float64 // ‖write‖
	Stream float64 // ‖the stream it joins‖: the layer's input for the mixer, the stream after the mixer for the MLP
}

// Share is the write's length as a fraction of the stream it joins.
func (w Write) Share() float64 { return w.Norm / w.Stream }

// Writes returns every sub-block's write at position t, two per layer in
// the order the stack makes them (t < 0 counts from the end).
func (p *Pass) Writes(t int) ([]Write, error) {
	if t < 0 {
		t += len(p.IDs)
	}
	if t < 0 || t >= len(p.IDs) {
		return nil, fmt.Errorf("llm: Writes: position %d of %d", t, len(p.IDs))
	}
	var out []Write
	for i, lc := range p.Capture.Layers {
		in, err := p.BlockInput(i)
		if err != nil {
			return nil, err
		}
		out = append(out, Write{i, lc.Type, "mixer", Norm(lc.MixerOut[t]), Norm(in[t])},
			Write{i, lc.Type, "MLP", Norm(lc.MLPOut[t]), Norm(lc.AfterMixer[t])})
	}
	return out, nil
}
