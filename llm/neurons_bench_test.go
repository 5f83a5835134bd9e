package llm

import "testing"

// BenchmarkRecordNeurons records every MLP activation of the embedded
// model over 512 tokens of the embedded texts (4 windows of 128).
func BenchmarkRecordNeurons(b *testing.B) {
	m := mlpModel(b)
	texts := EmbeddedTexts()
	b.ReportAllocs()
	for b.Loop() {
		m.MustRecordNeurons(texts, 512, nil)
	}
	b.ReportMetric(float64(512*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkNeuronSearch scores every unit of the embedded model, both
// signs, against the digit pattern over 2,000 recorded tokens.
func BenchmarkNeuronSearch(b *testing.B) {
	m := mlpModel(b)
	rec := m.MustRecordNeurons(EmbeddedTexts(), 2000, nil)
	for b.Loop() {
		rec.MustSearch(Digits, 3)
	}
}
