package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/tiny"
)

func TestGenerateCommand(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := runGenerate(args, &out); err != nil {
			t.Fatalf("llm generate %s: %v", strings.Join(args, " "), err)
		}
		return out.String()
	}
	text := run("-model", "tiny", "-prompt", "The cat sat on the", "-n", "5")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if tiny.Trained() {
		lines = append([]string{"(untrained tiny model: random weights, the text is gibberish)"}, lines...)
	}
	if len(lines) != 2 || !strings.Contains(lines[0], "untrained tiny model") || !strings.HasPrefix(lines[1], "The cat sat on the") {
		t.Errorf("text output = %q", text)
	}
	args := []string{"-model", "tiny", "-prompt", "Once upon a time", "-n", "6", "-temperature", "0.8", "-top-p", "0.9", "-seed", "4", "-json"}
	a, b := run(args...), run(args...)
	if a != b {
		t.Error("same seed, different JSON")
	}
	var tr struct {
		Untrained bool
		Steps     []struct{ ID int }
		Settings  struct {
			Sampler struct {
				Temperature float64
				TopP        float64 `json:"top_p"`
				Seed        uint64
			}
		}
	}
	if err := json.Unmarshal([]byte(a), &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Untrained == tiny.Trained() || tr.Settings.Sampler.Temperature != 0.8 || tr.Settings.Sampler.TopP != 0.9 || tr.Settings.Sampler.Seed != 4 || len(tr.Steps) == 0 {
		t.Errorf("trace = %+v", tr)
	}
}

func TestGenerateCommandErrors(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-model", "tiny"}, "no prompt"},
		{[]string{"-model", "tiny", "-prompt", "x", "-temperature", "-2"}, "temperature"},
		{[]string{"-model", "tiny", "-prompt", "x", "-n", "-1"}, "MaxTokens"},
		{[]string{"-model", "./nowhere", "-prompt", "x"}, "does not exist"},
		{[]string{"-model", "tiny", "cat"}, "-prompt"},
		{[]string{"-bogus"}, "usage"},
	} {
		err := runGenerate(tc.args, new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("llm generate %v: %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
}

// countingWriter records every write, to see text arrive token by token.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func (w *countingWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// TestGenerateStreams: the text appears token by token (many writes, not
// one at the end) and is exactly what Model.Generate produces with the same
// settings, greedy and sampled, with and without the state.
func TestGenerateStreams(t *testing.T) {
	m, err := llm.Load("tiny")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prompt    string
		s         llm.Sampler
		n         int
		recompute bool
	}{
		{"The cat sat on the", llm.Greedy(), 12, false},
		{"Once upon a time", llm.Sampler{Temperature: 0.9, TopP: 0.95, Seed: 7}, 20, false},
		{"Once upon a time", llm.Sampler{Temperature: 0.9, TopK: 50, Seed: 3}, 8, true},
		{"é", llm.Sampler{Temperature: 1.5, Seed: 11}, 16, false},
	} {
		var w countingWriter
		if err := stream(&w, m, tc.prompt, tc.s, tc.n, tc.recompute); err != nil {
			t.Fatal(err)
		}
		opts := []llm.Option{tc.s, llm.MaxTokens(tc.n)}
		if tc.recompute {
			opts = append(opts, llm.Recompute())
		}
		tr, err := m.Generate(tc.prompt, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if want := tc.prompt + tr.Text + "\n"; w.String() != want {
			t.Errorf("%q %v: streamed %q, Generate gives %q", tc.prompt, tc.s, w.String(), want)
		}
		if len(tr.Steps) > 2 && w.writes < 3 {
			t.Errorf("%q: %d writes for %d tokens: not streamed", tc.prompt, w.writes, len(tr.Steps))
		}
	}
}
