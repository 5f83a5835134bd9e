package model

import (
	"os"
	"testing"
)

// TestRealModel runs on the real Qwen3.5-0.8B when LLM_QWEN35_DIR names a
// directory holding its config.json and safetensors (the published
// checkpoint cannot be downloaded on the project's machines). Expected
// values are outputs of the real model recorded by the course
// (/work/shared/course/real-model-references.json).
func TestRealModel(t *testing.T) {
	dir := os.Getenv("LLM_QWEN35_DIR")
	if dir == "" {
		t.Skip("LLM_QWEN35_DIR is not set: skipping the tests on the real Qwen3.5-0.8B weights")
	}
	m, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if p := m.Config().Params(); p.TextVision != 852985920 {
		t.Errorf("text+vision parameters %d, want 852985920", p.TextVision)
	}
	// "The cat sat on the" → greedy " floor" (6220), ahead of " mat", " ground", " table".
	logits, err := m.Forward(m.NewState(), []int{760, 7993, 7338, 383, 279})
	if err != nil {
		t.Fatal(err)
	}
	if got := argmax(logits); got != 6220 {
		t.Errorf("greedy next token after \"The cat sat on the\" = %d, want 6220 (\" floor\")", got)
	}
	for _, id := range []int{5344, 4751, 1898} {
		if logits[id] >= logits[6220] {
			t.Errorf("logit of %d (%g) ≥ logit of \" floor\" (%g)", id, logits[id], logits[6220])
		}
	}
}
