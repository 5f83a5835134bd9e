package llm

import "fmt"

// Stage is the residual stream of one position at one point of a forward
// pass: the embedding row entering layer 1, the output of each layer, and
// the final hidden state after the final norm (what the LM head reads).
type Stage struct {
	Name string    // "embedding", "layer 3", "final norm"
	Vec  []float32 // [Hidden]
}

// Stream returns the vector of position pos (0-based; −1 is the last) at
// every stage of the pass: the embedding, after each of the layers, and
// after the final norm. The embedding stage depends only on the token; every
// later stage depends on the tokens before it too.
func (p *Pass) Stream(pos int) ([]Stage, error) {
	n := len(p.IDs)
	if pos < 0 {
		pos += n
	}
	if pos < 0 || pos >= n {
		return nil, fmt.Errorf("llm: position %d outside the prompt's %d tokens", pos, n)
	}
	c := p.Capture
	if c == nil || len(c.Embedding) != n || len(c.Hidden) != n {
		return nil, fmt.Errorf("llm: the pass has no capture of its %d positions (make it with Model.Run)", n)
	}
	st := []Stage{{"embedding", c.Embedding[pos]}}
	for i, l := range c.Layers {
		if len(l.Residual) != n {
			return nil, fmt.Errorf("llm: layer %d captured %d positions, want %d", i+1, len(l.Residual), n)
		}
		st = append(st, Stage{fmt.Sprintf("layer %d", i+1), l.Residual[pos]})
	}
	return append(st, Stage{"final norm", c.Hidden[pos]}), nil
}

// MustStream is Stream for notebook cells: it panics with its error.
func (p *Pass) MustStream(pos int) []Stage {
	s, err := p.Stream(pos)
	if err != nil {
		panic(err)
	}
	return s
}

// StreamCosines returns, stage by stage, the cosine similarity of two
// streams (from Stream) of the same model.
func StreamCosines(a, b []Stage) ([]float64, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("llm: streams of %d and %d stages: were they computed by the same model?", len(a), len(b))
	}
	out := make([]float64, len(a))
	for i := range a {
		if len(a[i].Vec) != len(b[i].Vec) {
			return nil, fmt.Errorf("llm: stage %s: vectors of %d and %d values", a[i].Name, len(a[i].Vec), len(b[i].Vec))
		}
		out[i] = Cosine(a[i].Vec, b[i].Vec)
	}
	return out, nil
}
