package llm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Spaced returns the words of s, each with the leading space a word has
// inside a sentence: Spaced("cat dog") is [" cat", " dog"]. Tokenizers like
// Qwen's keep that space in the token, so " cat" is the token to look up.
func Spaced(s string) []string {
	f := strings.Fields(s)
	for i, w := range f {
		f[i] = " " + w
	}
	return f
}

// Category is a named list of words, such as animals or colours.
type Category struct {
	Name  string
	Words []string
}

// Collection is the embedding rows of the words of several categories that
// are one token each, in order, with their labels and category names; the
// words the vocabulary splits are listed apart, per category.
type Collection struct {
	Rows   [][]float32
	Labels []string // the word of each row
	Groups []string // the category of each row
	Split  map[string][]Word
}

// Collect looks up the words of each category, keeping those that are one
// token (words of several tokens have no row of their own).
func (e *Embeddings) Collect(cats ...Category) Collection {
	c := Collection{Split: map[string][]Word{}}
	for _, cat := range cats {
		single, several := e.Split(cat.Words...)
		for _, w := range single {
			c.Rows = append(c.Rows, w.Vec)
			c.Labels = append(c.Labels, w.Text)
			c.Groups = append(c.Groups, cat.Name)
		}
		if len(several) > 0 {
			c.Split[cat.Name] = several
		}
	}
	return c
}

// MeanCosines returns the mean cosine similarity of two rows of the same
// category and of two rows of different categories, over every pair.
func (c Collection) MeanCosines() (within, across float64) {
	var ws, as float64
	var wn, an int
	for i := range c.Rows {
		for j := i + 1; j < len(c.Rows); j++ {
			cos := Cosine(c.Rows[i], c.Rows[j])
			if c.Groups[i] == c.Groups[j] {
				ws, wn = ws+cos, wn+1
			} else {
				as, an = as+cos, an+1
			}
		}
	}
	if wn > 0 {
		within = ws / float64(wn)
	}
	if an > 0 {
		across = as / float64(an)
	}
	return within, across
}

// Direction returns E(a) − E(b), the step from one word's row to
// another's ("woman" − "man"). Both must be one token.
func (e *Embeddings) Direction(a, b string) ([]float32, error) {
	ia, err := e.Token(a)
	if err != nil {
		return nil, err
	}
	ib, err := e.Token(b)
	if err != nil {
		return nil, err
	}
	return Sub(e.MustRow(ia), e.MustRow(ib)), nil
}

// Compare returns the cosine similarity of v with the row of each text that
// is one token, in order; texts the vocabulary splits are left out.
func (e *Embeddings) Compare(v []float32, texts ...string) ([]Neighbour, error) {
	if len(v) != e.Hidden {
		return nil, fmt.Errorf("llm: a vector of %d values, want the hidden size %d", len(v), e.Hidden)
	}
	var out []Neighbour
	for _, t := range texts {
		id, err := e.Token(t)
		if err != nil {
			continue
		}
		out = append(out, Neighbour{ID: id, Piece: e.m.Piece(id), Cosine: float32(Cosine(v, e.MustRow(id)))})
	}
	return out, nil
}

// ByNorm returns every token id ordered by the norm of its row, shortest
// first (ties by id).
func (e *Embeddings) ByNorm() []int {
	n := e.rowNorms()
	ids := make([]int, len(n))
	for i := range ids {
		ids[i] = i
	}
	slices.SortStableFunc(ids, func(a, b int) int { return cmp.Compare(n[a], n[b]) })
	return ids
}

// Clump is a set of embedding rows that point (almost) the same way: on a
// trained model with tied embeddings, often the rows of tokens that training
// never fed in, which the output layer pushed to one shared vector.
type Clump struct {
	IDs              []int   // the rows, by id
	MeanCosine       float64 // the mean cosine over every pair of them (0 with one row: no pair)
	MinNorm, MaxNorm float32 // the shortest and longest of them
}

// ClumpOf returns the rows whose cosine with row id is at least minCos,
// row id among them.
func (e *Embeddings) ClumpOf(id int, minCos float64) (Clump, error) {
	if err := e.checkID(id); err != nil {
		return Clump{}, err
	}
	cos, err := e.Cosines(e.MustRow(id))
	if err != nil {
		return Clump{}, err
	}
	norms := e.rowNorms()
	c := Clump{MinNorm: norms[id], MaxNorm: norms[id]}
	sum := make([]float64, e.Hidden) // Σ of the unit rows
	for i, v := range cos {
		if float64(v) < minCos && i != id {
			continue
		}
		c.IDs = append(c.IDs, i)
		c.MinNorm, c.MaxNorm = min(c.MinNorm, norms[i]), max(c.MaxNorm, norms[i])
		if norms[i] > 0 {
			for j, x := range e.MustRow(i) {
				sum[j] += float64(x / norms[i])
			}
		}
	}
	// Σ_{a≠b} u_a·u_b = ‖Σ u‖² − Σ ‖u‖², over k(k−1) ordered pairs.
	if k := float64(len(c.IDs)); k > 1 {
		var s2 float64
		for _, x := range sum {
			s2 += x * x
		}
		c.MeanCosine = (s2 - k) / (k * (k - 1))
	}
	return c, nil
}

// MustClumpOf is ClumpOf for notebook cells: it panics with its error.
func (e *Embeddings) MustClumpOf(id int, minCos float64) Clump {
	c, err := e.ClumpOf(id, minCos)
	if err != nil {
		panic(err)
	}
	return c
}

// Place projects v onto the first two principal components of the
// collection's rows, the plane the PCA picture of them draws, and returns
// its two coordinates and the label of the row drawn closest to it there.
func (c Collection) Place(v []float32) (xy [2]float64, nearest string, err error) {
	p, err := FitPCA(c.Rows, 2)
	if err != nil {
		return xy, "", err
	}
	if len(v) != len(p.Mean) {
		return xy, "", fmt.Errorf("llm: a vector of %d values, the rows have %d", len(v), len(p.Mean))
	}
	pr := p.Project(v)
	xy = [2]float64{pr[0], pr[1]}
	best := math.Inf(1)
	for i, q := range p.Coords {
		if d := math.Hypot(q[0]-xy[0], q[1]-xy[1]); d < best {
			best, nearest = d, c.Labels[i]
		}
	}
	return xy, nearest, nil
}

// MustPlace is Place for notebook cells: it panics with its error.
func (c Collection) MustPlace(v []float32) (xy [2]float64, nearest string) {
	xy, nearest, err := c.Place(v)
	if err != nil {
		panic(err)
	}
	return xy, nearest
}

// Leaning is how far some words lean along a direction: the cosine of the
// direction with the row of each word that is one token, and, listed apart,
// the words the vocabulary splits, which have no row to measure.
type Leaning struct {
	Scored []Neighbour
	Split  []Word
}

// Lean measures each text's row against the direction v (see Leaning).
func (e *Embeddings) Lean(v []float32, texts ...string) (Leaning, error) {
	scored, err := e.Compare(v, texts...)
	if err != nil {
		return Leaning{}, err
	}
	_, split := e.Split(texts...)
	return Leaning{Scored: scored, Split: split}, nil
}

// MustLean is Lean for notebook cells: it panics with its error.
func (e *Embeddings) MustLean(v []float32, texts ...string) Leaning {
	l, err := e.Lean(v, texts...)
	if err != nil {
		panic(err)
	}
	return l
}

// Mean is the mean cosine of the scored words (0 if there is none).
func (l Leaning) Mean() float64 {
	var s float64
	for _, n := range l.Scored {
		s += float64(n.Cosine)
	}
	if len(l.Scored) == 0 {
		return 0
	}
	return s / float64(len(l.Scored))
}

// String is one line: each scored word and its cosine, their mean, and the
// words left out because the vocabulary splits them.
func (l Leaning) String() string {
	var b strings.Builder
	for _, n := range l.Scored {
		fmt.Fprintf(&b, "%s %+.2f  ", n.Piece, n.Cosine)
	}
	if len(l.Scored) > 0 {
		fmt.Fprintf(&b, "| mean %+.2f", l.Mean())
	} else {
		b.WriteString("| no word is one token")
	}
	if len(l.Split) > 0 {
		b.WriteString(" | left out, split:")
		for _, w := range l.Split {
			fmt.Fprintf(&b, " %q = %s", w.Text, quoteAll(w.Pieces))
		}
	}
	return b.String()
}
