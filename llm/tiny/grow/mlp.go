package main

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/how-llms-work/course/llm/safetensors"
)

// Widening the MLP from m to n units keeps what the model computes: every
// layer's gate_proj and up_proj ([m, hidden]) get n − m new rows, random
// with the root mean square of the matrix's existing rows, and its
// down_proj ([hidden, m]) n − m new columns of zeros, so the new units'
// outputs are multiplied by zero until training moves those columns. The
// gradient reaches the zero columns at once (the new units are active),
// and through them the new rows. The tensors come out in F32.

// widenMLP returns the tensors with every layer's MLP widened from m to n
// units, the random rows drawn from seed.
func widenMLP(tensors []*safetensors.Tensor, m, n int, seed uint64) ([]*safetensors.Tensor, error) {
	if n <= m {
		return nil, fmt.Errorf("-mlp %d: want more than the %d units the model has", n, m)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d6c70))
	out := make([]*safetensors.Tensor, 0, len(tensors))
	for _, t := range tensors {
		field, ok := layerField(t.Name)
		if !ok || !strings.HasPrefix(field, "mlp.") {
			out = append(out, t)
			continue
		}
		v := t.Float32()
		if v == nil {
			return nil, fmt.Errorf("%s: dtype %s is not a float type", t.Name, t.DType)
		}
		if len(t.Shape) != 2 {
			return nil, fmt.Errorf("%s: shape %v is not a matrix", t.Name, t.Shape)
		}
		rows, cols := t.Shape[0], t.Shape[1]
		var w []float32
		var shape []int
		switch field {
		case "mlp.gate_proj.weight", "mlp.up_proj.weight":
			if rows != m {
				return nil, fmt.Errorf("%s: shape %v, want %d rows", t.Name, t.Shape, m)
			}
			sigma := rms(v)
			w = append(make([]float32, 0, n*cols), v...)
			for range (n - m) * cols {
				w = append(w, float32(rng.NormFloat64()*sigma))
			}
			shape = []int{n, cols}
		case "mlp.down_proj.weight":
			if cols != m {
				return nil, fmt.Errorf("%s: shape %v, want %d columns", t.Name, t.Shape, m)
			}
			w = make([]float32, rows*n)
			for r := range rows {
				copy(w[r*n:], v[r*m:(r+1)*m])
			}
			shape = []int{rows, n}
		default:
			return nil, fmt.Errorf("%s: no rule to widen this MLP tensor", t.Name)
		}
		out = append(out, &safetensors.Tensor{Name: t.Name, DType: safetensors.F32, Shape: shape, Data: f32Bytes(w)})
	}
	return out, nil
}
