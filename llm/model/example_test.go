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
