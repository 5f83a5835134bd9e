package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/kernels"
)

// hfReference is testdata/hf-synth/reference.json: logits that Hugging Face
// transformers' own Qwen3_5ForCausalLM (float32, TF32 off) computed on the
// full-size synthetic checkpoint for the ids of ids.txt (crosscheck.sh made
// it on a GPU machine; see testdata/hf-synth/README.md).
type hfReference struct {
	Checkpoint string  `json:"checkpoint_sha256"`
	Version    string  `json:"transformers"`
	Prefix     int     `json:"prefix"`
	SampleIDs  []int   `json:"sample_ids"`
	Prefill    []hfRow `json:"prefill"`
	Decode     []hfRow `json:"decode"`
}

type hfRow struct {
	Position int       `json:"position"`
	TopIDs   []int     `json:"top_ids"`
	TopLogit []float32 `json:"top_logits"`
	Sample   []float32 `json:"sample_logits"`
}

// synthCheckpoint returns the full-size synthetic checkpoint the benchmarks
// use (LLM_SYNTH_DIR or testdata/synth-0.8b). Without it the test skips,
// except under CI, where make test creates it first.
func synthCheckpoint(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LLM_SYNTH_DIR")
	if dir == "" {
		dir = "testdata/synth-0.8b"
	}
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		msg := "no synthetic checkpoint in " + dir + " (make synth, or: go run ./llm/cmd/llm synth -config llm/model/testdata/qwen35-0.8b-config.json -out llm/model/testdata/synth-0.8b -seed 1)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("skipped: " + msg)
	}
	return dir
}

// readHFReference reads reference.json and the ids it was computed for.
func readHFReference(t *testing.T) (hfReference, []int) {
	t.Helper()
	var ref hfReference
	data, err := os.ReadFile("testdata/hf-synth/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/hf-synth/ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, s := range strings.Split(strings.TrimSpace(string(raw)), ",") {
		id, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("ids.txt: %v", err)
		}
		ids = append(ids, id)
	}
	return ref, ids
}

// TestHFSynth checks the engine against transformers' Qwen3.5 code at full
// size: 24 layers, 248,320-entry vocabulary, 303 tokens (prefill in one pass,
// and 3 decode steps after a 300-token prefill), every compared logit within
// the fixtures' tolerance and the top-16 ids in transformers' order.
func TestHFSynth(t *testing.T) {
	dir := synthCheckpoint(t)
	ref, ids := readHFReference(t)

	f, err := os.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != ref.Checkpoint {
		t.Fatalf("%s/model.safetensors has sha256 %s, want %s (the checkpoint of llm synth -seed 1)", dir, got, ref.Checkpoint)
	}

	m, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	V := m.Config().Vocab

	// The pure-Go path (-tags purego, arm64 without NEON) is ~20x slower:
	// there only the first positions are checked.
	n := len(ids)
	if m.pool.Path() == kernels.PathGo {
		n = 8
		t.Logf("pure-Go kernels: checking the first %d positions only", n)
	}

	var worst float64
	check := func(what string, got []float32, want hfRow) {
		t.Helper()
		for i, id := range ref.SampleIDs {
			worst = math.Max(worst, float64(abs32(got[id]-want.Sample[i])))
			if d := abs32(got[id] - want.Sample[i]); !(d <= logitTol) {
				t.Errorf("%s position %d id %d: logit %g, transformers %g (|diff| %.2g > %g)", what, want.Position, id, got[id], want.Sample[i], d, logitTol)
				return
			}
		}
		for i, id := range want.TopIDs {
			worst = math.Max(worst, float64(abs32(got[id]-want.TopLogit[i])))
			if d := abs32(got[id] - want.TopLogit[i]); !(d <= logitTol) {
				t.Errorf("%s position %d top-%d id %d: logit %g, transformers %g", what, want.Position, i+1, id, got[id], want.TopLogit[i])
				return
			}
			// Order: our i-th best must be transformers' i-th best unless
			// the two are closer than the margin tolerance.
			if i > 0 && got[id] > got[want.TopIDs[i-1]] && want.TopLogit[i-1]-want.TopLogit[i] > marginTol {
				t.Errorf("%s position %d: id %d ranks above %d, transformers has it below by %g", what, want.Position, id, want.TopIDs[i-1], want.TopLogit[i-1]-want.TopLogit[i])
			}
		}
		if top := argmax(got); top != want.TopIDs[0] && want.TopLogit[0]-got[top] > marginTol {
			t.Errorf("%s position %d: argmax %d (%g), transformers %d (%g)", what, want.Position, top, got[top], want.TopIDs[0], want.TopLogit[0])
		}
	}

	all, err := m.ForwardAll(m.NewState(), ids[:n])
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range ref.Prefill {
		if r.Position < n {
			check("prefill", all[r.Position*V:(r.Position+1)*V], r)
			checked++
		}
	}
	all = nil
	if n < len(ids) {
		t.Logf("prefill of %d tokens: %d positions checked, max |diff| %.3g (tolerance %g)", n, checked, worst, logitTol)
		return
	}

	st := m.NewState()
	logits := make([]float32, V)
	if err := m.ForwardTo(logits, st, ids[:ref.Prefix]); err != nil {
		t.Fatal(err)
	}
	for i, r := range ref.Decode {
		if err := m.ForwardTo(logits, st, ids[ref.Prefix+i:ref.Prefix+i+1]); err != nil {
			t.Fatal(err)
		}
		check("decode", logits, r)
	}
	t.Logf("transformers %s, %d prefill + %d decode positions, %d logits each: max |diff| %.3g (tolerance %g)",
		ref.Version, checked, len(ref.Decode), len(ref.SampleIDs)+16, worst, logitTol)
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }
