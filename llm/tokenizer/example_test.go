package tokenizer_test

import (
	"fmt"

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
