package tokenizer_test

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm/tokenizer"
)

func ExampleTokenizer_Merges() {
	tok := tokenizer.MustLoad("testdata/tiny-a/tokenizer.json")
	bytes, steps := tok.Merges(" the")
	fmt.Printf("start %q\n", tok.Pieces(bytes))
	for _, st := range steps {
		fmt.Printf("rank %d: %q + %q → %q\n", st.Rank, tok.Piece(st.Left), tok.Piece(st.Right), tok.Pieces(st.IDs))
	}
	// Output:
	// start [" " "t" "h" "e"]
	// rank 0: " " + "t" → [" t" "h" "e"]
	// rank 2: "h" + "e" → [" t" "he"]
	// rank 4: " t" + "he" → [" the"]
}

func ExampleTokenizer_Census() {
	tok := tokenizer.MustLoad("testdata/tiny-a/tokenizer.json")
	c := tok.Census()
	fmt.Printf("%d ids: %d BPE tokens (%d of one byte), %d added\n", c.IDs, c.BPE, c.ByLength[1], c.Added)
	fmt.Printf("%d start with a space, %d are parts of a character\n", c.LeadingSpace, c.Partial)
	// Output:
	// 320 ids: 313 BPE tokens (256 of one byte), 7 added
	// 42 start with a space, 128 are parts of a character
}

func ExampleTrained_Smaller() {
	text := strings.Repeat("low lower lowest newer newest ", 10)
	tr, err := tokenizer.Train(text, 270, tokenizer.TrainOptions{})
	if err != nil {
		panic(err)
	}
	for _, n := range []int{256, 260, 264, 269} {
		small, err := tr.Smaller(n)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%d ids: %q\n", n, small.Pieces(small.Encode(" lowest")))
	}
	// Output:
	// 256 ids: [" " "l" "o" "w" "e" "s" "t"]
	// 260 ids: [" lo" "we" "s" "t"]
	// 264 ids: [" lowe" "st"]
	// 269 ids: [" lowest"]
}
