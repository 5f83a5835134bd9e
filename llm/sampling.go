package llm

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Ranking is a full next-token distribution sorted once, most likely
// first, so that many sampler settings can be asked of it cheaply. Every
// filter of a Sampler (top-k, top-p, min-p) keeps a prefix of this order,
// so a setting is answered by one length: how many of the best tokens it
// keeps.
type Ranking struct {
	IDs    []int     // token ids, highest logit first (equal logits: lower id first)
	Logits []float64 // their logits, in the same order
}

// SortLogits sorts every finite logit, highest first. NaN and −Inf logits
// (masked tokens) are left out.
func SortLogits(logits []float32) Ranking {
	r := Ranking{IDs: make([]int, 0, len(logits))}
	for i, v := range logits {
		if v == v && !math.IsInf(float64(v), -1) {
			r.IDs = append(r.IDs, i)
		}
	}
	sort.SliceStable(r.IDs, func(a, b int) bool { return logits[r.IDs[a]] > logits[r.IDs[b]] })
	r.Logits = make([]float64, len(r.IDs))
	for i, id := range r.IDs {
		r.Logits[i] = float64(logits[id])
	}
	return r
}

// Probs returns softmax(logits/t) in rank order, over the whole
// distribution. t = 0 puts all the probability on the first token.
func (r Ranking) Probs(t float64) []float64 {
	return Softmax(r.Logits, t)
}

// Cut returns how many of the most likely tokens sampler s keeps, and the
// probability mass they hold under softmax at s.Temperature before
// renormalising. It applies the filters in Sampler's order: temperature,
// top-k, top-p on the top-k survivors renormalised, min-p. A greedy
// sampler keeps one token.
func (r Ranking) Cut(s Sampler) (n int, mass float64) {
	if len(r.IDs) == 0 {
		return 0, 0
	}
	if s.IsGreedy() {
		return 1, 1
	}
	return r.At(s.Temperature).Cut(s)
}

// Dist is a Ranking's distribution at one temperature, with running sums,
// so that a sampler's cut is found by binary search.
type Dist struct {
	P   []float64 // probabilities in rank order
	Cum []float64 // Cum[i] = P[0] + … + P[i]
}

// At returns the distribution at temperature t.
func (r Ranking) At(t float64) Dist {
	d := Dist{P: r.Probs(t)}
	d.Cum = make([]float64, len(d.P))
	var c float64
	for i, v := range d.P {
		c += v
		d.Cum[i] = c
	}
	return d
}

// Cut is Ranking.Cut at this distribution's temperature (s.Temperature is
// not read).
func (d Dist) Cut(s Sampler) (n int, mass float64) {
	n = len(d.P)
	if n == 0 {
		return 0, 0
	}
	if s.TopK > 0 && s.TopK < n {
		n = s.TopK
	}
	if s.TopP > 0 && s.TopP < 1 {
		massK := d.Cum[n-1]
		n = min(n, 1+sort.Search(n, func(i int) bool { return d.Cum[i]/massK >= s.TopP }))
	}
	if s.MinP > 0 {
		cut := s.MinP * d.P[0]
		n = max(1, sort.Search(n, func(i int) bool { return d.P[i] < cut }))
	}
	return n, d.Cum[n-1]
}

// Kept returns the tokens sampler s can draw from logits, most likely
// first, each with its probability after the filters, renormalised over the
// kept set (they sum to 1). It looks at every token of the vocabulary, not
// a top-16 capture. A greedy sampler keeps the most likely token alone.
func (s Sampler) Kept(logits []float32) []Ranked {
	r := SortLogits(logits)
	if len(r.IDs) == 0 {
		return nil
	}
	if s.IsGreedy() {
		return []Ranked{{r.IDs[0], 1}}
	}
	d := r.At(s.Temperature)
	n, mass := d.Cut(s)
	out := make([]Ranked, n)
	for i := range out {
		out[i] = Ranked{r.IDs[i], float32(d.P[i] / mass)}
	}
	return out
}

// Entropies returns the entropy, in bits, of softmax(logits/t) for each
// temperature t: 0 at t = 0 (one certain token), growing towards
// log2(vocabulary) as t grows.
func Entropies(logits []float32, temps []float64) []float64 {
	r := SortLogits(logits)
	out := make([]float64, len(temps))
	for i, t := range temps {
		out[i] = Entropy(r.Probs(t)) / math.Ln2
	}
	return out
}

// NucleusSizes returns, for each p, how many of the most likely tokens
// top-p sampling at temperature t keeps: the smallest set whose
// probabilities add up to at least p.
func NucleusSizes(logits []float32, t float64, ps []float64) []int {
	r := SortLogits(logits)
	out := make([]int, len(ps))
	if len(r.IDs) == 0 {
		return out
	}
	if t == 0 {
		for i := range out {
			out[i] = 1
		}
		return out
	}
	d := r.At(t)
	for i, p := range ps {
		out[i], _ = d.Cut(Sampler{Temperature: t, TopP: p})
	}
	return out
}

// Repeat is an n-gram that occurs more than once in a sequence.
type Repeat[T comparable] struct {
	Gram  []T   // the n-gram
	Count int   // how many times it occurs (overlaps count)
	At    []int // where each occurrence starts
}

// Repeats returns the n-grams of xs that occur at least twice, most
// frequent first (then by first occurrence). Greedy decoding that has
// fallen into a loop shows up as a few n-grams with high counts.
func Repeats[T comparable](xs []T, n int) []Repeat[T] {
	if n <= 0 || n > len(xs) {
		return nil
	}
	var out []Repeat[T]
	seen := map[int]bool{}
	for i := 0; i+n <= len(xs); i++ {
		if seen[i] {
			continue
		}
		rep := Repeat[T]{Gram: slices.Clone(xs[i : i+n])}
		for j := i; j+n <= len(xs); j++ {
			if slices.Equal(xs[j:j+n], rep.Gram) {
				rep.At = append(rep.At, j)
				seen[j] = true
			}
		}
		if rep.Count = len(rep.At); rep.Count > 1 {
			out = append(out, rep)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Count > out[b].Count })
	return out
}

// LookupDraft proposes up to k tokens to follow seq by prompt lookup: it
// finds the latest earlier place where seq's last n tokens occurred and
// copies what came after them there. It returns nil when the last n tokens
// never occurred before. Drafting costs no model call.
func LookupDraft(seq []int, n, k int) []int {
	if n <= 0 || k <= 0 || len(seq) <= n {
		return nil
	}
	tail := seq[len(seq)-n:]
	for i := len(seq) - n - 1; i >= 0; i-- {
		if slices.Equal(seq[i:i+n], tail) {
			end := min(i+n+k, len(seq))
			return slices.Clone(seq[i+n : end])
		}
	}
	return nil
}

// Verification is a draft checked by the model in one forward pass.
type Verification struct {
	Draft []int // the proposed tokens
	// Greedy holds the model's own greedy choice at each draft position
	// and one more: Greedy[i] is what it would write after the prefix
	// and Draft[:i].
	Greedy   []int
	Accepted int // how many leading draft tokens equal the model's choice
}

// Tokens returns what the pass adds to the text: the accepted draft tokens
// and then the model's own next token (a correction where the draft was
// wrong, a bonus token where it was all right): Accepted+1 tokens.
func (v Verification) Tokens() []int { return slices.Clone(v.Greedy[:v.Accepted+1]) }

// Verify runs the model once over prefix followed by draft and checks the
// draft at every position of that one pass: the logits at the position
// before draft token i say what greedy decoding would write there. Draft
// tokens are accepted while they agree; at temperature 0 this is the whole
// acceptance rule, and the text it produces is exactly greedy decoding's.
func (m *Model) Verify(prefix, draft []int) (Verification, error) {
	if len(prefix) == 0 {
		return Verification{}, fmt.Errorf("llm: Verify: the prefix is empty: give the model at least one token")
	}
	seq := append(slices.Clone(prefix), draft...)
	rows, err := m.LogitsAll(seq)
	if err != nil {
		return Verification{}, fmt.Errorf("llm: Verify: %w", err)
	}
	v := Verification{Draft: slices.Clone(draft), Greedy: make([]int, len(draft)+1)}
	for i := range v.Greedy {
		v.Greedy[i] = Argmax(rows[len(prefix)-1+i])
	}
	for v.Accepted < len(draft) && draft[v.Accepted] == v.Greedy[v.Accepted] {
		v.Accepted++
	}
	return v, nil
}

// Speculation is a greedy continuation written by draft-and-verify.
type Speculation struct {
	IDs      []int          // the new tokens
	Rounds   []Verification // one verification pass of the model each
	Proposed int            // draft tokens proposed in all
	Accepted int            // draft tokens accepted in all
	// Replayed counts the tokens fed a second time to bring the model's
	// state back to the last accepted token after a rejection (the
	// DeltaNet layers' state cannot be rewound; a serving engine keeps a
	// snapshot per draft position instead). These feeds need no decision
	// and are not counted as passes.
	Replayed int
}

// Passes returns how many verification passes of the model the
// continuation took; plain greedy decoding takes one per token.
func (s *Speculation) Passes() int { return len(s.Rounds) }

// Speculate writes up to tokens new tokens after prompt greedily, k at a
// time at most: each round drafts up to k tokens by prompt lookup
// (LookupDraft with the last 2 tokens, else the last one), feeds the
// pending token and the draft to the model in one pass, keeps the accepted
// draft tokens and the model's own next token. The result equals plain
// greedy decoding.
func (m *Model) Speculate(prompt []int, tokens, k int) (*Speculation, error) {
	if tokens < 0 || k < 0 {
		return nil, fmt.Errorf("llm: Speculate(%d tokens, k = %d): both must be ≥ 0", tokens, k)
	}
	if len(prompt) == 0 {
		return nil, fmt.Errorf("llm: Speculate: the prompt is empty: give the model at least one token")
	}
	sp := &Speculation{IDs: []int{}}
	seq := slices.Clone(prompt)
	// st holds the state after every token of seq but the last (pending).
	st := m.Net.NewState()
	if len(seq) > 1 {
		if _, err := m.Net.Forward(st, seq[:len(seq)-1]); err != nil {
			return nil, fmt.Errorf("llm: Speculate: %w", err)
		}
	}
	v := m.Vocab()
	for len(sp.IDs) < tokens {
		want := min(k, tokens-len(sp.IDs)-1)
		draft := LookupDraft(seq, 2, want)
		if draft == nil {
			draft = LookupDraft(seq, 1, want)
		}
		pending := seq[len(seq)-1]
		trial := st.Clone()
		flat, err := m.Net.ForwardAll(trial, append([]int{pending}, draft...))
		if err != nil {
			return nil, fmt.Errorf("llm: Speculate: %w", err)
		}
		ver := Verification{Draft: draft, Greedy: make([]int, len(draft)+1)}
		for i := range ver.Greedy {
			ver.Greedy[i] = Argmax(flat[i*v : (i+1)*v])
		}
		for ver.Accepted < len(draft) && draft[ver.Accepted] == ver.Greedy[ver.Accepted] {
			ver.Accepted++
		}
		if ver.Accepted == len(draft) {
			st = trial // it has read the pending token and the whole draft
		} else {
			replay := append([]int{pending}, draft[:ver.Accepted]...)
			if _, err := m.Net.Forward(st, replay); err != nil {
				return nil, fmt.Errorf("llm: Speculate: %w", err)
			}
			sp.Replayed += len(replay)
		}
		sp.Rounds = append(sp.Rounds, ver)
		sp.Proposed += len(draft)
		sp.Accepted += ver.Accepted
		add := ver.Tokens()
		sp.IDs = append(sp.IDs, add...)
		seq = append(seq, add...)
	}
	return sp, nil
}

// MustSpeculate is Speculate for notebook cells: it panics on error.
func (m *Model) MustSpeculate(prompt []int, tokens, k int) *Speculation {
	s, err := m.Speculate(prompt, tokens, k)
	if err != nil {
		panic(err)
	}
	return s
}

// Mask returns a copy of logits in which every token that allowed marks
// false is set to −Inf: softmax then gives it probability 0, so no
// sampler can pick it. This is how constrained decoding keeps output
// inside a grammar or a list.
func Mask(logits []float32, allowed []bool) ([]float32, error) {
	if len(allowed) != len(logits) {
		return nil, fmt.Errorf("llm: Mask: %d allowed flags for %d logits: want one per token", len(allowed), len(logits))
	}
	out := slices.Clone(logits)
	any := false
	for i, ok := range allowed {
		if !ok {
			out[i] = float32(math.Inf(-1))
		} else {
			any = true
		}
	}
	if !any {
		return nil, fmt.Errorf("llm: Mask: no token is allowed: the mask must leave at least one")
	}
	return out, nil
}

// Allowed marks every token of m's vocabulary whose piece ok accepts.
func (m *Model) Allowed(ok func(piece string) bool) []bool {
	out := make([]bool, m.Vocab())
	for i := range out {
		out[i] = ok(m.Piece(i))
	}
	return out
}

// GenerateMasked continues prompt greedily for n tokens, choosing each
// token only among those allowed marks true.
func (m *Model) GenerateMasked(prompt string, n int, allowed []bool) ([]int, error) {
	ids := m.Encode(prompt)
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: GenerateMasked: the prompt is empty")
	}
	st := m.Net.NewState()
	logits, err := m.Net.Forward(st, ids)
	out := []int{}
	for err == nil && len(out) < n {
		var masked []float32
		if masked, err = Mask(logits, allowed); err != nil {
			break
		}
		id := Argmax(masked)
		out = append(out, id)
		if len(out) < n {
			logits, err = m.Net.Forward(st, []int{id})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("llm: GenerateMasked: %w", err)
	}
	return out, nil
}

// MustVerify is Verify for notebook cells: it panics on error.
func (m *Model) MustVerify(prefix, draft []int) Verification {
	v, err := m.Verify(prefix, draft)
	if err != nil {
		panic(err)
	}
	return v
}

// Redraw checks a generated trace against its seed: it feeds the model the
// prompt and then the recorded tokens one at a time, as generation did
// (or the whole sequence again at every step, for a trace made with
// Recompute), and at every step lets the trace's sampler pick from that
// step's logits with the draw its seed gives for the step. It returns how
// many steps pick the token the trace recorded; all of them, for a trace
// this model generated without forced tokens. (One pass over the whole
// sequence would give logits that differ from the decode path's in the
// last float32 bits: with thousands of nearly equal probabilities, enough
// to move a draw across the edge between two tokens.)
func (m *Model) Redraw(tr *Trace) (int, error) {
	if tr == nil || len(tr.PromptIDs) == 0 {
		return 0, fmt.Errorf("llm: Redraw: no trace, or a trace without prompt ids")
	}
	st := m.Net.NewState()
	logits, err := m.Net.Forward(st, tr.PromptIDs)
	if err != nil {
		return 0, fmt.Errorf("llm: Redraw: %w", err)
	}
	seq := slices.Clone(tr.PromptIDs)
	s, same := tr.Settings.Sampler, 0
	for i, step := range tr.Steps {
		if s.Pick(logits, s.Draw(i)) == step.ID {
			same++
		}
		if i+1 == len(tr.Steps) {
			break
		}
		seq = append(seq, step.ID)
		if logits, err = m.advance(st, seq, tr.Settings.Recompute); err != nil {
			return 0, fmt.Errorf("llm: Redraw: step %d: %w", i, err)
		}
	}
	return same, nil
}

// MustRedraw is Redraw for notebook cells: it panics on error.
func (m *Model) MustRedraw(tr *Trace) int {
	n, err := m.Redraw(tr)
	if err != nil {
		panic(err)
	}
	return n
}
