package widgets_test

import (
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func TestAdaptersFromLLM(t *testing.T) {
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	tr, err := m.Generate("The cat sat on the", llm.Greedy(), llm.MaxTokens(3))
	if err != nil {
		t.Fatal(err)
	}
	tv := widgets.FromTrace(tr)
	if len(tv.Steps) != len(tr.Steps) || len(tv.Prompt) != len(tr.PromptIDs) {
		t.Fatalf("trace view has %d steps and %d prompt pieces, want %d and %d", len(tv.Steps), len(tv.Prompt), len(tr.Steps), len(tr.PromptIDs))
	}
	for i, st := range tr.Steps {
		if tv.Steps[i].Chosen.ID != st.ID || tv.Steps[i].Candidates[0].ID != st.Candidates[0].ID {
			t.Errorf("step %d: view chose %d (top %d), trace %d (top %d)", i, tv.Steps[i].Chosen.ID, tv.Steps[i].Candidates[0].ID, st.ID, st.Candidates[0].ID)
		}
	}

	pass, err := m.Run("The cat sat on the")
	if err != nil {
		t.Fatal(err)
	}
	j := widgets.FromPass(pass, m.Name)
	if len(j.Layers) != m.Config().Layers || j.Chosen.ID != llm.Argmax(pass.Logits) || len(j.Embedding) != m.Config().Hidden {
		t.Fatalf("journey: %d layers, chose %d, embedding %d; want %d, %d, %d", len(j.Layers), j.Chosen.ID, len(j.Embedding), m.Config().Layers, llm.Argmax(pass.Logits), m.Config().Hidden)
	}
	full := 0
	for i, l := range j.Layers {
		if m.Config().IsFullAttention(i) != (l.Kind == "full attention") {
			t.Errorf("layer %d kind %q", i, l.Kind)
		}
		if m.Config().IsFullAttention(i) {
			full++
		}
	}
	if full == 0 {
		t.Error("no full-attention layer in the journey")
	}

	w := widgets.WeightsAndActivations(m.Params(), pass)
	var weights int64
	for _, c := range w.Weights {
		weights += c.N
	}
	if weights != m.Params().Text {
		t.Errorf("weights by component add up to %d, the text model has %d", weights, m.Params().Text)
	}
	if len(w.Activations) != len(pass.Activations()) {
		t.Errorf("%d activation rows, the pass lists %d", len(w.Activations), len(pass.Activations()))
	}

	steps, err := llm.FitLine(llm.NoisyLine(10, 2, -1, 0.5, 1), 0.05, 20)
	if err != nil {
		t.Fatal(err)
	}
	f := widgets.FromFit(llm.NoisyLine(10, 2, -1, 0.5, 1), steps)
	if len(f.Points) != 10 || len(f.Steps) != len(steps) || f.Steps[5].Loss != steps[5].Loss {
		t.Fatalf("fit plot %d points, %d steps", len(f.Points), len(f.Steps))
	}

	for _, wd := range []widgets.Widget{tv, j, w, f} {
		h, err := wd.HTML()
		if err != nil {
			t.Fatalf("%T: %v", wd, err)
		}
		if !strings.Contains(h, "<svg") && !strings.Contains(h, "<table") {
			t.Errorf("%T renders no table or chart", wd)
		}
	}
}
