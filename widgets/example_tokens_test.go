package widgets_test

import (
	"fmt"
	"os"

	"github.com/how-llms-work/course/llm/tiny"
	"github.com/how-llms-work/course/llm/tokenizer"
	"github.com/how-llms-work/course/widgets"
)

func ExampleTokens() {
	tok := tokenizer.MustParse(tiny.Tokenizer(), tiny.TokenizerConfig())
	chips := widgets.Tokens(tok, "The cat sat.\n<|im_end|>")
	widgets.Fprint(os.Stdout, chips)
	// Output:
	// [The|452] [·cat|3140] [·sat|1490] [.|13] [↵|198] [[<|im_end|>|4095]]
	// 6 tokens · 23 characters · 3.83 chars/token
}

func ExampleMerges() {
	tok := tokenizer.MustParse(tiny.Tokenizer(), tiny.TokenizerConfig())
	widgets.Fprint(os.Stdout, widgets.Merges(tok, " the"))
	// Output:
	// BPE on " the", merge by merge
	// step  0  bytes                          · | t | h | e
	// step  1  rank 0: · + t → ·t             ·t | h | e
	// step  2  rank 1: h + e → he             ·t | he
	// step  3  rank 4: ·t + he → ·the         ·the
}

func ExampleBars() {
	bs := widgets.Bars{
		Title:  "Characters per token",
		Series: []string{"tokenizer A", "tokenizer B"},
		Rows: []widgets.BarRow{
			{Label: "prose", Values: []float64{4.1, 3.6}},
			{Label: "code", Values: []float64{2.5, 2.9}},
		},
	}
	h, err := bs.HTML()
	fmt.Println(len(h) > 0, err)
	widgets.Fprint(os.Stdout, bs)
	// Output:
	// true <nil>
	// Characters per token
	// series: tokenizer A / tokenizer B
	// prose         4.10 ██████████████████████████████
	//               3.60 ██████████████████████████
	// code          2.50 ██████████████████
	//               2.90 █████████████████████
}
