package llm

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
)

// The fixture's greedy16 generation (see testdata/README.md).
var (
	greedyPrompt = []int{314, 149, 286, 5, 100, 182, 48, 262}
	greedyIDs    = []int{39, 10, 18, 76, 23, 44, 115, 94, 44, 44, 60, 60, 196, 196, 196, 269}
)

func tinyA(t testing.TB) *Model {
	t.Helper()
	m, err := LoadDir("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestGreedyMatchesFixture(t *testing.T) {
	m := tinyA(t)
	for _, opt := range []Option{nil, Recompute()} {
		tr, err := m.GenerateIDs(greedyPrompt, MaxTokens(16), StopAt(), opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.IDs(); !slices.Equal(got, greedyIDs) {
			t.Errorf("recompute=%v: greedy ids %v, fixture %v", tr.Settings.Recompute, got, greedyIDs)
		}
		if tr.Stop != StopMaxTokens || len(tr.Timing.Steps) != 16 {
			t.Errorf("stop %q, %d timings", tr.Stop, len(tr.Timing.Steps))
		}
		for i, s := range tr.Steps {
			if s.Pos != len(greedyPrompt)+i || s.Candidates[0].ID != s.ID || s.Candidates[0].PSamp != 1 || s.PSamp != 1 {
				t.Fatalf("step %d = %+v", i, s)
			}
			var sum float32
			for j, c := range s.Candidates {
				sum += c.Prob
				if j > 0 && c.Logit > s.Candidates[j-1].Logit {
					t.Fatalf("step %d: candidates not sorted by logit", i)
				}
			}
			if s.Prob != s.Candidates[0].Prob || sum > 1.0001 {
				t.Fatalf("step %d: prob %v, candidates sum %v", i, s.Prob, sum)
			}
		}
	}
}

func TestSameSeedSameJSON(t *testing.T) {
	m := tinyA(t)
	s := Sampler{Temperature: 1.2, TopK: 50, TopP: 0.95, Seed: 7}
	a, err := m.GenerateIDs(greedyPrompt, s, MaxTokens(20), StopAt())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.GenerateIDs(greedyPrompt, s, MaxTokens(20), StopAt())
	if !bytes.Equal(a.JSON(), b.JSON()) {
		t.Fatal("same seed gave different trace JSON")
	}
	s.Seed = 8
	c, _ := m.GenerateIDs(greedyPrompt, s, MaxTokens(20), StopAt())
	if slices.Equal(a.IDs(), c.IDs()) {
		t.Error("seeds 7 and 8 drew the same 20 tokens")
	}
	if slices.Equal(a.IDs(), greedyIDs[:16]) {
		t.Error("sampling at temperature 1.2 gave the greedy tokens")
	}
	s.Seed = 7 // a's sampler
	for i, st := range a.Steps {
		if st.Draw != s.Draw(i) {
			t.Fatalf("step %d records draw %v, the sampler draws %v", i, st.Draw, s.Draw(i))
		}
		// The chosen token's probability under the sampler, from logits
		// recomputed for its context alone.
		logits, err := m.Forward(append(slices.Clone(greedyPrompt), a.IDs()[:i]...))
		if err != nil {
			t.Fatal(err)
		}
		if want := s.Probs(logits)[st.ID]; want <= 0 || math.Abs(float64(st.PSamp-want)) > 1e-4 {
			t.Fatalf("step %d: chosen %d has PSamp %v, the sampler gives it %v", i, st.ID, st.PSamp, want)
		}
	}
}

func TestReplayFromJSON(t *testing.T) {
	m := tinyA(t)
	tr, err := m.GenerateIDs(greedyPrompt, Sampler{Temperature: 0.8, MinP: 0.05, Seed: 3}, MaxTokens(12), StopAt(), Force(2, 7))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseTrace(tr.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := back.Branch(1, 5); err == nil || !strings.Contains(err.Error(), "Replay") {
		t.Errorf("branching a parsed trace: %v, want advice to Replay", err)
	}
	again, err := m.Replay(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.JSON(), tr.JSON()) {
		t.Error("replayed trace JSON differs")
	}
	// A trace that does not match the model is reported.
	back.Steps[3].ID = (back.Steps[3].ID + 1) % 300
	if _, err := m.Replay(back); err == nil || !strings.Contains(err.Error(), "step 3") {
		t.Errorf("tampered replay: %v, want a difference at step 3", err)
	}
	if _, err := ParseTrace([]byte(`{"model":"x"}`)); err == nil {
		t.Error("ParseTrace accepted a trace without prompt ids")
	}
}

func TestBranchEqualsForce(t *testing.T) {
	m := tinyA(t)
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"greedy", nil},
		{"sampled", []Option{Sampler{Temperature: 1, TopP: 0.9, Seed: 5}}},
		{"recompute", []Option{Sampler{Temperature: 0.7, Seed: 9}, Recompute()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{MaxTokens(10), StopAt()}, tc.opts...)
			tr, err := m.GenerateIDs(greedyPrompt, opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, step := range []int{0, 4, 9} {
				alt := tr.Steps[step].Candidates[2].ID // a token it did not choose
				br, err := tr.Branch(step, alt)
				if err != nil {
					t.Fatal(err)
				}
				forced, err := m.GenerateIDs(greedyPrompt, append(opts, Force(step, alt))...)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(br.JSON(), forced.JSON()) {
					t.Fatalf("Branch(%d, %d) differs from generating with Force(%d, %d):\n%v\n%v", step, alt, step, alt, br.IDs(), forced.IDs())
				}
				if !slices.Equal(br.IDs()[:step], tr.IDs()[:step]) || br.Steps[step].ID != alt || !br.Steps[step].Forced {
					t.Fatalf("branch at %d: %v, original %v", step, br.IDs(), tr.IDs())
				}
				// Branches of branches work too.
				if _, err := br.Branch(step+1, alt); step < 9 && err != nil {
					t.Fatal(err)
				}
			}
			if _, err := tr.Branch(99, 1); err == nil {
				t.Error("Branch past the end accepted")
			}
			if _, err := tr.Branch(1, -1); err == nil {
				t.Error("Branch with id -1 accepted")
			}
		})
	}
}

func TestStopsAtEndToken(t *testing.T) {
	m := tinyA(t)
	// Make the greedy fixture's fourth token an end token.
	tr, err := m.GenerateIDs(greedyPrompt, MaxTokens(16), StopAt(greedyIDs[3]))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Stop != StopEOS || !slices.Equal(tr.IDs(), greedyIDs[:4]) {
		t.Errorf("stop %q after %v", tr.Stop, tr.IDs())
	}
	if tr.Text != m.Decode(greedyIDs[:3]) {
		t.Errorf("text %q includes the end token", tr.Text)
	}
	// The default end tokens are the config's and the tokenizer's.
	def, _ := m.settings(nil)
	if !slices.Contains(def.StopIDs, 315) {
		t.Errorf("default stop ids %v lack <|im_end|> 315", def.StopIDs)
	}
}

func TestContextLimit(t *testing.T) {
	// tiny-a with its context cut to 40 positions.
	a := tinyA(t)
	cfg, err := model.LoadConfig("testdata/tiny-a/config.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxPositions = 40
	files, err := safetensors.OpenDir("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	net, err := model.New(cfg, files...)
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{Name: "tiny-a-40", Net: net, Tok: a.Tok, files: files}
	defer m.Close()
	ctx := m.Config().MaxPositions
	long := make([]int, ctx-3)
	for i := range long {
		long[i] = 40 + i%200
	}
	tr, err := m.GenerateIDs(long, MaxTokens(50), StopAt())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Stop != StopContext || len(tr.Steps) != 3 {
		t.Errorf("stop %q after %d steps, want context after 3", tr.Stop, len(tr.Steps))
	}
	if _, err := m.GenerateIDs(make([]int, ctx+1)); err == nil || !strings.Contains(err.Error(), "shorten") {
		t.Errorf("overlong prompt: %v", err)
	}
}

func TestGenerateErrors(t *testing.T) {
	m := tinyA(t)
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{[]Option{Sampler{Temperature: -1}}, "temperature"},
		{[]Option{Sampler{Temperature: 1, TopP: 2}}, "top-p"},
		{[]Option{MaxTokens(-1)}, "MaxTokens"},
		{[]Option{Force(0, 1<<20)}, "Force"},
	} {
		if _, err := m.GenerateIDs(greedyPrompt, tc.opts...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want it to mention %q", err, tc.want)
		}
	}
	if _, err := m.Generate(""); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty prompt: %v", err)
	}
	if _, err := m.Forward([]int{1 << 20}); err == nil {
		t.Error("Forward with an id outside the vocabulary succeeded")
	}
}

func TestLogitsAllMatchesForward(t *testing.T) {
	m := tinyA(t)
	rows, err := m.LogitsAll(greedyPrompt)
	if err != nil {
		t.Fatal(err)
	}
	last := m.Logits(greedyPrompt)
	for i, v := range last {
		if math.Abs(float64(v-rows[len(rows)-1][i])) > 1e-4 {
			t.Fatalf("logit %d: LogitsAll %v, Logits %v", i, rows[len(rows)-1][i], v)
		}
	}
	if Argmax(last) != greedyIDs[0] {
		t.Errorf("argmax of the prompt's logits = %d, fixture %d", Argmax(last), greedyIDs[0])
	}
}

func BenchmarkGenerateTiny(b *testing.B) {
	m, err := LoadTiny()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := m.Generate("The cat sat on the", MaxTokens(16), StopAt()); err != nil {
			b.Fatal(err)
		}
	}
}
