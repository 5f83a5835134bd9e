package widgets_test

import (
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func ExampleLaneMap() {
	widgets.MustShow(widgets.LaneMap{Heads: 8, KVHeads: 2})
	// Output:
	// 8 query heads → 2 KV heads (groups of 4)
	//   KV 0 ← Q0, Q1, Q2, Q3
	//   KV 1 ← Q4, Q5, Q6, Q7
}

func ExampleKVCalc() {
	cache := llm.KVCacheOf(llm.Qwen35Config(), 2) // bf16 keys and values
	widgets.MustShow(widgets.KVCalc{Cache: cache, Heads: 8, MaxTokens: 262144})
	// Output:
	// KV cache size
	//       tokens          MHA   GQA (this model)          MQA
	//        1,024     48.0 MiB           12.0 MiB      6.0 MiB
	//        4,096    192.0 MiB           48.0 MiB     24.0 MiB
	//       32,768      1.5 GiB          384.0 MiB    192.0 MiB
	//      262,144     12.0 GiB            3.0 GiB      1.5 GiB
	// MHA ÷ GQA = 4.0×, GQA ÷ MQA = 2.0×
}

func ExampleHeatGrid() {
	widgets.MustShow(widgets.HeatGrid{Title: "JS distance", Rows: []string{"Q0", "Q1"}, Cols: []string{"Q0", "Q1"},
		Values: [][]float64{{0, 0.3}, {0.3, 0}}, Mark: [][]bool{{false, true}, {true, false}}, MarkNote: "same KV head"})
	// Output:
	// JS distance
	//           Q0        Q1
	// Q0    0.000     0.300*
	// Q1    0.300*    0.000
	// * same KV head
}
