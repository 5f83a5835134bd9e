package widgets_test

import (
	"math"
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

// TestTopProbBarsMatchesSampler checks the bars chapter 1 shows for the
// model's real next-token distribution against the sampler Generate uses:
// the bars list the top 8 and summarise the rest of the vocabulary in a
// histogram, so away from T = 1 they agree to a few thousandths, at T = 1
// exactly.
func TestTopProbBarsMatchesSampler(t *testing.T) {
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	logits := m.Logits(m.Encode("The cat sat on the"))
	bars := widgets.TopProbBars(logits, 8, m.Piece)
	if _, err := bars.HTML(); err != nil {
		t.Fatal(err)
	}
	top := m.Top(logits, 8)
	for i, c := range bars.Candidates {
		if c != top[i] {
			t.Errorf("bar %d is %+v, m.Top says %+v", i, c, top[i])
		}
	}
	for _, temp := range []float64{0.5, 0.8, 1, 1.5} {
		tol := 5e-3
		if temp == 1 {
			tol = 1e-6
		}
		before, _, _, _ := bars.Probs(temp, 0, 1)
		want := llm.Sampler{Temperature: temp}.Probs(logits)
		for i, c := range bars.Candidates {
			if math.Abs(before[i]-float64(want[c.ID])) > tol {
				t.Errorf("T=%g: p(%q) bars %.5f, llm.Sampler %.5f", temp, c.Piece, before[i], want[c.ID])
			}
		}
	}
}

// TestTopWidgetsReportBadLogits checks that TopSoftmax and TopProbBars,
// which cannot fail, carry the error to the rendering.
func TestTopWidgetsReportBadLogits(t *testing.T) {
	for name, logits := range map[string][]float32{"empty": {}, "NaN": {1, float32(math.NaN())}, "huge": {1, 1e6}} {
		for _, w := range []widgets.Widget{widgets.TopSoftmax(logits, 3, nil), widgets.TopProbBars(logits, 3, nil)} {
			if _, err := w.HTML(); err == nil {
				t.Errorf("%s logits: %T renders", name, w)
			}
			if _, err := w.Text(); err == nil {
				t.Errorf("%s logits: %T renders as text", name, w)
			}
		}
	}
	if _, err := widgets.TopSoftmax([]float32{1, 2, 3}, 0, nil).HTML(); err == nil || !strings.Contains(err.Error(), "k = 0") {
		t.Errorf("k = 0: %v", err)
	}
}

func TestDownloadBar(t *testing.T) {
	var out strings.Builder
	bar := widgets.DownloadBar(&out)
	bar(llm.Progress{File: "model.safetensors", Done: 0, Total: 2000})
	bar(llm.Progress{File: "model.safetensors", Done: 2000, Total: 2000, Finished: true})
	bar(llm.Progress{File: "tokenizer.json", Done: 10, Total: -1})
	bar(llm.Progress{File: "tokenizer.json", Done: 20, Total: -1, Finished: true})
	s := out.String()
	for _, want := range []string{"downloading model.safetensors", "100% 2.0 KB / 2.0 KB", "downloading tokenizer.json 20 B"} {
		if !strings.Contains(s, want) {
			t.Errorf("download bar output lacks %q:\n%q", want, s)
		}
	}
	if n := strings.Count(s, "\n"); n != 2 {
		t.Errorf("download bar ended %d lines, want one per file:\n%q", n, s)
	}
}

func TestLoad(t *testing.T) {
	m := widgets.MustLoad("tiny")
	defer m.Close()
	if m.Name != llm.Tiny || m.Vocab() == 0 {
		t.Errorf("MustLoad(\"tiny\") = %s", m)
	}
	if _, err := widgets.Load("./no/such/folder"); err == nil {
		t.Error("Load of a missing folder succeeded")
	}
}

func TestFloat64s(t *testing.T) {
	if f := widgets.Float64s([]float32{0.5, -2}); len(f) != 2 || f[0] != 0.5 || f[1] != -2 {
		t.Errorf("Float64s = %v", f)
	}
}
