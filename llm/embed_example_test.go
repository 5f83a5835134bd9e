package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

func ExampleCosine() {
	a, b := []float32{3, 4}, []float32{4, 3}
	fmt.Printf("a·b = %.0f, |a| = %.0f, |b| = %.0f, cos = %.2f\n", llm.Dot(a, b), llm.Norm(a), llm.Norm(b), llm.Cosine(a, b))
	// Output: a·b = 24, |a| = 5, |b| = 5, cos = 0.96
}

func ExampleEmbeddings_Nearest() {
	m := llm.MustLoad("tiny")
	e := m.MustEmbeddings()
	fmt.Printf("%d × %d %s, %d bytes\n", e.Vocab, e.Hidden, e.DType, e.Bytes())
	said, _ := e.Token(" said")
	for _, n := range e.MustNearest(e.MustRow(said), 3, said) {
		fmt.Printf("%q %.2f\n", n.Piece, n.Cosine)
	}
	// Output:
	// 4096 × 256 BF16, 2097152 bytes
	// " told" 0.84
	// " added" 0.82
	// " says" 0.82
}

func ExampleEmbeddings_Analogy() {
	e := llm.MustLoad("tiny").MustEmbeddings()
	best := e.MustAnalogy(" he", " man", " woman", 1)[0]
	fmt.Printf("he − man + woman ≈ %q\n", best.Piece)
	_, err := e.Analogy(" king", " man", " woman", 1)
	fmt.Println(err)
	// Output:
	// he − man + woman ≈ " she"
	// llm: " king" is 2 tokens in this vocabulary (" k" + "ing"), not one
}

func ExampleFitPCA() {
	rows := [][]float32{{0, 0, 1}, {2, 2, 1}, {4, 4, 1}, {1, 1.2, 1}}
	p := llm.MustPCA(rows, 1)
	fmt.Printf("direction %.2f explains %.3f of the variance\n", p.Components[0], p.Explained()[0])
	fmt.Printf("coordinates %.2f\n", p.Coords)
	// Output:
	// direction [0.71 0.70 0.00] explains 0.999 of the variance
	// coordinates [[-2.51] [0.32] [3.15] [-0.96]]
}

func ExamplePass_Stream() {
	m := llm.MustLoad("tiny")
	river := m.MustRun("They had a picnic on the river bank").MustStream(-1)
	money := m.MustRun("My rent is paid straight from the bank").MustStream(-1)
	cos, _ := llm.StreamCosines(river, money)
	fmt.Printf("%s: %.2f\n", river[0].Name, cos[0])
	fmt.Println(len(cos)-2, "layers later, the two banks differ:", cos[len(cos)-1] < 0.99)
	// Output:
	// embedding: 1.00
	// 12 layers later, the two banks differ: true
}
