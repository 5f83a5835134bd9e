package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

// The tying ledger of Qwen3.5-0.8B's published config.
func ExampleTyingOf() {
	t := llm.TyingOf(llm.Qwen35Config())
	fmt.Println(t.Tied, t.Matrix, t.SavedBytes())
	fmt.Printf("%.1f%% of the tied text model\n", 100*t.Share())
	// Output:
	// true 254279680 508559360
	// 33.8% of the tied text model
}

// A display that softmaxes only the top 2 of four logits overstates both.
func ExampleTopRenorm() {
	r := llm.TopRenorm([]float32{2, 1, 0, 0}, 2, nil)
	fmt.Printf("true %.3f %.3f, shown %.3f %.3f, misreported %.3f\n", r.Top[0].Prob, r.Top[1].Prob, r.Shown[0], r.Shown[1], r.Misreported())
	// Output:
	// true 0.610 0.225, shown 0.731 0.269, misreported 0.165
}

// The logit lens at the last boundary is the model's own output.
func ExampleModel_LogitLens() {
	m := llm.MustLoad("tiny")
	p := m.MustRun("The cat sat on the")
	l := m.MustLogitLens(p, 3)
	fmt.Println(len(l.Cells) == m.Config().Layers+1, l.Answer.ID == p.Top[0].ID)
	// Output:
	// true true
}

// The head reads an input token's own embedding row through the final
// norm: the norm's gain turns the vector away from that row, so the token
// need not read as itself.
func ExampleModel_SelfReads() {
	m, err := llm.LoadTiny()
	if err != nil {
		panic(err)
	}
	rs := m.MustSelfReads(m.MustRun("The capital of France is"))
	below := 0
	for _, r := range rs {
		if r.Cos < 1-1e-6 {
			below++
		}
	}
	fmt.Printf("%d positions, %d with the normed vector turned away from its own row\n", len(rs), below)
	// Output: 5 positions, 5 with the normed vector turned away from its own row
}
