package llm

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestTraceJSONLeavesOutTimings(t *testing.T) {
	m := tinyA(t)
	tr, err := m.GenerateIDs(greedyPrompt, MaxTokens(3), StopAt())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Timing.Prefill <= 0 || len(tr.Timing.Steps) != 3 || tr.Timing.TokensPerSecond() <= 0 {
		t.Errorf("timings not measured: %+v", tr.Timing)
	}
	js := string(tr.JSON())
	for _, key := range []string{`"prompt_ids"`, `"candidates"`, `"sample_prob"`, `"draw"`, `"stop": "max_tokens"`, `"stop_ids": []`} {
		if !strings.Contains(js, key) {
			t.Errorf("trace JSON lacks %s", key)
		}
	}
	if strings.Contains(strings.ToLower(js), "prefill\"") || strings.Contains(js, "timing") {
		t.Error("trace JSON contains timings")
	}
	var generic map[string]any
	if err := json.Unmarshal(tr.JSON(), &generic); err != nil {
		t.Fatal(err)
	}
	if s := tr.String(); !strings.Contains(s, "greedy") || strings.Count(s, "\n") != 4 {
		t.Errorf("String() = %q", s)
	}
}

func FuzzParseTrace(f *testing.F) {
	f.Add([]byte(`{"model":"tiny","prompt":"a","prompt_ids":[1,2],"settings":{"sampler":{"temperature":0.7,"seed":1},"max_tokens":3,"top_n":2,"stop_ids":[],"forced":{"1":5}},"steps":[{"pos":2,"id":3,"piece":"x","prob":0.5,"draw":0.25,"candidates":[{"id":3,"piece":"x","logit":1.5,"prob":0.5,"sample_prob":0.6}]}],"text":"x","stop":"max_tokens"}`))
	f.Add([]byte(`{"prompt_ids":[],"settings":{"sampler":{"temperature":-1}}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrace(data)
		if err != nil {
			return
		}
		if len(tr.PromptIDs) == 0 || tr.Settings.Sampler.Check() != nil {
			t.Fatalf("ParseTrace accepted %s", data)
		}
		if _, err := ParseTrace(tr.JSON()); err != nil {
			t.Fatalf("a parsed trace does not parse again: %v", err)
		}
		_ = tr.String()
		_ = tr.IDs()
	})
}

func TestLogProgress(t *testing.T) {
	var buf strings.Builder
	log := LogProgress(&buf)
	log(Progress{File: "model.safetensors", Done: 0, Total: 1 << 30})
	log(Progress{File: "model.safetensors", Done: 512 << 20, Total: 1 << 30}) // within logEvery: silent
	log(Progress{File: "model.safetensors", Done: 1 << 30, Total: 1 << 30, Finished: true})
	log(Progress{File: "tokenizer.json", Done: 0, Total: -1})
	want := "downloading model.safetensors (1.00 GB)…\ndownloaded model.safetensors (1.00 GB)\ndownloading tokenizer.json (?)…\n"
	if buf.String() != want {
		t.Errorf("LogProgress wrote\n%s\nwant\n%s", buf.String(), want)
	}
	for n, s := range map[int64]string{-1: "?", 512: "512 B", 2048: "2.0 kB", 512 << 20: "512.0 MB", 3 << 30: "3.00 GB"} {
		if got := bytesString(n); got != s {
			t.Errorf("bytesString(%d) = %q, want %q", n, got, s)
		}
	}
}

// TestRealModel checks the real Qwen3.5-0.8B against outputs recorded from
// it (shared/course/real-model-references.json).
func TestRealModel(t *testing.T) {
	dir := os.Getenv("LLM_QWEN35_DIR")
	if dir == "" {
		t.Skip("LLM_QWEN35_DIR is not set: set it to a folder with the real Qwen3.5-0.8B (config.json, model.safetensors, tokenizer.json) to run this test")
	}
	m, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ids := m.Encode("The cat sat on the")
	if want := []int{760, 7993, 7338, 383, 279}; !slices.Equal(ids, want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	tr, err := m.Generate("The cat sat on the", MaxTokens(1))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Steps[0].ID != 6220 || tr.Steps[0].Piece != " floor" {
		t.Errorf("greedy next token %d %q, want 6220 \" floor\"", tr.Steps[0].ID, tr.Steps[0].Piece)
	}
	if m.Untrained || !slices.Contains(m.endTokens(), 248044) || !slices.Contains(m.endTokens(), 248046) {
		t.Errorf("untrained %v, end tokens %v", m.Untrained, m.endTokens())
	}
}
