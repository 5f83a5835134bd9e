package train

import (
	"fmt"

	"github.com/how-llms-work/course/llm/model"
)

// FromBytes is Load from the bytes of a config.json and a
// model.safetensors (an embedded checkpoint, for instance).
func FromBytes[F Float](config, weights []byte) (*Model[F], error) {
	c, err := model.ParseConfig(config)
	if err != nil {
		return nil, err
	}
	m := newModel[F](c)
	m.adoptNames(weights)
	if _, err := m.readFlatBytes("model.safetensors", weights, m.Params, ""); err != nil {
		return nil, err
	}
	return m, nil
}

// GradMasked is Grad with a loss mask, the loss of supervised fine-tuning:
// the mean cross-entropy over the tokens ids[t] with mask[t] true (each
// predicted from the tokens before it), and its gradient written into grad.
// mask[0] is ignored (nothing predicts the first token). A sequence and its
// mask have the same length; at least one token must be counted.
// Sequences run one after another.
func (m *Model[F]) GradMasked(grad []F, seqs [][]int, masks [][]bool) (float64, error) {
	if len(grad) != len(m.Params) {
		return 0, fmt.Errorf("gradient has %d values, want %d", len(grad), len(m.Params))
	}
	if len(masks) != len(seqs) {
		return 0, fmt.Errorf("%d masks for %d sequences", len(masks), len(seqs))
	}
	total := 0
	for i, ids := range seqs {
		if err := checkIDs(m.Cfg, ids); err != nil {
			return 0, fmt.Errorf("sequence %d: %w", i, err)
		}
		if len(masks[i]) != len(ids) {
			return 0, fmt.Errorf("sequence %d: %d tokens but a mask of %d", i, len(ids), len(masks[i]))
		}
		for _, on := range masks[i][1:] {
			if on {
				total++
			}
		}
	}
	if total == 0 {
		return 0, fmt.Errorf("the masks count no token: mark at least one answer token")
	}
	scale := F(1 / float64(total))
	clear(grad)
	g := bind(m.Cfg, m.Tensors, grad)
	tp := newTape[F](m.Cfg)
	V := m.Cfg.Vocab
	var sum float64
	for i, ids := range seqs {
		m.forward(tp, ids)
		m.loss(tp)
		for t := 0; t+1 < len(ids); t++ {
			if masks[i][t+1] {
				sum += float64(tp.losses[t])
				continue
			}
			// A masked position: make its probabilities the one-hot target,
			// so that backward's p − onehot is zero there.
			row := tp.probs[t*V : (t+1)*V]
			clear(row)
			row[ids[t+1]] = 1
		}
		m.backward(tp, &g, scale)
	}
	return sum / float64(total), nil
}
