package llm

import (
	"fmt"
	"slices"

	"github.com/how-llms-work/course/llm/tiny"
	"github.com/how-llms-work/course/llm/train"
)

// SFTMaxParams bounds the models NewSFT fine-tunes: a notebook cell trains
// on two CPU cores, so larger models are refused rather than left running.
const SFTMaxParams = 50_000_000

// SFT fine-tunes a copy of a model on prompt/answer pairs with the SFT loss
// mask (only the answers' tokens count), full batch, with AdamW. The model
// it was made from is not changed.
type SFT struct {
	net    *train.Model[float32]
	opt    *train.AdamW[float32]
	grad   []float32
	seqs   [][]int
	masks  [][]bool
	stop   int
	encode func(string) []int
	decode func([]int) string
	// Losses holds the masked loss before each step taken.
	Losses []float64
}

// NewSFT prepares fine-tuning of a float32 copy of m on pairs of (prompt,
// answer) texts; each is encoded on its own and joined, and the answer's
// tokens are the ones counted. Generation in [SFT.Reply] stops at
// <|im_end|>. Models over SFTMaxParams are refused.
func (m *Model) NewSFT(pairs [][2]string) (*SFT, error) {
	if p := m.Params().Text; p > SFTMaxParams {
		return nil, fmt.Errorf("llm: SFT: %s has %d parameters; fine-tuning in a notebook is limited to %d (the embedded model)", m.Name, p, SFTMaxParams)
	}
	stop, ok := m.Tok.ID("<|im_end|>")
	if !ok {
		return nil, fmt.Errorf("llm: SFT: the tokenizer of %s has no <|im_end|>", m.Name)
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("llm: SFT: no examples")
	}
	var net *train.Model[float32]
	var err error
	if m.Dir == "" {
		net, err = train.FromBytes[float32](tiny.Config(), tiny.Weights())
	} else {
		net, err = train.Load[float32](m.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("llm: SFT: %w", err)
	}
	s := &SFT{net: net, opt: train.NewAdamW(net, train.AdamWConfig{}), grad: make([]float32, len(net.Params)),
		stop: stop, encode: m.Encode, decode: m.Decode}
	for i, pa := range pairs {
		p, a := m.Encode(pa[0]), m.Encode(pa[1])
		if len(p) == 0 || len(a) == 0 {
			return nil, fmt.Errorf("llm: SFT: example %d: the prompt has %d tokens and the answer %d: both need at least one", i, len(p), len(a))
		}
		mask := make([]bool, len(p)+len(a))
		for j := len(p); j < len(mask); j++ {
			mask[j] = true
		}
		s.seqs = append(s.seqs, append(slices.Clone(p), a...))
		s.masks = append(s.masks, mask)
	}
	return s, nil
}

// MustSFT is NewSFT for notebook cells: it panics with its error.
func (m *Model) MustSFT(pairs [][2]string) *SFT {
	s, err := m.NewSFT(pairs)
	if err != nil {
		panic(err)
	}
	return s
}

// Step takes one AdamW step at learning rate lr on all the examples and
// returns the masked loss before it.
func (s *SFT) Step(lr float64) (float64, error) {
	loss, err := s.net.GradMasked(s.grad, s.seqs, s.masks)
	if err != nil {
		return 0, fmt.Errorf("llm: SFT: %w", err)
	}
	train.ClipGlobalNorm(s.grad, 1)
	s.opt.Step(s.net.Params, s.grad, lr)
	s.Losses = append(s.Losses, loss)
	return loss, nil
}

// Reply continues prompt greedily with the fine-tuned copy for at most max
// tokens, stopping after <|im_end|>, and returns the new text.
func (s *SFT) Reply(prompt string, max int) string {
	ids := s.encode(prompt)
	n := len(ids)
	V := s.net.Cfg.Vocab
	for range max {
		if len(ids) >= s.net.Cfg.MaxPositions {
			break
		}
		logits, err := s.net.Logits(ids)
		if err != nil {
			break
		}
		next := Argmax(logits[(len(ids)-1)*V:])
		ids = append(ids, next)
		if next == s.stop {
			break
		}
	}
	return s.decode(ids[n:])
}

// MustStep is Step for notebook cells: it panics with its error.
func (s *SFT) MustStep(lr float64) float64 {
	loss, err := s.Step(lr)
	if err != nil {
		panic(err)
	}
	return loss
}
