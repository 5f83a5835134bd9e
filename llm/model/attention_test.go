package model

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestAttendHead checks AttendHead on a case worked by hand: scores
// 1/√2 and 0, so p = (e^{1/√2}, 1)/(e^{1/√2} + 1), and o = Σ p_s v_s.
func TestAttendHead(t *testing.T) {
	q := []float32{1, 0}
	keys := [][]float32{{1, 0}, {0, 1}}
	values := [][]float32{{1, 2, 3}, {-1, 0, 5}}
	out, probs, err := AttendHead(q, keys, values)
	if err != nil {
		t.Fatal(err)
	}
	e := math.Exp(1 / math.Sqrt2)
	p0, p1 := e/(e+1), 1/(e+1)
	want := []float64{p0 - p1, 2 * p0, 3*p0 + 5*p1}
	if math.Abs(float64(probs[0])-p0) > 1e-7 || math.Abs(float64(probs[1])-p1) > 1e-7 {
		t.Errorf("probs %v, want [%g %g]", probs, p0, p1)
	}
	for d := range want {
		if math.Abs(float64(out[d])-want[d]) > 1e-6 {
			t.Errorf("out %v, want %v", out, want)
		}
	}

	for _, c := range []struct {
		name     string
		q        []float32
		k, v     [][]float32
		contains string
	}{
		{"no keys", q, nil, nil, "0 keys"},
		{"fewer values", q, keys, values[:1], "2 keys and 1 values"},
		{"short key", q, [][]float32{{1}, {0, 1}}, values, "position 0: key of 1"},
		{"ragged values", q, keys, [][]float32{{1, 2, 3}, {1}}, "value of 1"},
	} {
		if _, _, err := AttendHead(c.q, c.k, c.v); err == nil || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.contains)
		}
	}
}

// TestAttentionFixturePass checks every head and token of the fixtures'
// full-attention layers against AttendHead fed the captured queries and
// keys and the cached values: the probabilities (Capture.Attention) and
// the head outputs before the gate (HeadOut); and the gated outputs
// through o_proj against the captured mixer output.
func TestAttentionFixturePass(t *testing.T) {
	for _, name := range []string{"tiny-a", "tiny-c"} {
		m := openTiny(t, name)
		c := m.Config()
		var capt Capture
		st := m.NewState()
		ids := seq[:12]
		if _, err := m.ForwardCapture(st, ids[:9], &capt); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids[9:] { // decode steps append to the capture
			if _, err := m.ForwardCapture(st, []int{id}, &capt); err != nil {
				t.Fatal(err)
			}
		}
		D, group := c.HeadDim, c.Heads/c.KVHeads
		var worst float64
		for _, i := range c.FullAttentionLayers() {
			lc := capt.Layers[i]
			_, values := st.KV(i)
			oProj := m.MustWeight(fmt.Sprintf("layers.%d.self_attn.o_proj.weight", i)).Float32()
			for tok := range ids {
				gated := make([]float32, 0, c.Heads*D)
				for h := range c.Heads {
					g := h / group
					var keys, vals [][]float32
					for s := range tok + 1 {
						keys = append(keys, lc.Key[s][g*D:(g+1)*D])
						vals = append(vals, values[g][s*D:(s+1)*D])
					}
					out, probs := MustAttendHead(lc.Query[tok][h*D:(h+1)*D], keys, vals)
					what := fmt.Sprintf("%s layer %d token %d head %d", name, i, tok, h)
					_, relP := errs(lc.Attention[h][tok], probs)
					_, relO := errs(lc.HeadOut[tok][h*D:(h+1)*D], out)
					worst = max(worst, relP, relO)
					if relP > 1e-5 || relO > 1e-5 {
						t.Errorf("%s: probabilities %.3g, output %.3g relative from AttendHead", what, relP, relO)
					}
					for d, o := range out {
						gated = append(gated, o*lc.Gate[tok][h*D+d])
					}
				}
				// out = o_proj · (o ⊙ σ(gate)) is the layer's mixer output.
				_, rel := errs(lc.MixerOut[tok], matVec64(oProj, gated))
				worst = max(worst, rel)
				if rel > 1e-5 {
					t.Errorf("%s layer %d token %d: mixer output %.3g relative from o_proj of the gated AttendHead outputs", name, i, tok, rel)
				}
			}
		}
		t.Logf("%s: largest relative difference from AttendHead: %.3g", name, worst)
	}
}
