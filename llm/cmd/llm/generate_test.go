package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

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
