package llm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/how-llms-work/course/llm/model"
)

// Neurons holds the SwiGLU activations silu(gate·x) ⊙ (up·x) of every
// layer's MLP (LayerCapture.MLP) at every token of a text: the raw material
// of the neuron explorer. Make one with Model.RecordNeurons.
type Neurons struct {
	Layers, Units int // layers of the model, units per MLP (Intermediate)
	IDs           []int
	Pieces        []string
	// Starts are the positions in IDs where the model's context starts
	// afresh: each window of text runs from an empty state, so a context
	// shown around a token never crosses one.
	Starts []int
	// Window is the most tokens read from one fresh state.
	Window int

	act [][]float32 // [layer][unit*Len() + pos]: one unit's activations are contiguous
}

// transpose turns rows [pos][unit], flattened, into the record's
// unit-major layout.
func transpose(rows []float32, tokens, units int) []float32 {
	out := make([]float32, len(rows))
	for p := range tokens {
		for u, v := range rows[p*units : (p+1)*units] {
			out[u*tokens+p] = v
		}
	}
	return out
}

// Neuron names one unit of one layer's MLP. Neg reads its activation with
// the sign flipped: a unit's output direction (its column of down_proj) is
// added with the activation's sign, so a strongly negative activation is as
// much a "firing" as a strongly positive one.
type Neuron struct {
	Layer, Unit int
	Neg         bool
}

// String names the neuron as the chapter does: "layer 3 · unit 117", with
// " (−)" when read negated.
func (u Neuron) String() string {
	s := fmt.Sprintf("layer %d · unit %d", u.Layer, u.Unit)
	if u.Neg {
		s += " (−)"
	}
	return s
}

// neuronWindow is the longest run of tokens RecordNeurons feeds from one
// fresh state (bounded further by the model's context).
const neuronWindow = 128

// RecordNeurons runs texts through the model and keeps every layer's MLP
// activations at every token, up to maxTokens tokens in all. Each text is
// cut into windows of at most 128 tokens (fewer if the model's context is
// shorter), each run from a fresh state, so memory stays bounded by one
// window's capture. progress, if not nil, is called after each window with
// the tokens done and the total that will be run.
func (m *Model) RecordNeurons(texts []string, maxTokens int, progress func(done, total int)) (*Neurons, error) {
	if maxTokens <= 0 {
		return nil, fmt.Errorf("llm: RecordNeurons: maxTokens %d: want at least 1", maxTokens)
	}
	c := m.Config()
	win := min(neuronWindow, c.MaxPositions)
	var windows [][]int
	total := 0
	for _, text := range texts {
		ids := m.Encode(text)
		for len(ids) > 0 && total < maxTokens {
			k := min(len(ids), win, maxTokens-total)
			windows = append(windows, ids[:k])
			ids, total = ids[k:], total+k
		}
	}
	if total == 0 {
		return nil, fmt.Errorf("llm: RecordNeurons: the %d texts have no tokens", len(texts))
	}
	n := &Neurons{Layers: c.Layers, Units: c.Intermediate, Window: win, act: make([][]float32, c.Layers)}
	for l := range n.act {
		n.act[l] = make([]float32, 0, total*c.Intermediate)
	}
	for _, w := range windows {
		capt := &model.Capture{}
		if _, err := m.Net.ForwardCapture(m.Net.NewState(), w, capt); err != nil {
			return nil, fmt.Errorf("llm: RecordNeurons: %w", err)
		}
		n.Starts = append(n.Starts, len(n.IDs))
		n.IDs = append(n.IDs, w...)
		for l, lc := range capt.Layers {
			if len(lc.MLP) != len(w) {
				return nil, fmt.Errorf("llm: RecordNeurons: layer %d captured %d MLP rows for %d tokens", l, len(lc.MLP), len(w))
			}
			for _, row := range lc.MLP {
				n.act[l] = append(n.act[l], row...)
			}
		}
		if progress != nil {
			progress(len(n.IDs), total)
		}
	}
	for l, rows := range n.act {
		n.act[l] = transpose(rows, len(n.IDs), n.Units)
	}
	n.Pieces = m.Pieces(n.IDs)
	return n, nil
}

// MustRecordNeurons is RecordNeurons for notebook cells: it panics with its error.
func (m *Model) MustRecordNeurons(texts []string, maxTokens int, progress func(done, total int)) *Neurons {
	n, err := m.RecordNeurons(texts, maxTokens, progress)
	if err != nil {
		panic(err)
	}
	return n
}

// NewNeurons builds a record from activations given directly,
// act[layer][pos][unit], for tests and hand-made examples. Starts may be
// nil (one window).
func NewNeurons(pieces []string, starts []int, act [][][]float32) (*Neurons, error) {
	if len(act) == 0 || len(pieces) == 0 {
		return nil, fmt.Errorf("llm: NewNeurons: %d layers, %d tokens: want at least one of each", len(act), len(pieces))
	}
	n := &Neurons{Layers: len(act), Pieces: pieces, IDs: make([]int, len(pieces)), Starts: starts, act: make([][]float32, len(act))}
	if n.Starts == nil {
		n.Starts = []int{0}
	}
	for i := range n.IDs {
		n.IDs[i] = -1
	}
	if len(act[0]) > 0 {
		n.Units = len(act[0][0])
	}
	for l, rows := range act {
		if len(rows) != len(pieces) {
			return nil, fmt.Errorf("llm: NewNeurons: layer %d has %d rows for %d tokens", l, len(rows), len(pieces))
		}
		for t, r := range rows {
			if len(r) != n.Units || n.Units == 0 {
				return nil, fmt.Errorf("llm: NewNeurons: layer %d token %d has %d units, want %d (and at least 1)", l, t, len(r), n.Units)
			}
			n.act[l] = append(n.act[l], r...)
		}
		n.act[l] = transpose(n.act[l], len(pieces), n.Units)
	}
	if n.Starts[0] != 0 || !slices.IsSorted(n.Starts) || n.Starts[len(n.Starts)-1] >= len(pieces) {
		return nil, fmt.Errorf("llm: NewNeurons: starts %v: want increasing positions from 0, below %d", n.Starts, len(pieces))
	}
	for i, s := range n.Starts {
		end := len(pieces)
		if i+1 < len(n.Starts) {
			end = n.Starts[i+1]
		}
		n.Window = max(n.Window, end-s)
	}
	return n, nil
}

// Len is the number of tokens recorded.
func (n *Neurons) Len() int { return len(n.Pieces) }

func (n *Neurons) check(u Neuron) error {
	if u.Layer < 0 || u.Layer >= n.Layers || u.Unit < 0 || u.Unit >= n.Units {
		return fmt.Errorf("llm: %v: the record has layers 0 to %d and units 0 to %d", u, n.Layers-1, n.Units-1)
	}
	return nil
}

// at is u's activation at pos, negated when u.Neg.
func (n *Neurons) at(u Neuron, pos int) float32 {
	v := n.act[u.Layer][u.Unit*n.Len()+pos]
	if u.Neg {
		return -v
	}
	return v
}

// Values returns u's activation at every recorded token (negated when u.Neg).
func (n *Neurons) Values(u Neuron) ([]float32, error) {
	if err := n.check(u); err != nil {
		return nil, err
	}
	out := make([]float32, n.Len())
	for t := range out {
		out[t] = n.at(u, t)
	}
	return out, nil
}

// Row returns (a copy of) the activations of every unit of layer at token pos.
func (n *Neurons) Row(layer, pos int) ([]float32, error) {
	if layer < 0 || layer >= n.Layers || pos < 0 || pos >= n.Len() {
		return nil, fmt.Errorf("llm: Neurons.Row(%d, %d): the record has layers 0 to %d and tokens 0 to %d", layer, pos, n.Layers-1, n.Len()-1)
	}
	out := make([]float32, n.Units)
	for u := range out {
		out[u] = n.act[layer][u*n.Len()+pos]
	}
	return out, nil
}

// Hit is one recorded token where a neuron fired.
type Hit struct {
	Pos int     // position in the record
	Act float32 // the neuron's activation there
}

// Top returns the k tokens where u's activation is highest, highest first
// (ties: earlier position first).
func (n *Neurons) Top(u Neuron, k int) ([]Hit, error) {
	if err := n.check(u); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, fmt.Errorf("llm: Top: k = %d: want at least 1", k)
	}
	return n.top(u, k), nil
}

// MustTop is Top for notebook cells: it panics with its error.
func (n *Neurons) MustTop(u Neuron, k int) []Hit {
	h, err := n.Top(u, k)
	if err != nil {
		panic(err)
	}
	return h
}

// hitBefore orders hits highest first, then by position.
func hitBefore(a, b Hit) bool {
	return a.Act > b.Act || a.Act == b.Act && a.Pos < b.Pos
}

// top keeps the best k hits in a small sorted buffer: one pass over the
// tokens, O(tokens · k) in the worst case and close to O(tokens) in practice.
func (n *Neurons) top(u Neuron, k int) []Hit {
	best := make([]Hit, 0, k)
	for t := range n.Len() {
		h := Hit{t, n.at(u, t)}
		if len(best) == k && !hitBefore(h, best[k-1]) {
			continue
		}
		i := len(best)
		if i < k {
			best = append(best, h)
		}
		for ; i > 0 && hitBefore(h, best[i-1]); i-- {
			if i < k {
				best[i] = best[i-1]
			}
		}
		best[min(i, k-1)] = h
	}
	return best
}

// Context is a stretch of recorded text around one token, with a neuron's
// activation at each of its tokens.
type Context struct {
	Pieces []string
	Acts   []float32
	Peak   int // index in Pieces of the token the context is about
	Pos    int // that token's position in the record
}

// Context returns the tokens around pos (up to before of them before it and
// after after it, never crossing a context restart) with u's activations.
func (n *Neurons) Context(u Neuron, pos, before, after int) (Context, error) {
	if err := n.check(u); err != nil {
		return Context{}, err
	}
	if pos < 0 || pos >= n.Len() || before < 0 || after < 0 {
		return Context{}, fmt.Errorf("llm: Context: position %d (record of %d tokens), %d before, %d after", pos, n.Len(), before, after)
	}
	i, _ := slices.BinarySearch(n.Starts, pos+1) // Starts[i-1] ≤ pos < Starts[i]
	lo, hi := n.Starts[i-1], n.Len()
	if i < len(n.Starts) {
		hi = n.Starts[i]
	}
	lo, hi = max(lo, pos-before), min(hi, pos+after+1)
	c := Context{Pieces: n.Pieces[lo:hi], Peak: pos - lo, Pos: pos}
	for t := lo; t < hi; t++ {
		c.Acts = append(c.Acts, n.at(u, t))
	}
	return c, nil
}

// TopContexts returns the contexts of u's k highest activations (see Top
// and Context).
func (n *Neurons) TopContexts(u Neuron, k, before, after int) ([]Context, error) {
	hits, err := n.Top(u, k)
	if err != nil {
		return nil, err
	}
	out := make([]Context, len(hits))
	for i, h := range hits {
		if out[i], err = n.Context(u, h.Pos, before, after); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MustTopContexts is TopContexts for notebook cells: it panics with its error.
func (n *Neurons) MustTopContexts(u Neuron, k, before, after int) []Context {
	c, err := n.TopContexts(u, k, before, after)
	if err != nil {
		panic(err)
	}
	return c
}

// Pattern is a kind of token to look for among the neurons: a name and a
// test on the token's text.
type Pattern struct {
	Name  string
	Match func(piece string) bool
}

// Digits matches tokens made of digits (a leading space allowed), such as
// " 1961" or "5".
var Digits = Pattern{"digits", func(p string) bool {
	s := strings.TrimLeft(p, " ")
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}}

// Capitalised matches words that start with a capital letter followed by
// lower-case letters, such as " Paris" or "The" (not "I", not " NATO").
var Capitalised = Pattern{"capitalised words", func(p string) bool {
	s := strings.TrimLeft(p, " ")
	r, size := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) || size == len(s) {
		return false
	}
	for _, r := range s[size:] {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return true
}}

// EndOfSentence matches a full stop, question mark or exclamation mark
// token (with or without quotes or a space around it).
var EndOfSentence = Pattern{"end of sentence", func(p string) bool {
	s := strings.Trim(p, " \"'")
	return s == "." || s == "?" || s == "!" || s == ".\"" || s == "?\"" || s == "!\""
}}

// Exactly matches the given pieces exactly, e.g. Exactly(" the", " The").
func Exactly(pieces ...string) Pattern {
	return Pattern{fmt.Sprintf("%q", pieces), func(p string) bool { return slices.Contains(pieces, p) }}
}

// Matches returns how many recorded tokens match p.
func (n *Neurons) Matches(p Pattern) int {
	k := 0
	for _, s := range n.Pieces {
		if p.Match(s) {
			k++
		}
	}
	return k
}

// NeuronScore is how well one neuron picks out a pattern's tokens.
type NeuronScore struct {
	Neuron
	// Precision is the share of the neuron's top N tokens that match the
	// pattern, N = min(SearchTop, matches): 1 for a clean detector.
	Precision float64
	// Separation is (mean activation on matching tokens − mean elsewhere)
	// divided by the standard deviation over all tokens.
	Separation float64
	// OnMatch and Elsewhere are the two means.
	OnMatch, Elsewhere float64
}

// SearchTop is how many of a neuron's strongest tokens Search inspects.
const SearchTop = 20

// Search scores every neuron of the record, each unit read both ways (Neg
// false and true), against p, and returns the best k: highest Precision
// first, then highest Separation. The pattern must match at least one
// recorded token and miss at least one.
func (n *Neurons) Search(p Pattern, k int) ([]NeuronScore, error) {
	if p.Match == nil {
		return nil, fmt.Errorf("llm: Search: pattern %q has no Match function", p.Name)
	}
	match := make([]bool, n.Len())
	hits := 0
	for t, s := range n.Pieces {
		match[t] = p.Match(s)
		if match[t] {
			hits++
		}
	}
	if hits == 0 || hits == n.Len() {
		return nil, fmt.Errorf("llm: Search: pattern %q matches %d of the %d recorded tokens: want some, not all", p.Name, hits, n.Len())
	}
	if k <= 0 {
		return nil, fmt.Errorf("llm: Search: k = %d: want at least 1", k)
	}
	top := min(SearchTop, hits)
	var all []NeuronScore
	for l := range n.Layers {
		for unit := range n.Units {
			var sum, sq, on float64
			for t, v32 := range n.act[l][unit*n.Len() : (unit+1)*n.Len()] {
				v := float64(v32)
				sum, sq = sum+v, sq+v*v
				if match[t] {
					on += v
				}
			}
			T := float64(n.Len())
			std := math.Sqrt(max(0, sq/T-(sum/T)*(sum/T)))
			for _, neg := range []bool{false, true} {
				s := NeuronScore{Neuron: Neuron{l, unit, neg}, OnMatch: on / float64(hits), Elsewhere: (sum - on) / (T - float64(hits))}
				if neg {
					s.OnMatch, s.Elsewhere = -s.OnMatch, -s.Elsewhere
				}
				if std > 0 {
					s.Separation = (s.OnMatch - s.Elsewhere) / std
				}
				good := 0
				for _, h := range n.top(s.Neuron, top) {
					if match[h.Pos] {
						good++
					}
				}
				s.Precision = float64(good) / float64(top)
				all = append(all, s)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b NeuronScore) int {
		if c := cmp.Compare(b.Precision, a.Precision); c != 0 {
			return c
		}
		return cmp.Compare(b.Separation, a.Separation)
	})
	return all[:min(k, len(all))], nil
}

// MustSearch is Search for notebook cells: it panics with its error.
func (n *Neurons) MustSearch(p Pattern, k int) []NeuronScore {
	s, err := n.Search(p, k)
	if err != nil {
		panic(err)
	}
	return s
}
