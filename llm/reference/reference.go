// Package reference holds outputs recorded from the real Qwen3.5-0.8B
// (token ids, greedy continuations, top-5 lists, embedding neighbours), so
// the course can show them next to what a smaller model computes, labelled
// "recorded with Qwen3.5-0.8B", and check them when the real weights are
// loaded. The data is embedded (see README.md for where it came from).
package reference

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

//go:embed real-model-references.json
var recorded []byte

// Model is the name of the model the values were recorded with.
const Model = "Qwen3.5-0.8B"

// Set is the whole recording.
type Set struct {
	Description   string         `json:"description"`
	Tokenizations []Tokenization `json:"tokenization"`
	NextTokens    []NextToken    `json:"greedy_next_token"`
	Continuations []Continuation `json:"greedy_continuation"`
	Top5          []TopList      `json:"top5_renormalised_over_top12"`
	Embeddings    Embeddings     `json:"embedding_cosines"`
	Facts         map[string]any `json:"facts"`
}

// Tokenization is the tokenizer's output for one text: all its ids, or
// only how many tokens and the first id.
type Tokenization struct {
	Text       string `json:"text"`
	IDs        []int  `json:"ids,omitempty"`
	TokenCount int    `json:"token_count,omitempty"`
	FirstID    *int   `json:"first_id,omitempty"`
}

// Count returns the number of tokens of the text.
func (t Tokenization) Count() int {
	if t.IDs != nil {
		return len(t.IDs)
	}
	return t.TokenCount
}

// NextToken is the greedy next token after a prompt.
type NextToken struct {
	Prompt             string         `json:"prompt"`
	Next               string         `json:"next"`
	NextID             int            `json:"next_id"`
	ContinuationStarts []string       `json:"continuation_starts"`  // the first greedy tokens
	OtherCandidates    map[string]int `json:"other_candidates_ids"` // other candidates the course names, by piece
}

// Continuation is a greedy continuation of a prompt.
type Continuation struct {
	Prompt       string `json:"prompt"`
	MaxNewTokens int    `json:"max_new_tokens"`
	Text         string `json:"text"`
}

// Scored is a token piece with a number (a probability or a cosine).
type Scored struct {
	Piece string
	Value float64
}

// UnmarshalJSON reads the recording's [piece, value] pairs.
func (s *Scored) UnmarshalJSON(data []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(data, &pair); err != nil || len(pair) != 2 {
		return fmt.Errorf("want a [piece, number] pair, got %s", data)
	}
	if err := json.Unmarshal(pair[0], &s.Piece); err != nil {
		return fmt.Errorf("want a [piece, number] pair, got %s", data)
	}
	if err := json.Unmarshal(pair[1], &s.Value); err != nil {
		return fmt.Errorf("want a [piece, number] pair, got %s", data)
	}
	return nil
}

// TopList is the top next tokens after a prompt, with probabilities
// renormalised over the top-12 logits only (as the original course shows
// them).
type TopList struct {
	Prompt string   `json:"prompt"`
	Top    []Scored `json:"top"`
}

// Embeddings holds cosine similarities over rows of the embedding matrix:
// ranked lists (neighbours of a word, the result of an analogy) and single
// values, each under the name the recording gives it.
type Embeddings struct {
	Note   string
	Lists  map[string][]Scored // e.g. "king - man + woman"
	Values map[string]float64  // e.g. "cos(woman - man, queen - king)"
}

// UnmarshalJSON sorts the entries into notes, lists and values.
func (e *Embeddings) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	e.Lists, e.Values = map[string][]Scored{}, map[string]float64{}
	for k, v := range raw {
		if k == "note" {
			if err := json.Unmarshal(v, &e.Note); err != nil {
				return fmt.Errorf("note: %w", err)
			}
			continue
		}
		var x float64
		if err := json.Unmarshal(v, &x); err == nil {
			e.Values[k] = x
			continue
		}
		var list []Scored
		if err := json.Unmarshal(v, &list); err != nil {
			return fmt.Errorf("%q: %w", k, err)
		}
		e.Lists[k] = list
	}
	return nil
}

// Qwen35 returns the embedded recording.
func Qwen35() (*Set, error) { return Parse(recorded) }

// MustQwen35 is Qwen35 for notebook cells: it panics on error (the
// embedded file is checked by a test).
func MustQwen35() *Set {
	s, err := Qwen35()
	if err != nil {
		panic(err)
	}
	return s
}

// Parse reads a recording and checks it: unknown fields, prompts without
// values, probabilities outside [0, 1] and cosines outside [-1, 1] are
// errors that name the entry.
func Parse(data []byte) (*Set, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Set
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("reference: data after the JSON object")
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	return &s, nil
}

func (s *Set) check() error {
	for i, t := range s.Tokenizations {
		if t.Text == "" || t.Count() <= 0 {
			return fmt.Errorf("tokenization %d (%q): want a text with ids or a token_count", i, t.Text)
		}
		if t.IDs != nil && t.TokenCount != 0 && t.TokenCount != len(t.IDs) {
			return fmt.Errorf("tokenization %q: token_count %d but %d ids", t.Text, t.TokenCount, len(t.IDs))
		}
		for _, id := range t.IDs {
			if id < 0 {
				return fmt.Errorf("tokenization %q: negative id %d", t.Text, id)
			}
		}
	}
	for _, n := range s.NextTokens {
		if n.Prompt == "" || n.Next == "" || n.NextID < 0 {
			return fmt.Errorf("greedy_next_token %q: want a prompt, a next token and its id", n.Prompt)
		}
		if len(n.ContinuationStarts) > 0 && n.ContinuationStarts[0] != n.Next {
			return fmt.Errorf("greedy_next_token %q: the continuation starts with %q, not the next token %q", n.Prompt, n.ContinuationStarts[0], n.Next)
		}
	}
	for _, c := range s.Continuations {
		if c.Prompt == "" || c.Text == "" || c.MaxNewTokens <= 0 {
			return fmt.Errorf("greedy_continuation %q: want a prompt, a text and max_new_tokens > 0", c.Prompt)
		}
	}
	for _, l := range s.Top5 {
		if l.Prompt == "" || len(l.Top) == 0 {
			return fmt.Errorf("top5 %q: want a prompt and a list", l.Prompt)
		}
		sum := 0.0
		for j, sc := range l.Top {
			if !(sc.Value >= 0 && sc.Value <= 1) || (j > 0 && sc.Value > l.Top[j-1].Value) {
				return fmt.Errorf("top5 %q: %q has probability %v: want values in [0, 1], in decreasing order", l.Prompt, sc.Piece, sc.Value)
			}
			sum += sc.Value
		}
		if sum > 1+1e-3 {
			return fmt.Errorf("top5 %q: probabilities add up to %v > 1", l.Prompt, sum)
		}
	}
	for k, l := range s.Embeddings.Lists {
		for _, sc := range l {
			if !(math.Abs(sc.Value) <= 1) {
				return fmt.Errorf("embedding_cosines %q: %q has cosine %v: want [-1, 1]", k, sc.Piece, sc.Value)
			}
		}
	}
	for k, v := range s.Embeddings.Values {
		if !(math.Abs(v) <= 1) {
			return fmt.Errorf("embedding_cosines %q: cosine %v: want [-1, 1]", k, v)
		}
	}
	return nil
}

// Prompts returns every prompt or text the recording has values for.
func (s *Set) Prompts() []string {
	var out []string
	add := func(p string) {
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	for _, t := range s.Tokenizations {
		add(t.Text)
	}
	for _, n := range s.NextTokens {
		add(n.Prompt)
	}
	for _, c := range s.Continuations {
		add(c.Prompt)
	}
	for _, l := range s.Top5 {
		add(l.Prompt)
	}
	return out
}

// For returns what was recorded for one prompt (or text): its
// tokenization, greedy next token, greedy continuation and top-5 list,
// each nil when not recorded.
func (s *Set) For(prompt string) Recording {
	var r Recording
	for i := range s.Tokenizations {
		if s.Tokenizations[i].Text == prompt {
			r.Tokenization = &s.Tokenizations[i]
		}
	}
	for i := range s.NextTokens {
		if s.NextTokens[i].Prompt == prompt {
			r.Next = &s.NextTokens[i]
		}
	}
	for i := range s.Continuations {
		if s.Continuations[i].Prompt == prompt {
			r.Continuation = &s.Continuations[i]
		}
	}
	for i := range s.Top5 {
		if s.Top5[i].Prompt == prompt {
			r.Top5 = &s.Top5[i]
		}
	}
	return r
}

// Recording is everything recorded for one prompt.
type Recording struct {
	Tokenization *Tokenization
	Next         *NextToken
	Continuation *Continuation
	Top5         *TopList
}

// Empty reports whether nothing was recorded.
func (r Recording) Empty() bool {
	return r.Tokenization == nil && r.Next == nil && r.Continuation == nil && r.Top5 == nil
}

// NotRecorded returns the error for a prompt with nothing recorded, listing
// the prompts that have values.
func (s *Set) NotRecorded(prompt string) error {
	var q []string
	for _, p := range s.Prompts() {
		q = append(q, fmt.Sprintf("%q", p))
	}
	return fmt.Errorf("reference: nothing recorded with %s for %q; recorded prompts: %s", Model, prompt, strings.Join(q, ", "))
}
