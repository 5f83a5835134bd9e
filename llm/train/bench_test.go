package train

import "testing"

// tinyShapes is the embedded default model's architecture (llm/tiny):
// hidden 128, 8 layers (3 DeltaNet : 1 attention), MLP 384, 4 query heads
// sharing 1 KV head of dim 32, DeltaNet 4/4 heads of dim 32, vocab 4096.
func tinyShapes() *Config {
	lt := []LayerType{"linear_attention", "linear_attention", "linear_attention", "full_attention"}
	return &Config{
		Hidden: 128, Layers: 8, LayerTypes: append(append([]LayerType{}, lt...), lt...),
		Heads: 4, KVHeads: 1, HeadDim: 32, RotaryDim: 8, RopeTheta: 1e7,
		LinearKeyHeads: 4, LinearValueHeads: 4, LinearKeyDim: 32, LinearValueDim: 32, ConvKernel: 4,
		Intermediate: 384, Vocab: 4096, RMSEps: 1e-6, TieEmbeddings: true, MaxPositions: 256,
	}
}

// BenchmarkTrainStep measures one forward+backward+AdamW step of the tiny
// model on 2 sequences of 256 tokens, reporting tokens/s and GFLOP/s.
func BenchmarkTrainStep(b *testing.B) {
	c := tinyShapes()
	data := make([]int, 10000)
	for i := range data {
		data[i] = (i*7919 + i/3) % c.Vocab
	}
	const batch, T = 2, 256
	tr, err := NewTrainer(NewModel[float32](c, 1), data, Options{Steps: 1 << 30, Batch: batch, SeqLen: T, LR: 1e-3, Clip: 1, WeightDecay: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	tps := float64(b.N*batch*(T-1)) / b.Elapsed().Seconds()
	b.ReportMetric(tps, "tok/s")
	b.ReportMetric(tps*FlopsPerToken(c, T)/1e9, "GFLOP/s")
}

// BenchmarkMicroCell is one notebook cell of chapters 13–14: a fresh Micro
// model over a 4096-token vocabulary trained for 300 steps of 4×64 tokens.
func BenchmarkMicroCell(b *testing.B) {
	data := make([]int, 50000)
	for i := range data {
		data[i] = (i*7919 + i/3) % 4096
	}
	for b.Loop() {
		tr := MustMicro(data, 4096, Options{Steps: 300, Batch: 4, SeqLen: 64, LR: 3e-3, Warmup: 30, Clip: 1, WeightDecay: 0.1, Seed: 1})
		if err := tr.Run(300, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/cell")
}
