package model

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Fixture tolerances (testdata/README.md): every logit within 2e-3 of the
// llama.cpp oracle; identical argmax where the reference margin > 4e-3.
const (
	logitTol  = 2e-3
	marginTol = 4e-3
)

type fixtureIndex struct {
	Sequences []struct {
		Name     string    `json:"name"`
		Kind     string    `json:"kind"`
		TokenIDs []int     `json:"token_ids"`
		File     string    `json:"file"`
		Shape    []int     `json:"shape"`
		Argmax   []int     `json:"argmax"`
		Margin   []float64 `json:"top1_top2_margin_ref"`
	} `json:"sequences"`
	Generation struct {
		PromptIDs    []int     `json:"prompt_ids"`
		GeneratedIDs []int     `json:"generated_ids"`
		File         string    `json:"file"`
		Shape        []int     `json:"shape"`
		Margin       []float64 `json:"top1_top2_margin_ref"`
	} `json:"generation"`
}

// readFixtureIndex reads dir's index.json.
func readFixtureIndex(t testing.TB, dir string) fixtureIndex {
	t.Helper()
	var idx fixtureIndex
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

// comparePrefills runs forward on the token ids of every prefill fixture
// of dir with two or more tokens and, on an exact kernel path, compares
// its logits (all positions) with the fixture's.
func comparePrefills(t *testing.T, m *Model, dir, form string, exact bool, forward func(ids []int) ([]float32, error)) {
	t.Helper()
	V := m.Config().Vocab
	for _, sq := range readFixtureIndex(t, dir).Sequences {
		if sq.Kind != "prefill" || len(sq.TokenIDs) < 2 {
			continue
		}
		want := readLogits(t, filepath.Join(dir, sq.File), len(sq.TokenIDs), V)
		got, err := forward(sq.TokenIDs)
		if err != nil {
			t.Fatal(err)
		}
		if exact {
			compareLogits(t, filepath.Base(dir)+"/"+sq.Name+"/"+form, got, want, V, sq.Margin)
		}
	}
}

// forwardPasses feeds the passes one after another to a new State, then
// each of the decode ids as a pass of its own, and returns the logits of
// every pass's last position, in order, and the State.
func forwardPasses(t *testing.T, m *Model, passes [][]int, decode []int) (logits []float32, st *State) {
	t.Helper()
	st = m.NewState()
	for _, id := range decode {
		passes = append(passes, []int{id})
	}
	for _, ids := range passes {
		row, err := m.Forward(st, ids)
		if err != nil {
			t.Fatal(err)
		}
		logits = append(logits, row...)
	}
	return logits, st
}

// fixtureDirs are the checkpoints checked against their reference logits:
// the committed fixtures plus any listed in LLM_FIXTURE_DIRS (colon-separated
// directories made the same way, e.g. a held-back one).
func fixtureDirs() []string {
	dirs := []string{"testdata/tiny-a", "testdata/tiny-c"}
	if extra := os.Getenv("LLM_FIXTURE_DIRS"); extra != "" {
		dirs = append(dirs, filepath.SplitList(extra)...)
	}
	return dirs
}

func readLogits(t *testing.T, path string, rows, vocab int) []float32 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != rows*vocab*4 {
		t.Fatalf("%s: %d bytes, want %d×%d float32", path, len(data), rows, vocab)
	}
	out := make([]float32, rows*vocab)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// compareLogits checks got against want row by row.
func compareLogits(t *testing.T, what string, got, want []float32, vocab int, margins []float64) {
	t.Helper()
	var worst float64
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > worst || math.IsNaN(d) {
			worst = d
			if d > logitTol || math.IsNaN(d) {
				t.Errorf("%s: position %d, id %d: logit %g, want %g (|diff| %.2g > %g)", what, i/vocab, i%vocab, got[i], want[i], d, logitTol)
				return
			}
		}
	}
	for r := range len(want) / vocab {
		g, w := argmax(got[r*vocab:(r+1)*vocab]), argmax(want[r*vocab:(r+1)*vocab])
		if g != w && (margins == nil || margins[r] > marginTol) {
			t.Errorf("%s: position %d: argmax %d, want %d (margin %g)", what, r, g, w, margins[r])
		}
	}
	t.Logf("%s: max |diff| %.3g", what, worst)
}

func TestFixtures(t *testing.T) {
	for _, dir := range fixtureDirs() {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			idx := readFixtureIndex(t, dir)
			V := m.Config().Vocab
			for _, seq := range idx.Sequences {
				want := readLogits(t, filepath.Join(dir, seq.File), len(seq.TokenIDs), V)
				// One prefill.
				got, err := m.ForwardAll(m.NewState(), seq.TokenIDs)
				if err != nil {
					t.Fatal(err)
				}
				compareLogits(t, seq.Name+"/prefill", got, want, V, seq.Margin)
				// Token by token through the state.
				st := m.NewState()
				got = got[:0]
				for _, id := range seq.TokenIDs {
					row, err := m.Forward(st, []int{id})
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, row...)
				}
				compareLogits(t, seq.Name+"/decode", got, want, V, seq.Margin)
				if !strings.HasPrefix(seq.Kind, "decode") && !strings.HasPrefix(seq.Kind, "prefill") {
					t.Errorf("%s: unknown kind %q", seq.Name, seq.Kind)
				}
			}

			// Greedy generation: prompt prefilled (or fed one token at a
			// time), then one argmax token per step.
			g := idx.Generation
			if len(g.GeneratedIDs) == 0 {
				t.Fatal("index.json has no generation")
			}
			want := readLogits(t, filepath.Join(dir, g.File), len(g.GeneratedIDs), V)
			for _, tokenByToken := range []bool{false, true} {
				st := m.NewState()
				var row []float32
				if tokenByToken {
					for _, id := range g.PromptIDs {
						row, err = m.Forward(st, []int{id})
					}
				} else {
					row, err = m.Forward(st, g.PromptIDs)
				}
				if err != nil {
					t.Fatal(err)
				}
				var ids, rows = []int{}, []float32{}
				for range g.GeneratedIDs {
					next := argmax(row)
					ids = append(ids, next)
					rows = append(rows, row...)
					if row, err = m.Forward(st, []int{next}); err != nil {
						t.Fatal(err)
					}
				}
				what := "greedy16/prefill"
				if tokenByToken {
					what = "greedy16/decode"
				}
				if !slices.Equal(ids, g.GeneratedIDs) {
					t.Errorf("%s: generated %v, want %v", what, ids, g.GeneratedIDs)
				}
				compareLogits(t, what, rows, want, V, nil)
			}
			// The same rows from one prefill of prompt + generated ids.
			all := append(append([]int{}, g.PromptIDs...), g.GeneratedIDs[:len(g.GeneratedIDs)-1]...)
			got, err := m.ForwardAll(m.NewState(), all)
			if err != nil {
				t.Fatal(err)
			}
			compareLogits(t, "greedy16/one-pass", got[(len(g.PromptIDs)-1)*V:], want, V, nil)
		})
	}
}
