package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

// The memory one sequence costs Qwen3.5-0.8B at 32,768 tokens, bf16: the
// hybrid against full attention in every layer.
func ExampleStateSizeOf() {
	cfg := llm.Qwen35Config()
	s := llm.StateSizeOf(cfg, 2)
	n := 32768
	fmt.Printf("hybrid %d MiB (of which %d KiB fixed), GQA everywhere %d MiB, MHA everywhere %d MiB\n",
		s.Size(n)>>20, s.Fixed()>>10, s.AllAttention(cfg.KVHeads).Size(n)>>20, s.AllAttention(cfg.Heads).Size(n)>>20)
	// Output:
	// hybrid 393 MiB (of which 9864 KiB fixed), GQA everywhere 1536 MiB, MHA everywhere 6144 MiB
}
