package llm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// headRef recomputes the LM head in float64 from the checkpoint's tensors,
// independently of the engine: y = RMSNorm1p(h, norm.weight), logits = E·y.
func headRef(m *Model, h []float32) []float64 {
	c := m.Config()
	E := m.Net.MustWeight("embed_tokens.weight").Float32()
	w := m.Net.MustWeight("norm.weight").Float32()
	var ss float64
	for _, x := range h {
		ss += float64(x) * float64(x)
	}
	inv := 1 / math.Sqrt(ss/float64(len(h))+c.RMSEps)
	y := make([]float64, len(h))
	for i, x := range h {
		y[i] = float64(x) * inv * (1 + float64(w[i]))
	}
	out := make([]float64, c.Vocab)
	for id := range out {
		var s float64
		for i, yi := range y {
			s += yi * float64(E[id*c.Hidden+i])
		}
		out[id] = s
	}
	return out
}

func TestFinalHiddenTimesEmbeddingIsTheLogits(t *testing.T) {
	m, _, E := tinyEmb(t)
	p := m.MustRun("The cat sat on the")
	y := p.FinalHidden()
	H := m.Config().Hidden
	var worst float64
	for id := range m.Vocab() {
		var s float64
		for i, x := range y {
			s += float64(x) * float64(E[id*H+i])
		}
		worst = max(worst, math.Abs(s-float64(p.Logits[id])))
	}
	if worst > 1e-3 {
		t.Errorf("E·FinalHidden differs from the logits by %g", worst)
	}
	// And the final norm recomputed from the last layer's output.
	ref := headRef(m, p.Capture.Layers[len(p.Capture.Layers)-1].Residual[len(p.IDs)-1])
	for id, want := range ref {
		if d := math.Abs(want - float64(p.Logits[id])); d > 1e-3*(1+math.Abs(want)) {
			t.Fatalf("token %d: logit %g, recomputed %g", id, p.Logits[id], want)
		}
	}
}

func TestTyingLedger(t *testing.T) {
	q := TyingOf(Qwen35Config())
	if !q.Tied || q.Matrix != 254279680 || int64(q.Vocab)*int64(q.Hidden) != q.Matrix || q.BytesPerValue != 2 || q.SavedBytes() != 508559360 {
		t.Errorf("Qwen3.5-0.8B ledger %+v", q)
	}
	if q.TiedTotal != Qwen35Config().Params().Text || q.UntiedTotal != q.TiedTotal+q.Matrix {
		t.Errorf("totals %d, %d; text params %d", q.TiedTotal, q.UntiedTotal, Qwen35Config().Params().Text)
	}
	if s := q.Share(); s < 0.33 || s > 0.35 {
		t.Errorf("share of the tied model %.3f, want about a third", s)
	}
	// An untied config counts its head once in UntiedTotal, not twice.
	c := *Qwen35Config()
	c.TieEmbeddings = false
	u := TyingOf(&c)
	if u.Tied || u.UntiedTotal != q.UntiedTotal || u.TiedTotal != q.TiedTotal {
		t.Errorf("untied config ledger %+v, tied %+v", u, q)
	}
	if TyingOf(Qwen35Config()).String() == "" {
		t.Error("empty String")
	}
}

func TestDecompose(t *testing.T) {
	m, e, _ := tinyEmb(t)
	p := m.MustRun("Once upon a time")
	h := p.FinalHidden()
	var ids []int
	for _, c := range p.Top {
		ids = append(ids, c.ID)
	}
	parts := e.MustDecompose(h, ids...)
	for i, lp := range parts {
		if d := math.Abs(lp.Logit - float64(p.Logits[lp.ID])); d > 1e-3 {
			t.Errorf("%q: by hand %g, engine %g", lp.Piece, lp.Logit, p.Logits[lp.ID])
		}
		if d := math.Abs(lp.HNorm*lp.RowNorm*lp.Cos - lp.Logit); d > 1e-9*(1+math.Abs(lp.Logit)) {
			t.Errorf("%q: |h||e|cos = %g, logit %g", lp.Piece, lp.HNorm*lp.RowNorm*lp.Cos, lp.Logit)
		}
		if lp.Piece != p.Top[i].Piece || lp.Cos < -1 || lp.Cos > 1 {
			t.Errorf("part %d: %+v", i, lp)
		}
	}
	if _, err := e.Decompose(h[:3], 1); err == nil {
		t.Error("Decompose of a short vector succeeded")
	}
	if _, err := e.Decompose(h, -1); err == nil {
		t.Error("Decompose of id -1 succeeded")
	}
}

func TestTopRenormAndRank(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	logits := make([]float32, 500)
	for i := range logits {
		logits[i] = float32(r.NormFloat64() * 3)
	}
	// Independent: float64 softmax over all, then over the top 12.
	var z float64
	for _, x := range logits {
		z += math.Exp(float64(x))
	}
	ren := TopRenorm(logits, 12, nil)
	var mass, z12 float64
	for _, c := range ren.Top {
		mass += math.Exp(float64(c.Logit)) / z
		z12 += math.Exp(float64(c.Logit))
	}
	if math.Abs(ren.Mass-mass) > 1e-6 || math.Abs(ren.Misreported()-(1-mass)) > 1e-6 {
		t.Errorf("mass %g, want %g", ren.Mass, mass)
	}
	for i, c := range ren.Top {
		if want := math.Exp(float64(c.Logit)) / z12; math.Abs(ren.Shown[i]-want) > 1e-9 {
			t.Errorf("shown %d: %g, want %g", i, ren.Shown[i], want)
		}
		if rk := Rank(logits, c.ID); rk != i+1 {
			t.Errorf("rank of the %d-th best: %d", i+1, rk)
		}
		if want := math.Exp(float64(c.Logit)) / z; math.Abs(Prob(logits, c.ID)-want) > 1e-7 {
			t.Errorf("Prob %g, want %g", Prob(logits, c.ID), want)
		}
	}
	if Rank(logits, Argmax(Softmax(logits, 1))) != 1 {
		t.Error("the argmax is not rank 1")
	}
}

func TestMeanRows(t *testing.T) {
	m, err := MeanRows([][]float32{{1, 2}, {3, 6}})
	if err != nil || m[0] != 2 || m[1] != 4 {
		t.Errorf("MeanRows = %v, %v", m, err)
	}
	if _, err := MeanRows(nil); err == nil {
		t.Error("MeanRows(nil) succeeded")
	}
	if _, err := MeanRows([][]float32{{1}, {1, 2}}); err == nil {
		t.Error("MeanRows of ragged rows succeeded")
	}
}

// SelfReads against headRef: the own token's rank among float64 logits
// recomputed from the checkpoint, the top token, and the cosine of the
// normed row (computed here in float64) with the raw row.
func TestSelfReads(t *testing.T) {
	m := tinyTrained(t)
	p := m.MustRun("The capital of France is")
	rs, err := m.SelfReads(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(p.IDs) {
		t.Fatalf("%d reads for %d positions", len(rs), len(p.IDs))
	}
	w := m.Net.MustWeight("norm.weight").Float32()
	turned := false
	for i, r := range rs {
		row := p.Capture.Embedding[i]
		ref := headRef(m, row)
		rank, top := 1, 0
		for id, x := range ref {
			if x > ref[p.IDs[i]] {
				rank++
			}
			if x > ref[top] {
				top = id
			}
		}
		// Without the gain: the row against every row, in float64.
		E, H := m.Net.MustWeight("embed_tokens.weight").Float32(), m.Config().Hidden
		own, plainRank := 0.0, 1
		for j, x := range row {
			own += float64(x) * float64(E[p.IDs[i]*H+j])
		}
		for id := range m.Vocab() {
			var d float64
			for j, x := range row {
				d += float64(x) * float64(E[id*H+j])
			}
			if d > own {
				plainRank++
			}
		}
		if r.RankNoGain != plainRank {
			t.Errorf("position %d: rank without the gain %d, want %d", i, r.RankNoGain, plainRank)
		}
		if r.ID != p.IDs[i] || r.Rank != rank || r.Top.ID != top {
			t.Errorf("position %d: id %d rank %d top %d, want %d %d %d", i, r.ID, r.Rank, r.Top.ID, p.IDs[i], rank, top)
		}
		var dot, ny, nx float64
		for j, x := range row {
			y := float64(x) * (1 + float64(w[j])) // the RMS factor cancels in a cosine
			dot, ny, nx = dot+y*float64(x), ny+y*y, nx+float64(x)*float64(x)
		}
		if want := dot / math.Sqrt(ny*nx); math.Abs(r.Cos-want) > 1e-5 {
			t.Errorf("position %d: cos %v, want %v", i, r.Cos, want)
		}
		turned = turned || r.Cos < 0.999
	}
	if !turned {
		t.Error("the final norm's gain turned no row: a trained gain is not uniform")
	}
}
