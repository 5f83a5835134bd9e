package model

import (
	"fmt"

	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/simd"
)

// QuantizeQ8 gives the model 8-bit weights for every product with a single
// token's activations: all of decode, and the LM head of a prefill's last
// position. Every BF16 matrix, the LM head included, gets a Q8_0-style copy
// (blocks of 32 weights as int8 with one float32 scale, 1.125 bytes a weight
// instead of 2; simd.Q8). Decode is bound by memory bandwidth, so it runs
// up to 1.78× faster. Products over several tokens (the layers of a prefill)
// keep the BF16 matrices, so the model holds both: about 0.85 GB more for
// Qwen3.5-0.8B.
//
// The price is accuracy: each weight moves by up to half its block's scale,
// and the logits no longer match the float32 references within the
// fixtures' 2e-3 (BENCHMARKS.md measures by how much). Call it once, before
// the passes that should use it; it waits for a running pass. A second call
// does nothing.
func (m *Model) QuantizeQ8() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var mats []*Linear
	for _, l := range m.decodeMatrices() {
		if l.DType == safetensors.BF16 && l.q8 == nil && l.Rows > 0 {
			mats = append(mats, l)
		}
	}
	// The matrices are independent: quantise them on the pool's threads.
	q := make([]*simd.Q8, len(mats))
	errs := make([]error, len(mats))
	m.pool.For(len(mats), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			q[i], errs[i] = simd.QuantizeQ8(mats[i].u16, mats[i].Rows, mats[i].Cols)
		}
	})
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("model: QuantizeQ8: matrix %d of %d [%d, %d]: %w", i+1, len(mats), mats[i].Rows, mats[i].Cols, err)
		}
	}
	for i, l := range mats {
		l.q8 = q[i]
	}
	return nil
}

// Quantized reports whether QuantizeQ8 has given decode 8-bit weights.
func (m *Model) Quantized() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.decodeMatrices()[0].q8 != nil // the LM head
}
