package model

import (
	"fmt"
)

func ExampleConfig_Params() {
	c := MustLoadConfig("testdata/qwen35-0.8b-config.json")
	p := c.Params()
	fmt.Println("text       ", p.Text)
	fmt.Println("text+vision", p.TextVision)
	fmt.Println("deltanet   ", p.DeltaNet)
	// Output:
	// text        752393024
	// text+vision 852985920
	// deltanet    189778752
}

func ExampleModel_ForwardCapture() {
	m := MustOpen("testdata/tiny-a")
	defer m.Close()
	var c Capture
	if _, err := m.ForwardCapture(m.NewState(), []int{314, 149, 286}, &c); err != nil {
		panic(err)
	}
	probs := c.Layers[3].Attention[0] // layer 3 is full attention; head 0
	fmt.Println(len(probs), len(probs[2]), c.Layers[0].Type, len(c.Layers[0].Beta[0]))
	// Output: 3 3 linear_attention 4
}

func ExampleState_Clone() {
	m := MustOpen("testdata/tiny-a")
	defer m.Close()
	st := m.NewState()
	m.Forward(st, []int{314, 149, 286, 5, 100, 182, 48, 262}) // the prompt
	branch := st.Clone()                                      // snapshot after the prompt

	a, _ := m.Forward(st, []int{39})     // one continuation
	b, _ := m.Forward(branch, []int{10}) // another, from the same point
	fmt.Println(st.Len(), branch.Len(), argmax(a) == argmax(b))
	// Output: 9 9 false
}

// Two tokens, one head of two dims: the second token's query is closer to
// its own key than to the first token's, so it attends more to itself, and
// its output leans towards its own value.
func ExampleAttendHead() {
	q := []float32{0, 2}                    // token 1's query
	keys := [][]float32{{1, 0}, {0, 1}}     // tokens 0 and 1
	values := [][]float32{{10, 0}, {0, 10}} // what each token passes on
	out, probs := MustAttendHead(q, keys, values)
	fmt.Printf("p = %.3f, o = %.2f\n", probs, out)
	// Output: p = [0.196 0.804], o = [1.96 8.04]
}

// One head with a key and value dimension of 2: the state starts empty,
// so the first step stores v under k, and reading with q = k returns it,
// scaled by β.
func ExampleDeltaRule() {
	St := make([]float32, 2*2) // Sᵀ, [value dim][key dim]
	k := []float32{1, 0}
	v := []float32{3, -1}
	o := MustDeltaRule(St, k, k, v, 0.9, 0.5)
	fmt.Println(o, St)
	// Output: [1.5 -0.5] [1.5 0 -0.5 0]
}
