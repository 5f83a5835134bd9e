package llm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

// TestLogitLensAgainstRecomputation checks the lens grid: at the last
// boundary every position reads the model's own logits (LogitsAll), and at
// every boundary the top token and its probability match a float64
// recomputation of the final norm and the tied head from the checkpoint.
func TestLogitLensAgainstRecomputation(t *testing.T) {
	m, _, _ := tinyEmb(t)
	p := m.MustRun("The cat sat on the mat")
	pin := p.IDs[1]
	l, err := m.LogitLens(p, 5, pin)
	if err != nil {
		t.Fatal(err)
	}
	L := m.Config().Layers
	if len(l.Cells) != L+1 || len(l.Cells[0]) != len(p.IDs) || len(l.Kinds) != L {
		t.Fatalf("grid %d×%d, kinds %d", len(l.Cells), len(l.Cells[0]), len(l.Kinds))
	}
	all, err := m.LogitsAll(p.IDs)
	if err != nil {
		t.Fatal(err)
	}
	for pos := range p.IDs {
		want := TopCandidates(all[pos], 5, m.Piece)
		for i, c := range l.Cells[L][pos].Top {
			if c.ID != want[i].ID || math.Abs(float64(c.Prob-want[i].Prob)) > 1e-4 {
				t.Errorf("last boundary, position %d, rank %d: %+v, the model's %+v", pos, i, c, want[i])
			}
		}
	}
	if l.Answer.ID != p.Top[0].ID {
		t.Errorf("answer %q, the pass's top %q", l.Answer.Piece, p.Top[0].Piece)
	}
	for b := 0; b <= L; b++ {
		for pos := range p.IDs {
			h, _ := p.Boundary(b, pos)
			ref := headRef(m, h)
			best := 0
			var z float64
			for id, v := range ref {
				if v > ref[best] {
					best = id
				}
				z += math.Exp(v)
			}
			c := l.Cells[b][pos]
			if c.Top[0].ID != best {
				t.Errorf("boundary %d position %d: top %d, recomputed %d", b, pos, c.Top[0].ID, best)
			}
			if want := math.Exp(ref[best]) / z; math.Abs(float64(c.Top[0].Prob)-want) > 1e-3 {
				t.Errorf("boundary %d position %d: p %g, recomputed %g", b, pos, c.Top[0].Prob, want)
			}
			rank := 1
			for _, v := range ref {
				if v > ref[pin] {
					rank++
				}
			}
			if pr := c.Pinned[0]; pr.ID != pin || pr.Rank != rank || math.Abs(pr.Prob-math.Exp(ref[pin])/z) > 1e-3 {
				t.Errorf("boundary %d position %d: pinned %+v, recomputed rank %d", b, pos, pr, rank)
			}
		}
	}
	// Track agrees with the pinned cells; FirstLayer's boundary and all after it read the answer.
	for b, pr := range l.Track(pin) {
		if pr != l.Cells[b][len(p.IDs)-1].Pinned[0] {
			t.Errorf("Track at %d: %+v", b, pr)
		}
	}
	f := l.FirstLayer()
	for b := f; b <= L; b++ {
		if l.Cells[b][len(p.IDs)-1].Top[0].ID != l.Answer.ID {
			t.Errorf("FirstLayer %d, but boundary %d reads another token", f, b)
		}
	}
	if f > 0 && l.Cells[f-1][len(p.IDs)-1].Top[0].ID == l.Answer.ID {
		t.Errorf("FirstLayer %d, but boundary %d already reads the answer", f, f-1)
	}
	if _, err := m.LogitLens(p, 0); err == nil {
		t.Error("a lens of 0 tokens per cell succeeded")
	}
	if _, err := m.LogitLens(p, 3, m.Vocab()); err == nil {
		t.Error("pinning an id outside the vocabulary succeeded")
	}
	if _, err := p.Boundary(L+1, 0); err == nil {
		t.Error("boundary past the last succeeded")
	}
}

// fakePass makes a one-layer "pass" whose layer output is A·x + c exactly.
func fakePass(r *rand.Rand, n, H int, A []float64, c []float64) *Pass {
	p := &Pass{IDs: make([]int, n), Capture: &Capture{Layers: make([]model.LayerCapture, 1)}}
	for range n {
		x := make([]float32, H)
		y := make([]float32, H)
		for j := range x {
			x[j] = float32(r.NormFloat64())
		}
		for i := range y {
			s := c[i]
			for j := range x {
				s += A[i*H+j] * float64(x[j])
			}
			y[i] = float32(s)
		}
		p.Capture.Embedding = append(p.Capture.Embedding, x)
		p.Capture.Layers[0].Residual = append(p.Capture.Layers[0].Residual, y)
	}
	return p
}

// TestFitLinearLens recovers a known affine map by least squares, and
// shrinks to the identity under a large ridge.
func TestFitLinearLens(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const H = 6
	A, c := make([]float64, H*H), make([]float64, H)
	for i := range A {
		A[i] = r.NormFloat64()
	}
	for i := range c {
		c[i] = r.NormFloat64()
	}
	passes := []*Pass{fakePass(r, 20, H, A, c), fakePass(r, 15, H, A, c)}
	ll, err := FitLinearLens(passes, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range A {
		if math.Abs(ll.A[0][i]-A[i]) > 1e-4 {
			t.Fatalf("A[%d] = %g, want %g", i, ll.A[0][i], A[i])
		}
	}
	for i := range c {
		if math.Abs(ll.C[0][i]-c[i]) > 1e-4 {
			t.Fatalf("c[%d] = %g, want %g", i, ll.C[0][i], c[i])
		}
	}
	x := passes[0].Capture.Embedding[3]
	if got, want := ll.Apply(0, x), passes[0].Capture.Layers[0].Residual[3]; MaxDiff(got, want) > 1e-3 {
		t.Errorf("Apply %v, want %v", got, want)
	}
	if got := ll.Apply(1, x); &got[0] != &x[0] {
		t.Error("Apply at the last boundary is not the identity")
	}
	big, err := FitLinearLens(passes, 1e9)
	if err != nil {
		t.Fatal(err)
	}
	for i := range H {
		for j := range H {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(big.A[0][i*H+j]-want) > 1e-3 {
				t.Fatalf("ridge 1e9: A[%d][%d] = %g, want %g", i, j, big.A[0][i*H+j], want)
			}
		}
	}
	if _, err := FitLinearLens(passes[:1], 0); err != nil {
		t.Error(err) // 20 positions > 6 unknowns: fine
	}
	if _, err := FitLinearLens([]*Pass{fakePass(r, 4, H, A, c)}, 0); err == nil {
		t.Error("a fit with fewer positions than unknowns and no ridge succeeded")
	}
	if _, err := FitLinearLens(nil, 0); err == nil {
		t.Error("a fit of no passes succeeded")
	}
	if _, err := FitLinearLens(passes, -1); err == nil {
		t.Error("a negative ridge succeeded")
	}
}

// TestJacobian checks the finite-difference Jacobian: J·v against a
// directional difference along a random v with another step, the identity
// at the last boundary, and the Jacobian lens built from it.
func TestJacobian(t *testing.T) {
	m, _, _ := tinyEmb(t)
	p := m.MustRun("The dog ran to the")
	H, L := m.Config().Hidden, m.Config().Layers
	tpos := 3
	for _, b := range []int{2, L - 1} {
		J, err := m.Jacobian(p, b, tpos, 1e-2)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(5, uint64(b)))
		v := make([]float32, H)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		// Directional difference: run the rows with row t ± δ·v.
		rows := make([][]float32, tpos+1)
		for i := range rows {
			rows[i], _ = p.Boundary(b, i)
		}
		x := rows[tpos]
		const delta = 5e-3
		run := func(s float32) []float32 {
			rows[tpos] = make([]float32, H)
			for i := range x {
				rows[tpos][i] = x[i] + s*v[i]
			}
			out, err := m.Net.ForwardFrom(m.Net.NewState(), b, rows)
			if err != nil {
				t.Fatal(err)
			}
			return out[tpos]
		}
		up, down := run(delta), run(-delta)
		var worst, scale float64
		for i := range H {
			var jv float64
			for j := range H {
				jv += J[i*H+j] * float64(v[j])
			}
			fd := (float64(up[i]) - float64(down[i])) / (2 * delta)
			worst = max(worst, math.Abs(jv-fd))
			scale = max(scale, math.Abs(fd))
		}
		if worst > 0.02*scale {
			t.Errorf("boundary %d: J·v differs from the directional difference by %g (largest entry %g)", b, worst, scale)
		}
	}
	// CheckJacobian agrees, and catches a wrong matrix.
	J2, _ := m.Jacobian(p, 2, tpos, 1e-2)
	if e, err := m.CheckJacobian(p, 2, tpos, J2, 9); err != nil || e > 0.02 {
		t.Errorf("CheckJacobian = %g, %v", e, err)
	}
	for i := range J2 {
		J2[i] *= 1.1
	}
	if e, _ := m.CheckJacobian(p, 2, tpos, J2, 9); e < 0.05 {
		t.Errorf("CheckJacobian of a matrix 10%% off = %g", e)
	}
	if _, err := m.CheckJacobian(p, 2, tpos, J2[:5], 9); err == nil {
		t.Error("CheckJacobian of a short matrix succeeded")
	}
	if got := BoundaryLabels(2); len(got) != 3 || got[0] != "emb" || got[2] != "2" {
		t.Errorf("BoundaryLabels(2) = %v", got)
	}
	J, err := m.Jacobian(p, L, tpos, 1e-2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range H {
		for j := range H {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(J[i*H+j]-want) > 1e-3 {
				t.Fatalf("last boundary: J[%d][%d] = %g, want %g", i, j, J[i*H+j], want)
			}
		}
	}
	if _, err := m.Jacobian(p, 0, len(p.IDs), 1e-2); err == nil {
		t.Error("Jacobian at a position past the end succeeded")
	}
	if _, err := m.Jacobian(p, 0, 0, 0); err == nil {
		t.Error("Jacobian with step 0 succeeded")
	}
	jl, err := m.FitJacobianLens([]*Pass{p}, []int{-1}, 1e-2)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := m.Jacobian(p, L-1, len(p.IDs)-1, 1e-2)
	for i, v := range last {
		if jl.A[L-1][i] != v {
			t.Fatalf("the lens of one position is not its Jacobian (entry %d)", i)
		}
	}
}

// TestScoreLens: at the last boundary every lens agrees with the model
// (agreement 1, KL 0); the identity LinearLens scores as the logit lens.
func TestScoreLens(t *testing.T) {
	m, _, _ := tinyEmb(t)
	passes := []*Pass{m.MustRun("The cat sat on the mat."), m.MustRun("She walked home.")}
	plain, err := m.ScoreLens(passes, nil)
	if err != nil {
		t.Fatal(err)
	}
	L := m.Config().Layers
	if plain[L].Agree != 1 || math.Abs(plain[L].KL) > 1e-4 {
		t.Errorf("last boundary %+v, want agreement 1, KL 0", plain[L])
	}
	id, err := m.ScoreLens(passes, (&LinearLens{Hidden: m.Config().Hidden, A: make([][]float64, L)}).Apply)
	if err != nil {
		t.Fatal(err)
	}
	for b := range plain {
		if plain[b] != id[b] {
			t.Errorf("boundary %d: identity lens %+v, logit lens %+v", b, id[b], plain[b])
		}
		if plain[b].KL < -1e-6 || plain[b].Agree < 0 || plain[b].Agree > 1 {
			t.Errorf("boundary %d: %+v", b, plain[b])
		}
	}
	if a := Agreements(plain); len(a) != L+1 || a[L] != 1 {
		t.Errorf("Agreements = %v", a)
	}
	if _, err := m.ScoreLens(nil, nil); err == nil {
		t.Error("ScoreLens of no passes succeeded")
	}
}
