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
	"sync"
	"testing"

	"github.com/how-llms-work/course/llm/simd"
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
	return readHFReferenceFile(t, "reference.json", "ids.txt")
}

// readHFReferenceFile reads a reference file of testdata/hf-synth and its ids.
func readHFReferenceFile(t *testing.T, name, idsName string) (hfReference, []int) {
	t.Helper()
	var ref hfReference
	data, err := os.ReadFile(filepath.Join("testdata/hf-synth", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata/hf-synth", idsName))
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

// synthSHA256 hashes dir/model.safetensors (1.5 GB) once per test binary;
// dir is the same for every caller (synthCheckpoint).
var synthSHA256 = func() func(dir string) (string, error) {
	var once sync.Once
	var sum string
	var err error
	return func(dir string) (string, error) {
		once.Do(func() {
			var f *os.File
			if f, err = os.Open(filepath.Join(dir, "model.safetensors")); err != nil {
				return
			}
			defer f.Close()
			h := sha256.New()
			if _, err = io.Copy(h, f); err == nil {
				sum = hex.EncodeToString(h.Sum(nil))
			}
		})
		return sum, err
	}
}()

// openHFSynth opens the synthetic checkpoint after checking that it is the
// one ref was computed on.
func openHFSynth(t *testing.T, ref hfReference) *Model {
	t.Helper()
	dir := synthCheckpoint(t)
	got, err := synthSHA256(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != ref.Checkpoint {
		t.Fatalf("%s/model.safetensors has sha256 %s, want %s (the checkpoint of llm synth -seed 1)", dir, got, ref.Checkpoint)
	}
	m, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// hfCheck compares rows of logits with transformers' and keeps the largest
// difference seen.
type hfCheck struct {
	t     *testing.T
	ref   *hfReference
	worst float64
	rows  int
}

// row checks one position: every sampled logit and the top 16 within the
// fixtures' tolerance, the top 16 in transformers' order and the same argmax
// (unless transformers' own margins are below marginTol).
func (c *hfCheck) row(what string, got []float32, want hfRow) {
	t := c.t
	t.Helper()
	c.rows++
	for i, id := range c.ref.SampleIDs {
		d := abs32(got[id] - want.Sample[i])
		c.worst = math.Max(c.worst, float64(d))
		if !(d <= logitTol) {
			t.Errorf("%s position %d id %d: logit %g, transformers %g (|diff| %.2g > %g)", what, want.Position, id, got[id], want.Sample[i], d, logitTol)
			return
		}
	}
	for i, id := range want.TopIDs {
		d := abs32(got[id] - want.TopLogit[i])
		c.worst = math.Max(c.worst, float64(d))
		if !(d <= logitTol) {
			t.Errorf("%s position %d top-%d id %d: logit %g, transformers %g", what, want.Position, i+1, id, got[id], want.TopLogit[i])
			return
		}
		if i > 0 && got[id] > got[want.TopIDs[i-1]] && want.TopLogit[i-1]-want.TopLogit[i] > marginTol {
			t.Errorf("%s position %d: id %d ranks above %d, transformers has it below by %g", what, want.Position, id, want.TopIDs[i-1], want.TopLogit[i-1]-want.TopLogit[i])
		}
	}
	if top := argmax(got); top != want.TopIDs[0] && want.TopLogit[0]-got[top] > marginTol {
		t.Errorf("%s position %d: argmax %d (%g), transformers %d (%g)", what, want.Position, top, got[top], want.TopIDs[0], want.TopLogit[0])
	}
}

// decode prefills ids[:ref.Prefix] and checks the cached decode steps.
func (c *hfCheck) decode(m *Model, ids []int) {
	c.t.Helper()
	st := m.NewState()
	logits := make([]float32, m.Config().Vocab)
	if err := m.ForwardTo(logits, st, ids[:c.ref.Prefix]); err != nil {
		c.t.Fatal(err)
	}
	for i, r := range c.ref.Decode {
		if err := m.ForwardTo(logits, st, ids[c.ref.Prefix+i:c.ref.Prefix+i+1]); err != nil {
			c.t.Fatal(err)
		}
		c.row("decode", logits, r)
	}
}

// TestHFSynth checks the engine against transformers' Qwen3.5 code at full
// size: 24 layers, 248,320-entry vocabulary, 303 tokens (prefill in one pass,
// and 3 decode steps after a 300-token prefill), every compared logit within
// the fixtures' tolerance and the top-16 ids in transformers' order.
func TestHFSynth(t *testing.T) {
	ref, ids := readHFReference(t)
	m := openHFSynth(t, ref)
	V := m.Config().Vocab

	// The pure-Go path (-tags purego, arm64 without NEON) is ~20x slower:
	// there only the first positions are checked.
	n := len(ids)
	if m.pool.Path() == simd.PathGo {
		n = 8
		t.Logf("pure-Go kernels: checking the first %d positions only", n)
	}
	c := &hfCheck{t: t, ref: &ref}
	all, err := m.ForwardAll(m.NewState(), ids[:n])
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ref.Prefill {
		if r.Position < n {
			c.row("prefill", all[r.Position*V:(r.Position+1)*V], r)
		}
	}
	all = nil
	if n < len(ids) {
		t.Logf("prefill of %d tokens: %d positions checked, max |diff| %.3g (tolerance %g)", n, c.rows, c.worst, logitTol)
		return
	}
	c.decode(m, ids)
	t.Logf("transformers %s, %d positions, %d logits each: max |diff| %.3g (tolerance %g)",
		ref.Version, c.rows, len(ref.SampleIDs)+16, c.worst, logitTol)
}

// TestHFSynth2048 is TestHFSynth at 2,050 tokens: attention over a long KV
// cache, RoPE far from position 0, 32 DeltaNet chunks. The prefill runs in
// segments that end at the checked positions (511, 447 and 465 tokens long
// among them), so only those positions' logits are computed.
func TestHFSynth2048(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("skipped in -short mode and under the race detector: a 2,048-token prefill of the full-size model")
	}
	ref, ids := readHFReferenceFile(t, "reference-2048.json", "ids-2048.txt")
	m := openHFSynth(t, ref)
	if m.pool.Path() == simd.PathGo {
		t.Skip("skipped on the pure-Go kernels: minutes for 2,048 tokens (TestHFSynth covers this path)")
	}
	c := &hfCheck{t: t, ref: &ref}
	st := m.NewState()
	logits := make([]float32, m.Config().Vocab)
	from := 0
	for _, r := range ref.Prefill {
		if err := m.ForwardTo(logits, st, ids[from:r.Position+1]); err != nil {
			t.Fatal(err)
		}
		c.row("prefill", logits, r)
		from = r.Position + 1
	}
	c.decode(m, ids)
	t.Logf("transformers %s, %d positions up to %d, %d logits each: max |diff| %.3g (tolerance %g)",
		ref.Version, c.rows, ref.Prefix+len(ref.Decode)-1, len(ref.SampleIDs)+16, c.worst, logitTol)
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }
