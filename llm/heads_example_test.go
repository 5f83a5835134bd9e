package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

func ExampleKVCache() {
	cfg := llm.Qwen35Config()
	gqa := llm.KVCacheOf(cfg, 2) // bf16: 2 bytes a number
	fmt.Println(gqa.Layers, "full-attention layers,", gqa.KVHeads, "KV heads of", gqa.HeadDim)
	fmt.Println("per token:", gqa.PerToken(), "bytes; at 32k tokens:", gqa.Size(32768)>>20, "MiB")
	fmt.Println("MHA would hold", gqa.With(cfg.Heads).Size(32768)/gqa.Size(32768), "times as much")
	// Output:
	// 6 full-attention layers, 2 KV heads of 256
	// per token: 12288 bytes; at 32k tokens: 384 MiB
	// MHA would hold 4 times as much
}

func ExampleLanes() {
	fmt.Println(llm.Lanes(llm.Qwen35Config())) // the KV head each query head reads
	// Output:
	// [0 0 0 0 1 1 1 1]
}

func ExampleJSDistance() {
	p := []float32{0.5, 0.5, 0}
	fmt.Printf("%.3f %.3f %.3f\n", llm.JSDistance(p, p), llm.JSDistance(p, []float32{0.5, 0, 0.5}), llm.JSDistance(p, []float32{0, 0, 1}))
	// Output:
	// 0.000 0.707 1.000
}
