package tokenizer

import (
	"os"
	"testing"
)

// BenchmarkLoadQwen3 measures loading the real 11 MB Qwen3 tokenizer.json,
// what every notebook cell that needs a tokenizer pays in a fresh process
// (goal: under 300 ms).
func BenchmarkLoadQwen3(b *testing.B) {
	_, path := qwen3(b)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadQwen3NoCache is BenchmarkLoadQwen3 parsing the JSON every
// time, as the first load of a tokenizer.json does.
func BenchmarkLoadQwen3NoCache(b *testing.B) {
	b.Setenv("LLM_TOKENIZER_CACHE", "off")
	BenchmarkLoadQwen3(b)
}
