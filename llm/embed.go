package llm

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/how-llms-work/course/llm/half"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/simd"
)

// Embeddings is a read-only view of a model's embedding matrix
// (embed_tokens.weight, [Vocab, Hidden]): row id is the vector that token
// id becomes when it enters the first layer. It reads the checkpoint in
// place, without a copy; comparing a vector with every row is one
// matrix–vector product. Make one with Model.Embeddings. Its methods may be
// called from several goroutines.
type Embeddings struct {
	Vocab, Hidden int
	DType         string // how the checkpoint stores the matrix: "BF16", "F16" or "F32"
	// Tied is true when the model's LM head is this same matrix
	// (tie_word_embeddings), so that logits = E · final hidden state.
	Tied bool

	m         *Model
	u16       []uint16 // BF16 or F16 words, a view of the checkpoint
	f32       []float32
	norms     []float32 // the L2 norm of every row, computed on first use
	normsOnce sync.Once

	mu   sync.Mutex // guards pool, which one goroutine may use at a time
	pool *simd.Pool
}

// Neighbour is one token found near a vector: its id, its text and the
// cosine similarity of its embedding row with the vector.
type Neighbour struct {
	ID     int     `json:"id"`
	Piece  string  `json:"piece"`
	Cosine float32 `json:"cosine"`
}

// Word is a piece of text as the embedding sees it: the tokens the
// tokenizer cuts it into and one vector. For a text that is one token the
// vector is that token's row; for a text of several tokens it is the mean
// of their rows (a rough stand-in: the model itself never averages).
type Word struct {
	Text   string
	IDs    []int
	Pieces []string
	Vec    []float32
}

// Single reports whether the text is exactly one token.
func (w Word) Single() bool { return len(w.IDs) == 1 }

// Embeddings returns the view of the model's embedding matrix.
func (m *Model) Embeddings() (*Embeddings, error) {
	t, err := m.Net.Weight("embed_tokens.weight")
	if err != nil {
		return nil, fmt.Errorf("llm: embeddings: %w", err)
	}
	cfg := m.Config()
	if len(t.Shape) != 2 || t.Shape[0] != cfg.Vocab || t.Shape[1] != cfg.Hidden {
		return nil, fmt.Errorf("llm: embeddings: tensor %q has shape %v, want [%d %d]", t.Name, t.Shape, cfg.Vocab, cfg.Hidden)
	}
	e := &Embeddings{
		Vocab: cfg.Vocab, Hidden: cfg.Hidden, DType: string(t.DType), Tied: cfg.TieEmbeddings,
		m: m, pool: simd.NewPool(runtime.GOMAXPROCS(0)),
	}
	switch t.DType {
	case safetensors.BF16, safetensors.F16:
		e.u16, err = t.U16()
	case safetensors.F32:
		e.f32, err = t.F32()
	default:
		err = fmt.Errorf("dtype %s, want BF16, F16 or F32", t.DType)
	}
	if err != nil {
		return nil, fmt.Errorf("llm: embeddings: tensor %q: %w", t.Name, err)
	}
	return e, nil
}

// rowNorms returns the norm of every row, computing them on first use (a
// pass over the whole matrix, split across threads).
func (e *Embeddings) rowNorms() []float32 {
	e.normsOnce.Do(func() {
		e.norms = make([]float32, e.Vocab)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.pool.For(e.Vocab, func(lo, hi int) {
			row := make([]float32, e.Hidden)
			for id := lo; id < hi; id++ {
				e.row(row, id)
				e.norms[id] = float32(Norm(row))
			}
		})
	})
	return e.norms
}

// MustEmbeddings is Embeddings for notebook cells: it panics with its error.
func (m *Model) MustEmbeddings() *Embeddings {
	e, err := m.Embeddings()
	if err != nil {
		panic(err)
	}
	return e
}

// Bytes is the memory the matrix takes as stored.
func (e *Embeddings) Bytes() int64 {
	if e.f32 != nil {
		return 4 * int64(len(e.f32))
	}
	return 2 * int64(len(e.u16))
}

// row widens row id into dst (len Hidden); id must be valid.
func (e *Embeddings) row(dst []float32, id int) {
	off := id * e.Hidden
	switch {
	case e.f32 != nil:
		copy(dst, e.f32[off:off+e.Hidden])
	case e.DType == string(safetensors.F16):
		for i, h := range e.u16[off : off+e.Hidden] {
			dst[i] = half.F16ToF32(h)
		}
	default:
		for i, b := range e.u16[off : off+e.Hidden] {
			dst[i] = half.BF16ToF32(b)
		}
	}
}

func (e *Embeddings) checkID(id int) error {
	if id < 0 || id >= e.Vocab {
		return fmt.Errorf("llm: token id %d outside the vocabulary [0, %d)", id, e.Vocab)
	}
	return nil
}

// Row returns a copy of token id's embedding row as float32.
func (e *Embeddings) Row(id int) ([]float32, error) {
	if err := e.checkID(id); err != nil {
		return nil, err
	}
	r := make([]float32, e.Hidden)
	e.row(r, id)
	return r, nil
}

// MustRow is Row for notebook cells: it panics with its error.
func (e *Embeddings) MustRow(id int) []float32 {
	r, err := e.Row(id)
	if err != nil {
		panic(err)
	}
	return r
}

// Norms returns the L2 norm of every row, indexed by token id (a copy).
func (e *Embeddings) Norms() []float32 { return append([]float32(nil), e.rowNorms()...) }

// Scores returns E·v: the dot product of v (len Hidden) with every row, one
// score per token. With the final hidden state of a tied model these are
// the logits.
func (e *Embeddings) Scores(v []float32) ([]float32, error) {
	if len(v) != e.Hidden {
		return nil, fmt.Errorf("llm: a vector of %d values, want the hidden size %d", len(v), e.Hidden)
	}
	out := make([]float32, e.Vocab)
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.f32 != nil:
		e.pool.MatVecF32(out, e.f32, v)
	case e.DType == string(safetensors.F16):
		e.pool.MatVecF16(out, e.u16, v)
	default:
		e.pool.MatVecBF16(out, e.u16, v)
	}
	return out, nil
}

// Cosines returns the cosine similarity of v with every row,
// E·v / (‖E_i‖ ‖v‖), one per token; rows or vectors of norm zero give 0.
func (e *Embeddings) Cosines(v []float32) ([]float32, error) {
	s, err := e.Scores(v)
	if err != nil {
		return nil, err
	}
	nv := float32(Norm(v))
	norms := e.rowNorms()
	for i := range s {
		if d := norms[i] * nv; d > 0 {
			s[i] /= d
		} else {
			s[i] = 0
		}
	}
	return s, nil
}

// Nearest returns the k tokens of the whole vocabulary whose rows have the
// highest cosine similarity with v, best first, leaving out the ids in
// exclude (say, the words a query was built from).
func (e *Embeddings) Nearest(v []float32, k int, exclude ...int) ([]Neighbour, error) {
	c, err := e.Cosines(v)
	if err != nil {
		return nil, err
	}
	for _, id := range exclude {
		if err := e.checkID(id); err != nil {
			return nil, err
		}
		c[id] = float32(math.NaN()) // TopK never ranks NaN
	}
	var out []Neighbour
	for _, r := range TopK(c, k) {
		out = append(out, Neighbour{ID: r.ID, Piece: e.m.Piece(r.ID), Cosine: r.Value})
	}
	return out, nil
}

// MustNearest is Nearest for notebook cells: it panics with its error.
func (e *Embeddings) MustNearest(v []float32, k int, exclude ...int) []Neighbour {
	n, err := e.Nearest(v, k, exclude...)
	if err != nil {
		panic(err)
	}
	return n
}

// Mix returns wᵀE = Σ_i w[i]·E[i], a weighted sum of rows (len(w) must be
// Vocab). With a one-hot w (1 at id, 0 elsewhere) it is row id: a lookup
// is a matrix product with a one-hot vector, done the cheap way.
func (e *Embeddings) Mix(w []float32) ([]float32, error) {
	if len(w) != e.Vocab {
		return nil, fmt.Errorf("llm: Mix of %d weights, want one per token (%d)", len(w), e.Vocab)
	}
	out := make([]float64, e.Hidden)
	row := make([]float32, e.Hidden)
	for id, wi := range w {
		e.row(row, id) // every row, also where wi = 0: this is the product, not a lookup
		for j, x := range row {
			out[j] += float64(wi) * float64(x)
		}
	}
	return float32s(out), nil
}

// Word returns text as the embedding sees it: its tokens, and their row
// (one token) or the mean of their rows (several). Write the leading space
// a word has inside a sentence: " king", not "king".
func (e *Embeddings) Word(text string) (Word, error) {
	ids := e.m.Encode(text)
	if len(ids) == 0 {
		return Word{}, fmt.Errorf("llm: %q has no tokens", text)
	}
	w := Word{Text: text, IDs: ids, Pieces: e.m.Pieces(ids)}
	sum := make([]float64, e.Hidden)
	row := make([]float32, e.Hidden)
	for _, id := range ids {
		if err := e.checkID(id); err != nil {
			return Word{}, fmt.Errorf("llm: %q: %w", text, err)
		}
		e.row(row, id)
		for j, x := range row {
			sum[j] += float64(x) / float64(len(ids))
		}
	}
	w.Vec = float32s(sum)
	return w, nil
}

// MustWord is Word for notebook cells: it panics with its error.
func (e *Embeddings) MustWord(text string) Word {
	w, err := e.Word(text)
	if err != nil {
		panic(err)
	}
	return w
}

// Token returns the id of text when it is exactly one token, and an error
// naming its pieces when the tokenizer cuts it into several.
func (e *Embeddings) Token(text string) (int, error) {
	w, err := e.Word(text)
	if err != nil {
		return 0, err
	}
	if !w.Single() {
		return 0, fmt.Errorf("llm: %q is %d tokens in this vocabulary (%s), not one", text, len(w.IDs), quoteAll(w.Pieces))
	}
	return w.IDs[0], nil
}

// Analogy returns the k nearest tokens to E(a) − E(b) + E(c) ("king" −
// "man" + "woman"), leaving out a, b and c themselves. Each word must be one
// token (write the leading space: " king").
func (e *Embeddings) Analogy(a, b, c string, k int) ([]Neighbour, error) {
	var ids [3]int
	var vs [3][]float32
	for i, w := range []string{a, b, c} {
		id, err := e.Token(w)
		if err != nil {
			return nil, err
		}
		ids[i], vs[i] = id, e.MustRow(id)
	}
	return e.Nearest(Add(Sub(vs[0], vs[1]), vs[2]), k, ids[:]...)
}

// MustAnalogy is Analogy for notebook cells: it panics with its error.
func (e *Embeddings) MustAnalogy(a, b, c string, k int) []Neighbour {
	n, err := e.Analogy(a, b, c, k)
	if err != nil {
		panic(err)
	}
	return n
}

// Split sorts texts into those that are one token in this vocabulary and
// those that are several (as Words, so their pieces can be shown).
func (e *Embeddings) Split(texts ...string) (single, several []Word) {
	for _, t := range texts {
		w, err := e.Word(t)
		if err != nil {
			continue // no tokens: neither
		}
		if w.Single() {
			single = append(single, w)
		} else {
			several = append(several, w)
		}
	}
	return single, several
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, " + ")
}

// Norm returns the L2 norm ‖v‖ = √Σ v_i², accumulated in float64.
func Norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// Dot returns Σ a_i·b_i, accumulated in float64; the vectors must have the
// same length (it panics otherwise).
func Dot(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("llm: Dot of vectors of length %d and %d", len(a), len(b)))
	}
	var s float64
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return s
}

// Cosine returns the cosine similarity a·b / (‖a‖ ‖b‖), in [−1, 1]: 1 for
// vectors pointing the same way, 0 for perpendicular ones, whatever their
// lengths. A zero vector gives 0.
func Cosine(a, b []float32) float64 {
	d := Norm(a) * Norm(b)
	if d == 0 {
		return 0
	}
	return Dot(a, b) / d
}

// Sub returns a − b elementwise (a new slice).
func Sub(a, b []float32) []float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("llm: Sub of vectors of length %d and %d", len(a), len(b)))
	}
	out := make([]float32, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

// Add returns a + b elementwise (a new slice).
func Add(a, b []float32) []float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("llm: Add of vectors of length %d and %d", len(a), len(b)))
	}
	out := make([]float32, len(a))
	for i := range a {
		out[i] = a[i] + b[i]
	}
	return out
}

func float32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// Model returns the model whose matrix this is.
func (e *Embeddings) Model() *Model { return e.m }

// MustScores is Scores for notebook cells: it panics with its error.
func (e *Embeddings) MustScores(v []float32) []float32 {
	s, err := e.Scores(v)
	if err != nil {
		panic(err)
	}
	return s
}

// MustMix is Mix for notebook cells: it panics with its error.
func (e *Embeddings) MustMix(w []float32) []float32 {
	v, err := e.Mix(w)
	if err != nil {
		panic(err)
	}
	return v
}

// MustDirection is Direction for notebook cells: it panics with its error.
func (e *Embeddings) MustDirection(a, b string) []float32 {
	v, err := e.Direction(a, b)
	if err != nil {
		panic(err)
	}
	return v
}

// MustCompare is Compare for notebook cells: it panics with its error.
func (e *Embeddings) MustCompare(v []float32, texts ...string) []Neighbour {
	n, err := e.Compare(v, texts...)
	if err != nil {
		panic(err)
	}
	return n
}
