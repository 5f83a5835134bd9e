package train

// Micro returns the config of a micro Qwen3.5 model for notebook cells:
// hidden 32, 4 layers (3 Gated DeltaNet, then 1 gated attention), 2 query
// heads sharing 1 KV head of dim 16, DeltaNet 2 heads of dim 16, MLP 64,
// context 128. With a vocabulary of a few hundred tokens it has about 30k
// parameters and trains a few hundred steps in well under a minute.
func Micro(vocab int) *Config {
	return &Config{
		Hidden: 32, Layers: 4,
		LayerTypes: []string{"linear_attention", "linear_attention", "linear_attention", "full_attention"},
		Heads:      2, KVHeads: 1, HeadDim: 16, RotaryDim: 4, RopeTheta: 1e7, MRopeSection: []int{1, 1, 0},
		LinearKeyHeads: 2, LinearValueHeads: 2, LinearKeyDim: 16, LinearValueDim: 16, ConvKernel: 4,
		Intermediate: 64, Vocab: vocab, RMSEps: 1e-6, TieEmbeddings: true, MaxPositions: 128,
	}
}
