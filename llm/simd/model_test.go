package simd_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/simd"
)

// fixtureTol is the agreement with llama.cpp's logits asked of a float32
// implementation (shared/fixtures/README.md).
const fixtureTol = 2e-3

type fixtureSeq struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	TokenIDs []int  `json:"token_ids"`
	File     string `json:"file"`
	Shape    []int  `json:"shape"`
}

// fixture reads the sequences of a fixture directory (the tiny checkpoints
// package model keeps in its testdata, with llama.cpp's logits).
func fixture(t *testing.T, dir string) []fixtureSeq {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Sequences []fixtureSeq `json:"sequences"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatalf("%s/index.json: %v", dir, err)
	}
	return idx.Sequences
}

func readLogits(t *testing.T, path string, n int) []float32 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 4*n {
		t.Fatalf("%s: %d bytes, want %d", path, len(data), 4*n)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return v
}

// TestModelOnEveryPath runs the tiny-a and tiny-c fixture models on every
// kernel path (LLM_KERNELS, read by the model's pool), as prefill
// (MatMulBF16) and token by token (MatVecBF16), and checks the logits
// against llama.cpp's within the fixture tolerance. The avx512bf16 path,
// which rounds prefill activations to BF16, is only logged (see
// BENCHMARKS.md): it is not exact, and BestPath never picks it.
func TestModelOnEveryPath(t *testing.T) {
	for _, name := range []string{"tiny-a", "tiny-c"} {
		dir := filepath.Join("..", "model", "testdata", name)
		seqs := fixture(t, dir)
		for _, path := range simd.Paths() {
			t.Setenv(simd.EnvPath, path.String())
			m, err := model.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			m.SetThreads(2) // a new pool: it reads LLM_KERNELS
			worst := 0.0
			for _, sq := range seqs {
				if sq.Kind != "prefill" && sq.Kind != "decode_one_token_per_call" {
					continue
				}
				want := readLogits(t, filepath.Join(dir, sq.File), sq.Shape[0]*sq.Shape[1])
				var got []float32
				if sq.Kind == "prefill" {
					got, err = m.ForwardAll(m.NewState(), sq.TokenIDs)
				} else {
					st := m.NewState()
					for _, id := range sq.TokenIDs {
						l, ferr := m.Forward(st, []int{id})
						err = ferr
						got = append(got, l...)
					}
				}
				if err != nil {
					t.Fatalf("%s %s on %s: %v", name, sq.Name, path, err)
				}
				if len(got) != len(want) {
					t.Fatalf("%s %s on %s: %d logits, want %d", name, sq.Name, path, len(got), len(want))
				}
				d := 0.0
				for i := range got {
					d = max(d, math.Abs(float64(got[i])-float64(want[i])))
					if math.IsNaN(float64(got[i])) {
						d = math.Inf(1)
					}
				}
				worst = max(worst, d)
				if d > fixtureTol && path.Exact() {
					t.Errorf("%s %s on path %s: logits differ from llama.cpp's by %.3g > %g", name, sq.Name, path, d, fixtureTol)
				}
			}
			t.Logf("%s on path %s: max |logit − llama.cpp| = %.3g", name, path, worst)
			if !path.Exact() && worst > 2 {
				t.Errorf("%s on path %s: logits off by %.3g, beyond even BF16 activation rounding", name, path, worst)
			}
			m.Close()
		}
	}
}
