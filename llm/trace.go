package llm

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/how-llms-work/course/llm/model"
)

// Why generation stopped.
const (
	StopEOS       = "eos"        // the model produced one of its end tokens
	StopMaxTokens = "max_tokens" // the length limit was reached
	StopContext   = "context"    // the model's context window is full
)

// Trace records a generation step by step: the prompt, and for every new
// token its position, the top candidates the model considered, the token
// chosen and the uniform draw that chose it. A trace serialises to JSON
// (timings are left out, so the same seed gives byte-identical JSON), can be
// replayed with Model.Replay and branched with Branch.
type Trace struct {
	Model        string   `json:"model"`
	Untrained    bool     `json:"untrained,omitempty"`
	Prompt       string   `json:"prompt"`
	PromptIDs    []int    `json:"prompt_ids"`
	PromptPieces []string `json:"prompt_pieces"`
	Settings     Settings `json:"settings"`
	Steps        []Step   `json:"steps"`
	Text         string   `json:"text"` // the generated text (without the prompt)
	Stop         string   `json:"stop"` // StopEOS, StopMaxTokens or StopContext

	// Timing of the run; not serialised.
	Timing Timing `json:"-"`

	m       *Model
	prefill *model.State // state after the prompt, for Branch
	first   []float32    // the logits after the prompt, for Branch
}

// Settings are the options a trace was generated with, enough to replay it.
type Settings struct {
	Sampler   Sampler     `json:"sampler"`
	MaxTokens int         `json:"max_tokens"`
	TopN      int         `json:"top_n"`
	Recompute bool        `json:"recompute,omitempty"`
	StopIDs   []int       `json:"stop_ids"`
	Forced    map[int]int `json:"forced,omitempty"` // step → token id

	stopSet bool // StopAt was given (even with no ids)
}

// Step is one generated token.
type Step struct {
	Pos        int         `json:"pos"`                   // its position in the sequence (prompt starts at 0)
	ID         int         `json:"id"`                    // the chosen token
	Piece      string      `json:"piece"`                 // its text
	Prob       float32     `json:"prob"`                  // its probability under the model (temperature 1)
	PSamp      float32     `json:"sample_prob,omitempty"` // its probability under the sampler's settings (1 when greedy took it)
	Draw       float64     `json:"draw"`                  // the uniform draw in [0,1) (unused when greedy)
	Forced     bool        `json:"forced,omitempty"`
	Candidates []Candidate `json:"candidates"` // the top-N tokens by logit
}

// Candidate is one of the tokens the model ranked highest at a step.
type Candidate struct {
	ID    int     `json:"id"`
	Piece string  `json:"piece"`
	Logit float32 `json:"logit"`
	Prob  float32 `json:"prob"`        // softmax at temperature 1: the model's own belief
	PSamp float32 `json:"sample_prob"` // probability under the sampler's settings
}

// Timing holds how long generation took; it is measured, so it is kept out
// of the JSON and of comparisons.
type Timing struct {
	Prefill time.Duration   // feeding the prompt
	Steps   []time.Duration // each decode step, sampling included
}

// TokensPerSecond is the decode speed (prefill excluded).
func (t Timing) TokensPerSecond() float64 {
	var total time.Duration
	for _, d := range t.Steps {
		total += d
	}
	if total <= 0 {
		return 0
	}
	return float64(len(t.Steps)) / total.Seconds()
}

// IDs returns the generated token ids.
func (tr *Trace) IDs() []int {
	ids := make([]int, len(tr.Steps))
	for i, s := range tr.Steps {
		ids[i] = s.ID
	}
	return ids
}

// JSON returns the trace as indented JSON.
func (tr *Trace) JSON() []byte {
	b, err := json.MarshalIndent(tr, "", " ")
	if err != nil { // only NaN or Inf values can fail; they are sanitised in record
		return []byte(fmt.Sprintf("{\"error\": %q}", err.Error()))
	}
	return b
}

// ParseTrace reads a trace written by Trace.JSON (or json.Marshal). Replay
// it with Model.Replay.
func ParseTrace(data []byte) (*Trace, error) {
	var tr Trace
	if err := json.Unmarshal(data, &tr); err != nil {
		return nil, fmt.Errorf("llm: not a generation trace: %w", err)
	}
	if len(tr.PromptIDs) == 0 {
		return nil, fmt.Errorf("llm: trace has no prompt_ids: it was not written by Trace.JSON")
	}
	if err := tr.Settings.Sampler.Check(); err != nil {
		return nil, fmt.Errorf("llm: trace settings: %w", err)
	}
	return &tr, nil
}

// String shows the prompt and the generated text, then one line per step
// with the chosen token and the leading candidates.
func (tr *Trace) String() string {
	var b strings.Builder
	if tr.Untrained {
		b.WriteString("(untrained tiny model: random weights, the text is gibberish)\n")
	}
	fmt.Fprintf(&b, "%s ⟶ %q (%s, stop: %s)\n", quote(tr.Prompt), tr.Text, tr.Settings.Sampler, tr.Stop)
	for i, s := range tr.Steps {
		fmt.Fprintf(&b, "%3d  pos %-4d %-14q p=%.3f", i, s.Pos, s.Piece, s.Prob)
		if s.Forced {
			b.WriteString(" forced")
		} else if !tr.Settings.Sampler.IsGreedy() {
			fmt.Fprintf(&b, " u=%.3f", s.Draw)
		}
		b.WriteString("  |")
		for j, c := range s.Candidates {
			if j == 5 {
				break
			}
			fmt.Fprintf(&b, " %q %.3f", c.Piece, c.Prob)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func quote(s string) string {
	if len(s) > 60 {
		s = "…" + s[len(s)-59:]
	}
	return fmt.Sprintf("%q", s)
}
