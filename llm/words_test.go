package llm

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestClumpOf checks the clump around the embedded model's longest row
// against a brute-force pass over every row and every pair.
func TestClumpOf(t *testing.T) {
	_, e, _ := tinyEmb(t)
	ids := e.ByNorm()
	top := ids[len(ids)-1]
	const minCos = 0.999
	c, err := e.ClumpOf(top, minCos)
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for id := range e.Vocab {
		if Cosine(e.MustRow(id), e.MustRow(top)) >= minCos-1e-6 {
			want = append(want, id)
		}
	}
	if d := len(c.IDs) - len(want); d < -1 || d > 1 { // a row right at the edge may round either way
		t.Fatalf("clump of %d rows, brute force %d", len(c.IDs), len(want))
	}
	if len(c.IDs) < 2 {
		t.Fatalf("the embedded model's longest row has no twin: %d rows", len(c.IDs))
	}
	var sum float64
	var pairs int
	norms := e.Norms()
	for a, i := range c.IDs {
		if norms[i] < c.MinNorm || norms[i] > c.MaxNorm {
			t.Errorf("row %d norm %g outside [%g, %g]", i, norms[i], c.MinNorm, c.MaxNorm)
		}
		for _, j := range c.IDs[a+1:] {
			sum += Cosine(e.MustRow(i), e.MustRow(j))
			pairs++
		}
	}
	if got, want := c.MeanCosine, sum/float64(pairs); math.Abs(got-want) > 1e-6 {
		t.Errorf("mean cosine %g, over every pair by hand %g", got, want)
	}
	one, err := e.ClumpOf(top, 1.5) // no cosine reaches 1.5: the row alone
	if err != nil || len(one.IDs) != 1 || one.IDs[0] != top || one.MeanCosine != 0 {
		t.Errorf("ClumpOf(top, 1.5) = %+v, %v: want the row alone", one, err)
	}
	if _, err := e.ClumpOf(e.Vocab, 0.9); err == nil {
		t.Error("ClumpOf an id outside the vocabulary: no error")
	}
}

// TestPlace checks that a row of the collection lands on its own point of
// the PCA picture (the coordinates FitPCA stored when it fitted).
func TestPlace(t *testing.T) {
	_, e, _ := tinyEmb(t)
	c := e.Collect(Category{"animals", Spaced("dog cat horse cow bird")}, Category{"numbers", Spaced("one two three four five")})
	p, err := FitPCA(c.Rows, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range c.Rows {
		xy, near, err := c.Place(r)
		if err != nil {
			t.Fatal(err)
		}
		if near != c.Labels[i] || math.Abs(xy[0]-p.Coords[i][0]) > 1e-9 || math.Abs(xy[1]-p.Coords[i][1]) > 1e-9 {
			t.Errorf("%q placed at %v near %q, drawn at %v", c.Labels[i], xy, near, p.Coords[i])
		}
	}
	if _, _, err := c.Place(make([]float32, 3)); err == nil {
		t.Error("Place of a 3-value vector: no error")
	}
	if _, _, err := (Collection{}).Place(c.Rows[0]); err == nil {
		t.Error("Place on an empty collection: no error")
	}
}

// TestLean checks the leaning of words along woman − man: the cosines of
// the one-token words, computed here from their rows, and the split words
// listed apart, never silently dropped.
func TestLean(t *testing.T) {
	_, e, _ := tinyEmb(t)
	d, err := e.Direction(" woman", " man")
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{" she", " queen", " he"} // " queen" is two tokens in the embedded vocabulary
	l, err := e.Lean(d, texts...)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Scored) != 2 || len(l.Split) != 1 || l.Split[0].Text != " queen" {
		t.Fatalf("scored %v, split %v", l.Scored, l.Split)
	}
	var sum float64
	for i, text := range []string{" she", " he"} {
		id, _ := e.Token(text)
		want := Cosine(d, e.MustRow(id))
		if l.Scored[i].Piece != text || math.Abs(float64(l.Scored[i].Cosine)-want) > 1e-6 {
			t.Errorf("%q: %v, want cosine %g", text, l.Scored[i], want)
		}
		sum += want
	}
	if math.Abs(l.Mean()-sum/2) > 1e-6 {
		t.Errorf("mean %g, want %g", l.Mean(), sum/2)
	}
	s := l.String()
	if !strings.Contains(s, `left out, split: " queen" = " qu" + "een"`) || !strings.Contains(s, fmt.Sprintf("| mean %+.2f", sum/2)) {
		t.Errorf("String() = %q", s)
	}
	if got := (Leaning{}).String(); got != "| no word is one token" {
		t.Errorf("empty leaning: %q", got)
	}
	if _, err := e.Lean(make([]float32, 3), " she"); err == nil {
		t.Error("Lean with a 3-value direction: no error")
	}
}
