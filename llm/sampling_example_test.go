package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

func ExampleSampler_Kept() {
	logits := []float32{5.0, 4.9, 1.0, 0.5}
	for _, s := range []llm.Sampler{{Temperature: 1}, {Temperature: 1, TopP: 0.9}, {Temperature: 1, MinP: 0.5}} {
		fmt.Printf("%-28s", s.String()+":")
		for _, k := range s.Kept(logits) {
			fmt.Printf(" %d:%.3f", k.ID, k.Value)
		}
		fmt.Println()
	}
	// Output:
	// temperature 1, seed 0:       0:0.517 1:0.468 2:0.009 3:0.006
	// temperature 1, top-p 0.9, seed 0: 0:0.525 1:0.475
	// temperature 1, min-p 0.5, seed 0: 0:0.525 1:0.475
}

func ExampleRepeats() {
	words := []string{"a", "very", "special", "animal", "in", "a", "very", "special", "place"}
	for _, r := range llm.Repeats(words, 3) {
		fmt.Println(r.Gram, r.Count, r.At)
	}
	// Output:
	// [a very special] 2 [0 5]
}

func ExampleLookupDraft() {
	// "the cat sat . the cat" : after "the cat" came "sat ." before.
	seq := []int{1, 2, 3, 4, 1, 2}
	fmt.Println(llm.LookupDraft(seq, 2, 3))
	// Output:
	// [3 4 1]
}
