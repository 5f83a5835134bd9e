package llm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Lenses (chapter 10): read the vocabulary out of the residual stream at
// every layer boundary, not only after the last layer. Boundary 0 is the
// embedding (the stream entering layer 0), boundary b > 0 the stream after
// layer b−1, and boundary Layers the last layer's output, which the LM
// head reads: the logit lens at that boundary is the model's own output.

// Transform maps the residual stream at a boundary before the final norm
// and the LM head read it; nil is the plain logit lens (the identity).
type Transform func(boundary int, h []float32) []float32

// PinRead is one pinned token read at one cell: its 1-based rank over the
// whole vocabulary and its probability.
type PinRead struct {
	ID    int
	Rank  int
	Prob  float64
	Piece string
}

// LensCell is what a lens reads at one boundary and position: the top
// tokens (probabilities over the whole vocabulary) and the pinned tokens.
type LensCell struct {
	Top    []Candidate
	Pinned []PinRead
}

// Lens is a lens grid over one prompt: Cells[b][t] is boundary b (0 …
// Layers) at position t.
type Lens struct {
	Prompt string
	Pieces []string
	Layers int
	Kinds  []LayerType // the kind of each layer (Kinds[b−1] made boundary b)
	Pinned []int       // the pinned ids, in the order given
	Cells  [][]LensCell
	// Answer is the model's own top token after the prompt (the last
	// position, last boundary).
	Answer Candidate
}

// boundaryRows returns the residual stream at boundary b of the pass.
func (p *Pass) boundaryRows(b int) [][]float32 {
	if b == 0 {
		return p.Capture.Embedding
	}
	return p.Capture.Layers[b-1].Residual
}

// Boundary returns the residual stream at boundary b (0 = the embedding,
// b = the output of layer b−1) at position t, a copy.
func (p *Pass) Boundary(b, t int) ([]float32, error) {
	if b < 0 || b > len(p.Capture.Layers) {
		return nil, fmt.Errorf("llm: boundary %d, want 0…%d", b, len(p.Capture.Layers))
	}
	if t < 0 || t >= len(p.IDs) {
		return nil, fmt.Errorf("llm: position %d, want 0…%d", t, len(p.IDs)-1)
	}
	return append([]float32(nil), p.boundaryRows(b)[t]...), nil
}

// ReadBoundary applies tr (nil: none), the final norm and the LM head to
// the residual stream at boundary b, position t: the logits a lens reads.
func (m *Model) ReadBoundary(p *Pass, tr Transform, b, t int) ([]float32, error) {
	h, err := p.Boundary(b, t)
	if err != nil {
		return nil, err
	}
	if tr != nil {
		h = tr(b, h)
	}
	return m.Net.Unembed(h)
}

// MustReadBoundary is ReadBoundary for notebook cells: it panics with its error.
func (m *Model) MustReadBoundary(p *Pass, tr Transform, b, t int) []float32 {
	return must(m.ReadBoundary(p, tr, b, t))
}

// LogitLens reads every boundary and position of the pass through the
// final norm and the LM head: the logit lens. It keeps the k best tokens
// of each cell and the rank of each pinned id.
func (m *Model) LogitLens(p *Pass, k int, pinned ...int) (*Lens, error) {
	return m.LensWith(p, nil, k, pinned...)
}

// MustLogitLens is LogitLens for notebook cells: it panics with its error.
func (m *Model) MustLogitLens(p *Pass, k int, pinned ...int) *Lens {
	l, err := m.LogitLens(p, k, pinned...)
	if err != nil {
		panic(err)
	}
	return l
}

// LensWith is LogitLens with a transform applied to each residual vector
// first (a fitted lens; nil is the logit lens).
func (m *Model) LensWith(p *Pass, tr Transform, k int, pinned ...int) (*Lens, error) {
	if k < 1 {
		return nil, fmt.Errorf("llm: a lens keeping %d tokens per cell: want at least 1", k)
	}
	for _, id := range pinned {
		if id < 0 || id >= m.Vocab() {
			return nil, fmt.Errorf("llm: pinned token id %d outside the vocabulary [0, %d)", id, m.Vocab())
		}
	}
	L := len(p.Capture.Layers)
	l := &Lens{Prompt: p.Prompt, Pieces: p.Pieces, Layers: L, Pinned: pinned, Cells: make([][]LensCell, L+1)}
	for _, lc := range p.Capture.Layers {
		l.Kinds = append(l.Kinds, lc.Type)
	}
	for b := range l.Cells {
		l.Cells[b] = make([]LensCell, len(p.IDs))
		for t := range p.IDs {
			logits, err := m.ReadBoundary(p, tr, b, t)
			if err != nil {
				return nil, err
			}
			c := LensCell{Top: TopCandidates(logits, k, m.Piece)}
			for _, id := range pinned {
				c.Pinned = append(c.Pinned, PinRead{ID: id, Rank: Rank(logits, id), Prob: Prob(logits, id), Piece: m.Piece(id)})
			}
			l.Cells[b][t] = c
		}
	}
	l.Answer = l.Cells[L][len(p.IDs)-1].Top[0]
	return l, nil
}

// Track returns, for each boundary, the rank and probability of id at the
// last position (id need not be pinned; it is read from the cells when it
// is, else it must be in a cell's top k and is -1 ranked otherwise).
func (l *Lens) Track(id int) []PinRead {
	last := len(l.Pieces) - 1
	out := make([]PinRead, len(l.Cells))
	for b := range l.Cells {
		c := l.Cells[b][last]
		out[b] = PinRead{ID: id, Rank: -1}
		for _, pr := range c.Pinned {
			if pr.ID == id {
				out[b] = pr
			}
		}
		if out[b].Rank > 0 {
			continue
		}
		for i, cand := range c.Top {
			if cand.ID == id {
				out[b] = PinRead{ID: id, Rank: i + 1, Prob: float64(cand.Prob), Piece: cand.Piece}
			}
		}
	}
	return out
}

// FirstLayer returns the first boundary from which the last position's top
// token is the model's final answer at every boundary up to the last: where
// the answer appears and stays. It is Layers when it appears only at the
// output.
func (l *Lens) FirstLayer() int {
	last := len(l.Pieces) - 1
	first := l.Layers
	for b := l.Layers; b >= 0; b-- {
		if l.Cells[b][last].Top[0].ID != l.Answer.ID {
			break
		}
		first = b
	}
	return first
}

// LinearLens is a fitted lens: at each boundary b an affine map h ↦ A_b·h +
// c_b (A row-major [Hidden][Hidden]) that carries the residual stream
// toward the last layer's output before the final norm and the LM head
// read it. At boundary Layers it is the identity.
type LinearLens struct {
	Name    string // "least squares" or "Jacobian"
	Hidden  int
	A       [][]float64 // per boundary 0 … Layers−1; nil means the identity
	C       [][]float64 // per boundary; nil means zero
	Samples int         // positions it was fitted on
}

// Apply is the lens's Transform.
func (ll *LinearLens) Apply(b int, h []float32) []float32 {
	if b >= len(ll.A) || ll.A[b] == nil {
		return h
	}
	H := ll.Hidden
	out := make([]float32, H)
	for i := range H {
		row := ll.A[b][i*H : (i+1)*H]
		var s float64
		for j, x := range h {
			s += row[j] * float64(x)
		}
		if ll.C != nil && ll.C[b] != nil {
			s += ll.C[b][i]
		}
		out[i] = float32(s)
	}
	return out
}

// FitLinearLens fits, for every boundary, the affine map that best
// predicts the last layer's output (before the final norm) from the stream
// at that boundary, by least squares over every position of the passes.
// ridge ≥ 0 pulls each map toward the identity (the logit lens), in units
// of the data's mean variance per dimension: with few positions per
// hidden dimension, use a ridge of 0.1 or more. This is a closed-form
// cousin of the tuned lens (which fits its maps by gradient descent to
// match the model's output distribution).
func FitLinearLens(passes []*Pass, ridge float64) (*LinearLens, error) {
	if len(passes) == 0 {
		return nil, fmt.Errorf("llm: FitLinearLens of no passes")
	}
	if ridge < 0 || math.IsNaN(ridge) {
		return nil, fmt.Errorf("llm: FitLinearLens ridge %g: want ≥ 0", ridge)
	}
	L := len(passes[0].Capture.Layers)
	H := len(passes[0].Capture.Embedding[0])
	var n int
	for _, p := range passes {
		if len(p.Capture.Layers) != L || len(p.Capture.Embedding[0]) != H {
			return nil, fmt.Errorf("llm: FitLinearLens: passes of different models")
		}
		n += len(p.IDs)
	}
	if ridge == 0 && n <= H {
		return nil, fmt.Errorf("llm: FitLinearLens: %d positions for %d unknowns per output: give more text or a ridge > 0", n, H+1)
	}
	ll := &LinearLens{Name: "least squares", Hidden: H, A: make([][]float64, L), C: make([][]float64, L), Samples: n}
	Y := stack(passes, L)
	for b := range L {
		A, c, err := ridgeToIdentity(stack(passes, b), Y, ridge)
		if err != nil {
			return nil, fmt.Errorf("llm: FitLinearLens, boundary %d: %w", b, err)
		}
		ll.A[b], ll.C[b] = A, c
	}
	return ll, nil
}

// stack puts the rows at boundary b of every pass into one n×H matrix.
func stack(passes []*Pass, b int) *mat.Dense {
	var n int
	for _, p := range passes {
		n += len(p.IDs)
	}
	H := len(passes[0].Capture.Embedding[0])
	X := mat.NewDense(n, H, nil)
	i := 0
	for _, p := range passes {
		for _, r := range p.boundaryRows(b) {
			for j, x := range r {
				X.Set(i, j, float64(x))
			}
			i++
		}
	}
	return X
}

// ridgeToIdentity solves min ‖Yc − Xc·W‖² + λ‖W − I‖² on centred X, Y, with
// λ = ridge · trace(XcᵀXc)/H, and returns A = Wᵀ (row-major) and c = ȳ − Aᵀx̄
// so that y ≈ A·x + c.
func ridgeToIdentity(X, Y *mat.Dense, ridge float64) ([]float64, []float64, error) {
	n, H := X.Dims()
	xm, ym := colMeans(X), colMeans(Y)
	Xc, Yc := mat.DenseCopyOf(X), mat.DenseCopyOf(Y)
	for i := range n {
		for j := range H {
			Xc.Set(i, j, Xc.At(i, j)-xm[j])
			Yc.Set(i, j, Yc.At(i, j)-ym[j])
		}
	}
	var G, R mat.Dense
	G.Mul(Xc.T(), Xc)
	R.Mul(Xc.T(), Yc)
	lam := ridge * mat.Trace(&G) / float64(H)
	for j := range H {
		G.Set(j, j, G.At(j, j)+lam)
		R.Set(j, j, R.At(j, j)+lam)
	}
	var W mat.Dense
	if err := W.Solve(&G, &R); err != nil {
		return nil, nil, err
	}
	A := make([]float64, H*H) // A[i][j] = W[j][i]
	for i := range H {
		for j := range H {
			A[i*H+j] = W.At(j, i)
		}
	}
	c := make([]float64, H)
	for i := range H {
		s := ym[i]
		for j := range H {
			s -= A[i*H+j] * xm[j]
		}
		c[i] = s
	}
	return A, c, nil
}

func colMeans(X *mat.Dense) []float64 {
	n, H := X.Dims()
	m := make([]float64, H)
	for i := range n {
		for j := range H {
			m[j] += X.At(i, j) / float64(n)
		}
	}
	return m
}

// Jacobian returns ∂h_out/∂h_b at position t of the pass: how the last
// layer's output (before the final norm) at t moves when the stream at
// boundary b, position t, is nudged, as a row-major [Hidden][Hidden]
// matrix (row i: output dimension i). It is computed by central finite
// differences with steps of eps times the vector's RMS: the positions
// before t run once, then each nudge is one step of the layers after b,
// two per input dimension.
func (m *Model) Jacobian(p *Pass, b, t int, eps float64) ([]float64, error) {
	if _, err := p.Boundary(b, t); err != nil {
		return nil, err
	}
	if !(eps > 0) {
		return nil, fmt.Errorf("llm: Jacobian step %g: want > 0", eps)
	}
	H := m.Config().Hidden
	prefix := m.Net.NewState()
	if t > 0 { // later positions cannot change position t; earlier ones run once
		if _, err := m.Net.ForwardFrom(prefix, b, p.boundaryRows(b)[:t]); err != nil {
			return nil, err
		}
	}
	st := prefix.Clone()
	row := append([]float32(nil), p.boundaryRows(b)[t]...)
	step := float32(eps * Norm(row) / math.Sqrt(float64(H)))
	run := func(x float32, j int) ([]float32, error) {
		keep := row[j]
		row[j] = x
		defer func() { row[j] = keep }()
		if err := st.Restore(prefix); err != nil {
			return nil, err
		}
		out, err := m.Net.ForwardFrom(st, b, [][]float32{row})
		if err != nil {
			return nil, err
		}
		return out[0], nil
	}
	J := make([]float64, H*H)
	for j := range H {
		x := row[j]
		up, err := run(x+step, j)
		if err != nil {
			return nil, err
		}
		down, err := run(x-step, j)
		if err != nil {
			return nil, err
		}
		h := float64(x+step) - float64(x-step) // the step as float32 took it
		for i := range H {
			J[i*H+j] = (float64(up[i]) - float64(down[i])) / h
		}
	}
	return J, nil
}

// FitJacobianLens averages the Jacobian ∂h_out/∂h_b over the given
// positions of the passes (positions[i] in passes[i]; -1 is the last) for
// every boundary, and returns the lens h ↦ J̄_b·h. It costs 2·Hidden
// partial passes per boundary and position.
func (m *Model) FitJacobianLens(passes []*Pass, positions []int, eps float64) (*LinearLens, error) {
	if len(passes) == 0 || len(passes) != len(positions) {
		return nil, fmt.Errorf("llm: FitJacobianLens of %d passes and %d positions: want as many, at least one", len(passes), len(positions))
	}
	L, H := m.Config().Layers, m.Config().Hidden
	ll := &LinearLens{Name: "Jacobian", Hidden: H, A: make([][]float64, L), Samples: len(passes)}
	for b := range L {
		avg := make([]float64, H*H)
		for i, p := range passes {
			t := positions[i]
			if t < 0 {
				t = len(p.IDs) - 1
			}
			J, err := m.Jacobian(p, b, t, eps)
			if err != nil {
				return nil, err
			}
			for k, v := range J {
				avg[k] += v / float64(len(passes))
			}
		}
		ll.A[b] = avg
	}
	return ll, nil
}

// LensScore is how well a lens at one boundary agrees with the model's
// output, over many positions.
type LensScore struct {
	Boundary int
	Agree    float64 // share of positions whose top token is the model's
	KL       float64 // mean KL(model ‖ lens) in nats
}

// ScoreLens reads every boundary at every position of the passes through
// tr (nil: the logit lens) and compares with the model's own output there.
func (m *Model) ScoreLens(passes []*Pass, tr Transform) ([]LensScore, error) {
	if len(passes) == 0 {
		return nil, fmt.Errorf("llm: ScoreLens of no passes")
	}
	L := len(passes[0].Capture.Layers)
	out := make([]LensScore, L+1)
	var n float64
	for _, p := range passes {
		for t := range p.IDs {
			final, err := m.ReadBoundary(p, nil, L, t)
			if err != nil {
				return nil, err
			}
			lp := LogSoftmax(final, 1)
			want := Argmax(final)
			n++
			for b := 0; b <= L; b++ {
				got, err := m.ReadBoundary(p, tr, b, t)
				if err != nil {
					return nil, err
				}
				lq := LogSoftmax(got, 1)
				var kl float64
				for i, a := range lp {
					if a > -80 {
						kl += math.Exp(float64(a)) * float64(a-lq[i])
					}
				}
				out[b].Boundary = b
				out[b].KL += kl
				if Argmax(got) == want {
					out[b].Agree++
				}
			}
		}
	}
	for b := range out {
		out[b].Agree /= n
		out[b].KL /= n
	}
	return out, nil
}

// Agreements returns the Agree column of scores, one per boundary.
func Agreements(scores []LensScore) []float64 {
	out := make([]float64, len(scores))
	for i, s := range scores {
		out[i] = s.Agree
	}
	return out
}

// BoundaryLabels names boundaries 0 … layers: "emb", "1", "2", ….
func BoundaryLabels(layers int) []string {
	out := []string{"emb"}
	for b := 1; b <= layers; b++ {
		out = append(out, fmt.Sprint(b))
	}
	return out
}

// CheckJacobian compares J (from Jacobian at boundary b, position t) with
// a finite difference along one random direction v (seeded), taken with
// another step and all earlier positions rerun: it returns the largest
// |J·v − Δ|, relative to the largest |Δ|. A correct Jacobian gives a few
// thousandths (float32 rounding and curvature).
func (m *Model) CheckJacobian(p *Pass, b, t int, J []float64, seed uint64) (float64, error) {
	H := m.Config().Hidden
	if len(J) != H*H {
		return 0, fmt.Errorf("llm: CheckJacobian of %d values, want %d×%d", len(J), H, H)
	}
	if _, err := p.Boundary(b, t); err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(seed, 1))
	v := make([]float32, H)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	rows := make([][]float32, t+1)
	for i := range rows {
		rows[i] = append([]float32(nil), p.boundaryRows(b)[i]...)
	}
	x := rows[t]
	delta := 5e-3 * Norm(x) / math.Sqrt(float64(H)) // unit-variance v: a nudge of 0.5% of the vector
	run := func(s float64) ([]float32, error) {
		rows[t] = make([]float32, H)
		for i := range x {
			rows[t][i] = x[i] + float32(s)*v[i]
		}
		out, err := m.Net.ForwardFrom(m.Net.NewState(), b, rows)
		if err != nil {
			return nil, err
		}
		return out[t], nil
	}
	up, err := run(delta)
	if err != nil {
		return 0, err
	}
	down, err := run(-delta)
	if err != nil {
		return 0, err
	}
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
	if scale == 0 {
		return worst, nil
	}
	return worst / scale, nil
}
