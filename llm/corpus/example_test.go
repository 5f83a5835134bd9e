package corpus_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm/corpus"
)

func ExampleClean() {
	fmt.Print(corpus.Clean("\tThe/at jury/nn said/vbd ,/, ``/`` it/pps deserves/vbz praise/nn ''/'' ./.\n"))
	// Output: The jury said, "it deserves praise".
}
