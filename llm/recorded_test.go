package llm

import (
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/reference"
)

// TestVsRecordedTiny checks each value the comparison shows for the
// embedded model against an independent computation: the ids from the
// tokenizer, the greedy tokens by recomputing the whole sequence at every
// step (no cache), the top-12 softmax by sorting every logit.
func TestVsRecordedTiny(t *testing.T) {
	m, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.IsQwen35() {
		t.Fatal("the embedded model passes for Qwen3.5-0.8B")
	}

	r, err := m.VsRecorded("The cat sat on the")
	if err != nil {
		t.Fatal(err)
	}
	if r.Real || r.Model != Tiny || len(r.Rows) != 3 {
		t.Fatalf("comparison: %+v", r)
	}
	ids := m.Encode("The cat sat on the")
	if r.Rows[0].Live != fmt.Sprint(ids) || r.Rows[0].Recorded != "[760 7993 7338 383 279]" {
		t.Errorf("token ids row: %+v", r.Rows[0])
	}
	seq := slices.Clone(ids)
	var pieces []string
	for range 3 {
		logits := m.Logits(seq)
		next := Argmax(logits)
		if len(pieces) == 0 {
			p := Softmax(logits, 1)[next]
			if want := fmt.Sprintf("%q (p = %.3g)", m.Piece(next), p); r.Rows[1].Live != want {
				t.Errorf("greedy next token: %q, want %q", r.Rows[1].Live, want)
			}
		}
		pieces = append(pieces, fmt.Sprintf("%q", m.Piece(next)))
		seq = append(seq, next)
	}
	if want := strings.Join(pieces, " "); r.Rows[2].Live != want || r.Rows[2].Recorded != `" floor" "." " It"` {
		t.Errorf("first greedy tokens: %+v, want live %s", r.Rows[2], want)
	}
	if r.Rows[1].Agree != (m.Piece(Argmax(m.Logits(ids))) == " floor") {
		t.Errorf("greedy next token row agrees: %v", r.Rows[1].Agree)
	}
	if err := r.Check(); err != nil {
		t.Errorf("Check on another model: %v", err)
	}
	s := r.String()
	for _, want := range []string{"tiny (this run)", "recorded with Qwen3.5-0.8B (not this run)", `" floor"`} {
		if !strings.Contains(s, want) {
			t.Errorf("String lacks %q:\n%s", want, s)
		}
	}

	const bank = "They had a picnic on the river bank"
	r, err = m.VsRecorded(bank)
	if err != nil {
		t.Fatal(err)
	}
	logits := m.Logits(m.Encode(bank))
	order := make([]int, len(logits))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return logits[order[a]] > logits[order[b]] })
	var sum float64
	for _, id := range order[:12] {
		sum += math.Exp(float64(logits[id] - logits[order[0]]))
	}
	var want []string
	for _, id := range order[:5] {
		want = append(want, fmt.Sprintf("%q %.3f", m.Piece(id), math.Exp(float64(logits[id]-logits[order[0]]))/sum))
	}
	if len(r.Rows) != 1 || r.Rows[0].Live != strings.Join(want, ", ") || !strings.HasPrefix(r.Rows[0].Recorded, `"." 0.468, "," 0.224`) {
		t.Errorf("top-5 row: %+v, want live %s", r.Rows, strings.Join(want, ", "))
	}

	const story = "Once upon a time, there was a"
	r, err = m.VsRecorded(story)
	if err != nil {
		t.Fatal(err)
	}
	tr := m.MustGenerate(story, Greedy(), MaxTokens(70), StopAt())
	if len(r.Rows) != 1 || r.Rows[0].Live != fmt.Sprintf("%q", tr.Text) || !strings.Contains(r.Rows[0].What, "70 tokens") {
		t.Errorf("continuation row: %+v", r.Rows)
	}

	if _, err := m.VsRecorded("not a recorded prompt"); err == nil || !strings.Contains(err.Error(), `"They had a picnic on the river bank"`) {
		t.Errorf("unrecorded prompt: %v", err)
	}
}

func TestRecordedCheck(t *testing.T) {
	r := &Recorded{Prompt: "p", Model: "m", Real: true, Rows: []RecordedValue{{What: "a", Live: "1", Recorded: "1", Agree: true}, {What: "b", Live: "2", Recorded: "3"}}}
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "b: 2, recorded 3") || strings.Contains(err.Error(), "a: 1") {
		t.Errorf("Check on the real model with a differing value: %v", err)
	}
	if !strings.Contains(r.String(), "✗ differs") || !strings.Contains(r.String(), "(should agree)") {
		t.Errorf("String:\n%s", r)
	}
	r.Real = false
	if err := r.Check(); err != nil {
		t.Errorf("Check on another model: %v", err)
	}
}

// TestRecordedStandIn: the full-size stand-in has the real shapes but
// random weights and another tokenizer: it is not taken for the real
// model, and the comparison runs on it.
func TestRecordedStandIn(t *testing.T) {
	dir := os.Getenv("LLM_STANDIN_DIR")
	if dir == "" {
		t.Skip("LLM_STANDIN_DIR is not set (make standin writes the full-size stand-in)")
	}
	m, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.IsQwen35() {
		t.Errorf("%s (random weights) passes for Qwen3.5-0.8B", dir)
	}
	r, err := m.VsRecorded("The cat sat on the")
	if err != nil {
		t.Fatal(err)
	}
	if r.Real || len(r.Rows) != 3 || r.Rows[0].Live != fmt.Sprint(m.Encode("The cat sat on the")) {
		t.Errorf("comparison on the stand-in: %+v", r)
	}
}

// TestRecordedRealModel checks the recording on the real model: it is
// recognised, and every recorded value agrees. It runs only with the real
// weights (LLM_QWEN35_DIR).
func TestRecordedRealModel(t *testing.T) {
	dir := os.Getenv("LLM_QWEN35_DIR")
	if dir == "" {
		t.Skip("LLM_QWEN35_DIR is not set: the real Qwen3.5-0.8B is needed")
	}
	m, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.IsQwen35() {
		t.Fatalf("%s is not recognised as Qwen3.5-0.8B", dir)
	}
	for _, p := range reference.MustQwen35().Prompts() {
		r, err := m.VsRecorded(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Check(); err != nil {
			t.Error(err)
		}
	}
}
