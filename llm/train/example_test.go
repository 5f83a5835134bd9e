package train_test

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm/train"
)

// A micro model learns a repeating pattern: the loss starts at ln(vocab)
// and falls as the steps go by.
func ExampleNewMicro() {
	var ids []int
	for i := 0; i < 2000; i++ {
		ids = append(ids, (i*i)%7+3*(i%2))
	}
	tr := train.MustMicro(ids, 16, train.Options{Steps: 60, Batch: 2, SeqLen: 32, LR: 1e-2, Warmup: 10, Clip: 1, WeightDecay: 0.1, Seed: 1})
	if err := tr.Run(60, nil); err != nil {
		panic(err)
	}
	curve := tr.Curve()
	fmt.Println("first step within 0.2 of ln 16:", math.Abs(curve[0]-math.Log(16)) < 0.2)
	fmt.Println("last step below 1 nat:", curve[len(curve)-1] < 1)
	// Output:
	// first step within 0.2 of ln 16: true
	// last step below 1 nat: true
}

// The gradient of the mean next-token loss, one flat vector with the
// checkpoint's layout: Tensors says which slice belongs to which tensor.
func ExampleModel_Grad() {
	m := train.NewModel[float64](train.Micro(32), 1)
	g := make([]float64, len(m.Params))
	loss, err := m.Grad(g, [][]int{{1, 2, 3, 4, 5}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("loss %.1f nats over 4 predictions; %d tensors, %d numbers\n", loss, len(m.Tensors), len(g))
	fmt.Println(m.Tensors[0].Name, m.Tensors[0].Shape)
	// Output:
	// loss 3.5 nats over 4 predictions; 55 tensors, 46972 numbers
	// model.language_model.embed_tokens.weight [32 32]
}
