package train

// Micro returns the config of a micro Qwen3.5 model for notebook cells:
// hidden 32, 4 layers (3 Gated DeltaNet, then 1 gated attention), 2 query
// heads sharing 1 KV head of dim 16, DeltaNet 2 heads of dim 16, MLP 64,
// context 128. With a vocabulary of a few hundred tokens it has about 30k
// parameters and trains a few hundred steps in well under a minute.
func Micro(vocab int) *Config {
	return &Config{
		Hidden: 32, Layers: 4,
		LayerTypes: []LayerType{"linear_attention", "linear_attention", "linear_attention", "full_attention"},
		Heads:      2, KVHeads: 1, HeadDim: 16, RotaryDim: 4, RopeTheta: 1e7, MRopeSection: []int{1, 1, 0},
		LinearKeyHeads: 2, LinearValueHeads: 2, LinearKeyDim: 16, LinearValueDim: 16, ConvKernel: 4,
		Intermediate: 64, Vocab: vocab, RMSEps: 1e-6, TieEmbeddings: true, MaxPositions: 128,
	}
}

// NewMicro returns a trainer of a fresh Micro model (seeded by o.Seed) over
// the token stream data, for notebook cells:
//
//	tr, err := train.NewMicro(ids, tok.VocabSize(), train.Options{
//		Steps: 300, Batch: 4, SeqLen: 64, LR: 3e-3, Warmup: 30, Clip: 1, WeightDecay: 0.1, Seed: 1})
//	err = tr.Run(300, nil)
//	curve := tr.Curve()                         // training loss per step
//	per, _ := tr.Model.Losses([][]int{ids[:64]}) // loss of each next token
//
// Flip Warmup, Clip or WeightDecay to 0 to compare runs with and without
// them: the same seed gives the same data order and initial weights.
func NewMicro(data []int, vocab int, o Options) (*Trainer[float32], error) {
	return NewTrainer(NewModel[float32](Micro(vocab), o.Seed), data, o)
}

// MustMicro is NewMicro for notebook cells: it panics on error.
func MustMicro(data []int, vocab int, o Options) *Trainer[float32] {
	t, err := NewMicro(data, vocab, o)
	if err != nil {
		panic(err)
	}
	return t
}
