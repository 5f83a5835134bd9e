package tokenizer_test

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm/tokenizer"
)

func Example() {
	tok, err := tokenizer.Load("testdata/tiny-a/tokenizer.json")
	if err != nil {
		panic(err)
	}
	ids := tok.Encode("The model reads")
	fmt.Println(ids)
	fmt.Printf("%q\n", tok.Pieces(ids))
	fmt.Println(tok.Decode(ids))
	// Output:
	// [51 258 278 78 305 220 271 64 67 82]
	// ["T" "he" " m" "o" "del" " " "re" "a" "d" "s"]
	// The model reads
}

func ExampleTokenizer_Trace() {
	tok := tokenizer.MustLoad("testdata/tiny-a/tokenizer.json")
	for _, step := range tok.Trace(" the") {
		fmt.Printf("%-3d %q\n", step.Rank, tok.Pieces(step.IDs))
	}
	// Output:
	// -1  [" " "t" "h" "e"]
	// 0   [" t" "h" "e"]
	// 2   [" t" "he"]
	// 4   [" the"]
}

func ExampleTokenizer_NewStreamDecoder() {
	tok := tokenizer.MustLoad("testdata/tiny-a/tokenizer.json")
	ids := tok.Encode("né!")
	d := tok.NewStreamDecoder()
	for _, id := range ids {
		fmt.Printf("%-8q -> %q\n", tok.Piece(id), d.Add(id))
	}
	fmt.Printf("flush    -> %q\n", d.Flush())
	// Output:
	// "n"      -> "n"
	// "<0xC3>" -> ""
	// "<0xA9>" -> "é"
	// "!"      -> "!"
	// flush    -> ""
}

func ExampleTokenizer_Chat() {
	tok := tokenizer.MustLoad("testdata/tiny-a/tokenizer.json")
	msgs := []tokenizer.Message{{Role: "user", Content: "Hi"}}
	text := tok.Chat(msgs, tokenizer.ChatOptions{GenerationPrompt: true})
	fmt.Printf("%q\n", text)
	fmt.Println(tok.Encode(text))
	// Output:
	// "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
	// [314 84 82 263 198 39 72 315 198 314 64 82 82 72 82 83 64 77 83 198]
}

func ExampleTrain() {
	text := strings.Repeat("the cat sat on the mat with the other cat. ", 20)
	tr, err := tokenizer.Train(text, 256+6+1, tokenizer.TrainOptions{Special: []string{"<|endoftext|>"}})
	if err != nil {
		panic(err)
	}
	tok := tr.Tokenizer
	for _, m := range tr.Merges {
		fmt.Printf("%q + %q -> %q (%d times)\n", tok.Piece(m.Left), tok.Piece(m.Right), tok.Piece(m.ID), m.Count)
	}
	fmt.Printf("%q\n", tok.Pieces(tok.Encode("the cat<|endoftext|>")))
	// Output:
	// "t" + "h" -> "th" (100 times)
	// "a" + "t" -> "at" (80 times)
	// "th" + "e" -> "the" (80 times)
	// " " + "the" -> " the" (59 times)
	// "c" + "at" -> "cat" (40 times)
	// " " + "o" -> " o" (40 times)
	// ["the" " " "cat" "<|endoftext|>"]
}
