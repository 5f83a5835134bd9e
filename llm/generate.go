package llm

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/how-llms-work/course/llm/model"
)

// Option changes how Generate works. A Sampler is an Option (it chooses
// the tokens); so are MaxTokens, TopN, Recompute, StopAt and Force.
type Option interface{ apply(*Settings) }

func (s Sampler) apply(st *Settings) { st.Sampler = s }

type optionFunc func(*Settings)

func (f optionFunc) apply(st *Settings) { f(st) }

// MaxTokens limits how many tokens Generate adds (default 32).
func MaxTokens(n int) Option { return optionFunc(func(s *Settings) { s.MaxTokens = n }) }

// TopN sets how many candidates each step records (default 10).
func TopN(n int) Option { return optionFunc(func(s *Settings) { s.TopN = n }) }

// Recompute makes every step run the model over the whole sequence again
// instead of feeding one token to the saved state (KV cache and DeltaNet
// state): slower, for comparing the two.
func Recompute() Option { return optionFunc(func(s *Settings) { s.Recompute = true }) }

// StopAt replaces the model's end tokens with ids; StopAt() with no ids
// never stops before MaxTokens.
func StopAt(ids ...int) Option {
	return optionFunc(func(s *Settings) { s.StopIDs = slices.Clone(ids); s.stopSet = true })
}

// Force makes step `step` (0 for the first new token) choose token id,
// whatever the sampler would have drawn.
func Force(step, id int) Option {
	return optionFunc(func(s *Settings) {
		if s.Forced == nil {
			s.Forced = map[int]int{}
		}
		s.Forced[step] = id
	})
}

func (m *Model) settings(opts []Option) (Settings, error) {
	s := Settings{MaxTokens: 32, TopN: 10}
	for _, o := range opts {
		if o != nil {
			o.apply(&s)
		}
	}
	if !s.stopSet && s.StopIDs == nil {
		s.StopIDs = m.endTokens()
	}
	s.stopSet = false
	if s.StopIDs == nil {
		s.StopIDs = []int{}
	}
	if err := s.Sampler.Check(); err != nil {
		return s, err
	}
	switch {
	case s.MaxTokens < 0:
		return s, fmt.Errorf("llm: MaxTokens(%d) is negative: ask for 0 or more new tokens", s.MaxTokens)
	case s.TopN < 0:
		return s, fmt.Errorf("llm: TopN(%d) is negative: ask for 0 or more candidates per step", s.TopN)
	}
	v := m.Vocab()
	for step, id := range s.Forced {
		if step < 0 || id < 0 || id >= v {
			return s, fmt.Errorf("llm: Force(%d, %d): the step must be ≥ 0 and the id in [0, %d)", step, id, v)
		}
	}
	return s, nil
}

// endTokens are the ids that end generation: the config's eos_token_id and
// the tokenizer's end tokens (<|im_end|>, <|endoftext|>).
func (m *Model) endTokens() []int {
	ids := slices.Clone(m.Net.Config().EOS)
	for _, id := range m.Tok.EOS() {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Generate continues prompt token by token and records every step. The
// prompt is fed once (prefill), then each new token is one decode step
// through the model's state. It stops at the model's end tokens or after
// MaxTokens (default 32). Without options it is greedy:
//
//	tr, err := m.Generate("The cat sat on the", llm.MaxTokens(8))
//	tr, err := m.Generate("Once upon a time", llm.Sampler{Temperature: 0.7, TopP: 0.9, Seed: 1})
func (m *Model) Generate(prompt string, opts ...Option) (*Trace, error) {
	ids := m.Encode(prompt)
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: the prompt is empty: give the model some text to continue, e.g. \"The cat sat on the\"")
	}
	tr, err := m.GenerateIDs(ids, opts...)
	if tr != nil {
		tr.Prompt = prompt
	}
	return tr, err
}

// MustGenerate is Generate for notebook cells: it panics with Generate's
// error.
func (m *Model) MustGenerate(prompt string, opts ...Option) *Trace {
	tr, err := m.Generate(prompt, opts...)
	if err != nil {
		panic(err)
	}
	return tr
}

// GenerateIDs is Generate from prompt token ids.
func (m *Model) GenerateIDs(prompt []int, opts ...Option) (*Trace, error) {
	set, err := m.settings(opts)
	if err != nil {
		return nil, err
	}
	if len(prompt) == 0 {
		return nil, fmt.Errorf("llm: no prompt ids: give the model at least one token to continue")
	}
	if n, ctx := len(prompt), m.Net.Config().MaxPositions; n > ctx {
		return nil, fmt.Errorf("llm: the prompt has %d tokens but %s reads at most %d: shorten it", n, m.Name, ctx)
	}
	tr := &Trace{
		Model:        m.Name,
		Untrained:    m.Untrained,
		Prompt:       m.Decode(prompt),
		PromptIDs:    slices.Clone(prompt),
		PromptPieces: m.Pieces(prompt),
		Settings:     set,
		Steps:        []Step{},
		m:            m,
	}
	st := m.Net.NewState()
	t0 := time.Now()
	logits, err := m.Net.Forward(st, prompt)
	if err != nil {
		return nil, fmt.Errorf("llm: prompt: %w", err)
	}
	tr.Timing.Prefill = time.Since(t0)
	tr.prefill, tr.first = st.Clone(), slices.Clone(logits)
	return tr, m.run(tr, st, logits)
}

// run generates from step len(tr.Steps), given the state after the
// sequence so far and the logits that predict the next token.
func (m *Model) run(tr *Trace, st *model.State, logits []float32) error {
	set := tr.Settings
	ctx := m.Net.Config().MaxPositions
	seq := append(slices.Clone(tr.PromptIDs), tr.IDs()...)
	tr.Stop = StopMaxTokens
	for i := len(tr.Steps); i < set.MaxTokens; i++ {
		t0 := time.Now()
		step, err := m.step(set, i, len(seq), logits)
		if err != nil {
			return err
		}
		tr.Steps = append(tr.Steps, step)
		seq = append(seq, step.ID)
		stop := ""
		switch {
		case slices.Contains(set.StopIDs, step.ID):
			stop = StopEOS
		case i+1 == set.MaxTokens:
			stop = StopMaxTokens
		case len(seq) >= ctx:
			stop = StopContext
		default:
			logits, err = m.advance(st, seq, set.Recompute)
		}
		if err != nil {
			return fmt.Errorf("llm: step %d: %w", i, err)
		}
		tr.Timing.Steps = append(tr.Timing.Steps, time.Since(t0))
		if stop != "" {
			tr.Stop = stop
			break
		}
	}
	gen := tr.IDs()
	if tr.Stop == StopEOS {
		gen = gen[:len(gen)-1]
	}
	tr.Text = m.Decode(gen)
	return nil
}

// advance returns the logits after seq, whose last token st has not yet
// read: it feeds st that token (the decode path), or, with recompute, runs
// a fresh pass over the whole of seq.
func (m *Model) advance(st *model.State, seq []int, recompute bool) ([]float32, error) {
	if recompute {
		return m.Net.Forward(m.Net.NewState(), seq)
	}
	return m.Net.Forward(st, seq[len(seq)-1:])
}

// step chooses token i from logits and records the candidates.
func (m *Model) step(set Settings, i, pos int, logits []float32) (Step, error) {
	top, hi := argmax(logits) // the greedy choice
	if math.IsNaN(float64(hi)) || math.IsInf(float64(hi), 0) {
		return Step{}, fmt.Errorf("llm: step %d: the model produced non-finite logits (largest %v): its weights are broken", i, hi)
	}
	lse := logNormalizer(logits)

	s := set.Sampler
	st := Step{Pos: pos}
	var samp []float32
	if !s.IsGreedy() {
		samp = s.Probs(logits)
	}
	if id, ok := set.Forced[i]; ok {
		st.ID, st.Forced = id, true
		if !s.IsGreedy() {
			st.Draw = s.Draw(i)
		}
	} else if s.IsGreedy() {
		st.ID = top
	} else {
		st.Draw = s.Draw(i)
		st.ID = pickFrom(samp, st.Draw)
	}
	st.Piece = m.Piece(st.ID)
	st.Prob = float32(math.Exp(float64(logits[st.ID]) - lse))
	switch {
	case samp != nil:
		st.PSamp = samp[st.ID]
	case st.ID == top:
		st.PSamp = 1
	}
	st.Candidates = m.Top(logits, set.TopN)
	for j, c := range st.Candidates {
		switch {
		case samp != nil:
			st.Candidates[j].PSamp = samp[c.ID]
		case c.ID == top:
			st.Candidates[j].PSamp = 1
		}
	}
	return st, nil
}

// Branch returns a new trace that shares this one's first `step` steps,
// then takes token id at step `step` and continues with the same settings:
// "what if the model had said id here?". It equals generating with
// Force(step, id) (and this trace's earlier forced tokens).
func (tr *Trace) Branch(step, id int) (*Trace, error) {
	if tr.m == nil || tr.prefill == nil {
		return nil, fmt.Errorf("llm: this trace was read from JSON and has no model attached: regenerate it with m.Replay(trace) first, then branch")
	}
	if step < 0 || step > len(tr.Steps) {
		return nil, fmt.Errorf("llm: Branch(%d, …): the trace has steps 0 to %d", step, len(tr.Steps))
	}
	m := tr.m
	if id < 0 || id >= m.Vocab() {
		return nil, fmt.Errorf("llm: Branch(%d, %d): token id outside the vocabulary [0, %d)", step, id, m.Vocab())
	}
	set := tr.Settings
	set.Forced = map[int]int{step: id}
	for s, f := range tr.Settings.Forced {
		if s < step {
			set.Forced[s] = f
		}
	}
	if set.MaxTokens <= step {
		set.MaxTokens = step + 1
	}
	set.StopIDs = slices.Clone(set.StopIDs)
	nt := &Trace{
		Model: tr.Model, Untrained: tr.Untrained, Prompt: tr.Prompt,
		PromptIDs: slices.Clone(tr.PromptIDs), PromptPieces: slices.Clone(tr.PromptPieces),
		Settings: set, Steps: slices.Clone(tr.Steps[:step]),
		m: m, prefill: tr.prefill, first: tr.first,
	}
	nt.Timing.Prefill = tr.Timing.Prefill
	nt.Timing.Steps = slices.Clone(tr.Timing.Steps[:min(step, len(tr.Timing.Steps))])
	// Rebuild the logits at `step` exactly as the original run computed
	// them: from the prompt's state, one token per decode step, or (with
	// Recompute) one pass over the whole sequence.
	st := tr.prefill.Clone()
	logits := slices.Clone(tr.first)
	if step > 0 {
		seq := append(slices.Clone(tr.PromptIDs), nt.IDs()...)
		var err error
		if set.Recompute {
			logits, err = m.Net.Forward(m.Net.NewState(), seq)
		} else {
			for _, id := range seq[len(tr.PromptIDs):] {
				if logits, err = m.Net.Forward(st, []int{id}); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("llm: branch: %w", err)
		}
	}
	return nt, m.run(nt, st, logits)
}

// MustBranch is Branch for notebook cells: it panics with Branch's error.
func (tr *Trace) MustBranch(step, id int) *Trace {
	nt, err := tr.Branch(step, id)
	if err != nil {
		panic(err)
	}
	return nt
}

// Replay generates again with a trace's prompt and settings and checks that
// every step chooses the same token with the same draw. It returns the new
// trace (with this model attached, so it can be branched), or an error
// naming the first step that differs.
func (m *Model) Replay(tr *Trace) (*Trace, error) {
	set := tr.Settings
	opts := []Option{set.Sampler, MaxTokens(set.MaxTokens), TopN(set.TopN), StopAt(set.StopIDs...)}
	if set.Recompute {
		opts = append(opts, Recompute())
	}
	for _, s := range slices.Sorted(maps.Keys(set.Forced)) {
		opts = append(opts, Force(s, set.Forced[s]))
	}
	nt, err := m.GenerateIDs(tr.PromptIDs, opts...)
	if err != nil {
		return nil, err
	}
	nt.Prompt = tr.Prompt
	for i := range max(len(tr.Steps), len(nt.Steps)) {
		if i >= len(tr.Steps) || i >= len(nt.Steps) {
			return nt, fmt.Errorf("llm: replay with %s made %d steps, the trace (from %s) has %d", m.Name, len(nt.Steps), tr.Model, len(tr.Steps))
		}
		a, b := tr.Steps[i], nt.Steps[i]
		if a.ID != b.ID || a.Draw != b.Draw {
			return nt, fmt.Errorf("llm: replay with %s differs at step %d: the trace (from %s) chose %q (id %d), the replay %q (id %d)", m.Name, i, tr.Model, a.Piece, a.ID, b.Piece, b.ID)
		}
	}
	return nt, nil
}
