package llm

import (
	"cmp"
	"fmt"
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
