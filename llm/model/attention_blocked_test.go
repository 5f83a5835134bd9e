package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/how-llms-work/course/llm/simd"
)

func withAttnMin(m *Model, n int, f func()) {
	old := m.attnMin
	m.attnMin = n
	defer func() { m.attnMin = old }()
	f()
}

// TestCausalSoftmaxColumns checks the blocked attention's softmax against
// softmax on each column's visible rows, and the zeros below them.
func TestCausalSoftmaxColumns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ rows, b, first int }{{1, 1, 0}, {32, 32, 0}, {45, 13, 32}, {70, 32, 38}, {5, 3, 2}} {
		p := make([]float32, tc.rows*tc.b)
		for i := range p {
			p[i] = float32(r.NormFloat64() * 4)
		}
		want := make([][]float32, tc.b)
		for c := range tc.b {
			for s := 0; s <= tc.first+c && s < tc.rows; s++ {
				want[c] = append(want[c], p[s*tc.b+c])
			}
			softmax(want[c])
		}
		causalSoftmaxColumns(p, tc.b, tc.first)
		for c := range tc.b {
			for s := range tc.rows {
				got := p[s*tc.b+c]
				if s >= len(want[c]) {
					if got != 0 {
						t.Errorf("%+v: row %d col %d (after the diagonal) = %g, want 0", tc, s, c, got)
					}
				} else if got != want[c][s] {
					t.Errorf("%+v: row %d col %d = %g, softmax gives %g", tc, s, c, got, want[c][s])
				}
			}
		}
	}
}

// TestBlockedAttention runs the fixture models with blocked attention
// forced (every pass of 2 or more tokens) on every kernel path: prefill
// logits against the llama.cpp fixtures (2e-3), and two prefills (the
// second after 45 cached tokens, neither a multiple of the block) and
// decode steps against one query at a time, logits and KV caches.
func TestBlockedAttention(t *testing.T) {
	for _, path := range simd.Paths() {
		t.Run(path.String(), func(t *testing.T) {
			t.Setenv(simd.EnvPath, path.String())
			for _, dir := range fixtureDirs() {
				m, err := Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				m.SetThreads(2)
				V := m.Config().Vocab
				comparePrefills(t, m, dir, "blocked", path.Exact(), func(ids []int) (got []float32, err error) {
					withAttnMin(m, 1, func() { got, err = m.ForwardAll(m.NewState(), ids) })
					return got, err
				})

				ids := make([]int, 120)
				for i := range ids {
					ids[i] = (i*7919 + 13) % V
				}
				run := func(attnMin int) (logits []float32, st *State) {
					withAttnMin(m, attnMin, func() { logits, st = forwardPasses(t, m, [][]int{ids[:45], ids[45:115]}, ids[115:]) })
					return
				}
				bl, bst := run(1)
				ql, qst := run(math.MaxInt)
				d := maxDiff(bl, ql)
				t.Logf("%s: blocked vs one query at a time: logits differ by %.3g", dir, d)
				if path.Exact() && d > 1e-4 || math.IsNaN(d) {
					t.Errorf("%s: blocked vs one query at a time: logits differ by %.3g", dir, d)
				}
				for _, i := range m.Config().FullAttentionLayers() {
					bk, bv := bst.KV(i)
					qk, qv := qst.KV(i)
					for s := range bk {
						if _, rel := errs(bk[s], qk[s]); path.Exact() && rel > 1e-5 {
							t.Errorf("%s: layer %d: key %d differs by %.3g relative", dir, i, s, rel)
						}
						if _, rel := errs(bv[s], qv[s]); path.Exact() && rel > 1e-5 {
							t.Errorf("%s: layer %d: value %d differs by %.3g relative", dir, i, s, rel)
						}
					}
				}
				m.Close()
			}
		})
	}
}
