package model

import (
	"math"
	"testing"
)

// TestForwardFrom replays the decoder from every layer boundary of a
// captured pass and checks it lands on the captured last residual stream;
// then checks a nudge in one row changes only that row and the later ones
// (causality) and that bad input is refused.
func TestForwardFrom(t *testing.T) {
	m := openTiny(t, "tiny-a")
	c := m.Config()
	ids := append(append([]int(nil), seq...), seq...) // 34 tokens: long enough for the chunked DeltaNet form where it is used
	var capt Capture
	if _, err := m.ForwardCapture(m.NewState(), ids, &capt); err != nil {
		t.Fatal(err)
	}
	want := capt.Layers[c.Layers-1].Residual
	for from := 0; from <= c.Layers; from++ {
		in := capt.Embedding
		if from > 0 {
			in = capt.Layers[from-1].Residual
		}
		got, err := m.ForwardFrom(m.NewState(), from, in)
		if err != nil {
			t.Fatal(err)
		}
		for p := range want {
			if d := maxDiff(got[p], want[p]); d > 1e-5*(1+maxAbs(want[p])) {
				t.Errorf("from layer %d, position %d: differs from the capture by %g", from, p, d)
			}
		}
	}
	// A nudge at position 5 after layer 2 leaves positions 0…4 exactly as they were.
	in := make([][]float32, len(ids))
	for p, r := range capt.Layers[2].Residual {
		in[p] = append([]float32(nil), r...)
	}
	base, _ := m.ForwardFrom(m.NewState(), 3, in)
	in[5][7] += 1
	nudged, err := m.ForwardFrom(m.NewState(), 3, in)
	if err != nil {
		t.Fatal(err)
	}
	for p := range base {
		d := maxDiff(base[p], nudged[p])
		if p < 5 && d != 0 {
			t.Errorf("position %d before the nudge changed by %g", p, d)
		}
		if p == 5 && d == 0 {
			t.Error("the nudged position did not change")
		}
	}
	// Feeding the first 5 rows, then the rest as decode steps, gives the same rows.
	st := m.NewState()
	head, err := m.ForwardFrom(st, 3, in[:5])
	if err != nil {
		t.Fatal(err)
	}
	for p := 5; p < len(in); p++ {
		step, err := m.ForwardFrom(st, 3, in[p:p+1])
		if err != nil {
			t.Fatal(err)
		}
		head = append(head, step...)
	}
	for p := range head {
		if d := maxDiff(head[p], nudged[p]); d > 1e-5*(1+maxAbs(nudged[p])) {
			t.Errorf("stepwise, position %d: differs from one call by %g", p, d)
		}
	}
	if st.Len() != len(in) || st.Tokens()[0] != -1 {
		t.Errorf("state after ForwardFrom: Len %d, Tokens %v", st.Len(), st.Tokens())
	}
	if _, err := m.ForwardFrom(nil, 0, in); err == nil {
		t.Error("ForwardFrom with a nil state succeeded")
	}
	for _, bad := range []struct {
		from int
		rows [][]float32
	}{{-1, in}, {c.Layers + 1, in}, {0, nil}, {0, [][]float32{make([]float32, c.Hidden-1)}}} {
		if _, err := m.ForwardFrom(m.NewState(), bad.from, bad.rows); err == nil {
			t.Errorf("ForwardFrom(%d, %d rows) succeeded", bad.from, len(bad.rows))
		}
	}
}

func maxAbs(x []float32) float64 {
	var a float64
	for _, v := range x {
		a = max(a, math.Abs(float64(v)))
	}
	return a
}
