package llm

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/how-llms-work/course/llm/reference"
)

// IsQwen35 reports whether m is the real Qwen3.5-0.8B, recognised by its
// identity rather than its size: trained weights (a synthetic stand-in is
// marked as such), the published text config, and a tokenizer that gives
// the token ids recorded with the real model.
func (m *Model) IsQwen35() bool {
	if m == nil || m.Net == nil || m.Tok == nil || m.Untrained {
		return false
	}
	c, pub := m.Config(), Qwen35Config()
	if c.Hidden != pub.Hidden || c.Layers != pub.Layers || c.Vocab != pub.Vocab || c.Heads != pub.Heads ||
		c.KVHeads != pub.KVHeads || c.HeadDim != pub.HeadDim || c.Intermediate != pub.Intermediate ||
		!slices.Equal(c.LayerTypes, pub.LayerTypes) {
		return false
	}
	ref, err := reference.Qwen35()
	if err != nil {
		return false
	}
	for _, t := range ref.Tokenizations {
		if t.IDs != nil && !slices.Equal(m.Encode(t.Text), t.IDs) {
			return false
		}
	}
	for _, n := range ref.NextTokens {
		if m.Piece(n.NextID) != n.Next {
			return false
		}
	}
	return true
}

// Recorded puts what the loaded model computes for a prompt next to what
// was recorded with the real Qwen3.5-0.8B for the same prompt.
type Recorded struct {
	Prompt string
	Model  string // the model that ran
	Real   bool   // it is Qwen3.5-0.8B itself: the values should agree
	Rows   []RecordedValue
}

// RecordedValue is one quantity, as this run computed it and as it was
// recorded.
type RecordedValue struct {
	What     string // e.g. "greedy next token"
	Live     string // this run's value
	Recorded string // the value recorded with Qwen3.5-0.8B
	Agree    bool   // the two agree (the same tokens; probabilities within 0.05)
}

// VsRecorded runs m on a prompt for which values were recorded with the
// real Qwen3.5-0.8B (reference.Set.Prompts lists them) and returns each
// recorded quantity next to m's: token ids, the greedy next tokens, the
// greedy continuation, the top-5 list (renormalised over the top 12, as
// recorded). On another model the two columns differ, and the recorded
// one shows what the real model does; on the real model they should agree
// (Check).
func (m *Model) VsRecorded(prompt string) (*Recorded, error) {
	set, err := reference.Qwen35()
	if err != nil {
		return nil, err
	}
	rec := set.For(prompt)
	if rec.Empty() {
		return nil, set.NotRecorded(prompt)
	}
	r := &Recorded{Prompt: prompt, Model: m.Name, Real: m.IsQwen35()}
	ids := m.Encode(prompt)
	if t := rec.Tokenization; t != nil {
		if t.IDs != nil {
			r.add("token ids", fmt.Sprint(ids), fmt.Sprint(t.IDs), slices.Equal(ids, t.IDs))
		} else {
			r.add("tokens", fmt.Sprint(len(ids)), fmt.Sprint(t.TokenCount), len(ids) == t.TokenCount)
			if t.FirstID != nil && len(ids) > 0 {
				r.add("first token id", fmt.Sprint(ids[0]), fmt.Sprint(*t.FirstID), ids[0] == *t.FirstID)
			}
		}
	}
	if n := rec.Next; n != nil {
		steps := max(1, len(n.ContinuationStarts))
		tr, err := m.GenerateIDs(ids, Greedy(), MaxTokens(steps), StopAt())
		if err != nil {
			return nil, err
		}
		first := tr.Steps[0]
		r.add("greedy next token", fmt.Sprintf("%q (p = %.3g)", first.Piece, first.Prob), fmt.Sprintf("%q", n.Next), first.Piece == n.Next)
		if len(n.ContinuationStarts) > 1 {
			var live []string
			for _, st := range tr.Steps {
				live = append(live, st.Piece)
			}
			r.add(fmt.Sprintf("first %d greedy tokens", steps), quotePieces(live), quotePieces(n.ContinuationStarts), slices.Equal(live, n.ContinuationStarts))
		}
	}
	if c := rec.Continuation; c != nil {
		tr, err := m.GenerateIDs(ids, Greedy(), MaxTokens(c.MaxNewTokens), StopAt())
		if err != nil {
			return nil, err
		}
		// Agreement: the first 8 tokens, since bf16 and float32 may part
		// ways later in a long greedy run.
		var head []int
		for i, st := range tr.Steps {
			if i < 8 {
				head = append(head, st.ID)
			}
		}
		r.add(fmt.Sprintf("greedy continuation (%d tokens)", c.MaxNewTokens), fmt.Sprintf("%q", tr.Text), fmt.Sprintf("%q", c.Text), strings.HasPrefix(c.Text, m.Decode(head)))
	}
	if l := rec.Top5; l != nil {
		logits, err := m.Forward(ids)
		if err != nil {
			return nil, err
		}
		top := TopK(logits, 12)
		z := make([]float32, len(top))
		for i, t := range top {
			z[i] = t.Value
		}
		p := Softmax(z, 1)
		var live, want []string
		for i := 0; i < len(l.Top) && i < len(top); i++ {
			live = append(live, fmt.Sprintf("%q %.3f", m.Piece(top[i].ID), p[i]))
		}
		for _, s := range l.Top {
			want = append(want, fmt.Sprintf("%q %.3f", s.Piece, s.Value))
		}
		agree := m.Piece(top[0].ID) == l.Top[0].Piece && math.Abs(float64(p[0])-l.Top[0].Value) <= 0.05
		r.add(fmt.Sprintf("top %d of the top-12 softmax", len(l.Top)), strings.Join(live, ", "), strings.Join(want, ", "), agree)
	}
	return r, nil
}

// MustVsRecorded is VsRecorded for notebook cells: it panics on error.
func (m *Model) MustVsRecorded(prompt string) *Recorded {
	r, err := m.VsRecorded(prompt)
	if err != nil {
		panic(err)
	}
	return r
}

func (r *Recorded) add(what, live, recorded string, agree bool) {
	r.Rows = append(r.Rows, RecordedValue{What: what, Live: live, Recorded: recorded, Agree: agree})
}

// Check returns an error naming the values that disagree when the real
// model ran; on another model the values are not expected to agree and
// Check returns nil.
func (r *Recorded) Check() error {
	if !r.Real {
		return nil
	}
	var bad []string
	for _, v := range r.Rows {
		if !v.Agree {
			bad = append(bad, fmt.Sprintf("%s: %s, recorded %s", v.What, v.Live, v.Recorded))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("llm: %s on %q disagrees with its recording: %s", r.Model, r.Prompt, strings.Join(bad, "; "))
	}
	return nil
}

// Header is the heading of the two columns: this run's model, and the
// recording, labelled "recorded with Qwen3.5-0.8B".
func (r *Recorded) Header() (live, recorded string) {
	if r.Real {
		return r.Model + " (this run)", "recorded with " + reference.Model + " (should agree)"
	}
	return r.Model + " (this run)", "recorded with " + reference.Model + " (not this run)"
}

// String renders the comparison as text: one block per quantity.
func (r *Recorded) String() string {
	live, rec := r.Header()
	w := max(utf8.RuneCountInString(live), utf8.RuneCountInString(rec))
	pad := func(s string) string { return s + strings.Repeat(" ", w-utf8.RuneCountInString(s)) }
	var b strings.Builder
	fmt.Fprintf(&b, "%q\n", r.Prompt)
	for _, v := range r.Rows {
		fmt.Fprintf(&b, "  %s\n", v.What)
		mark := ""
		if r.Real {
			mark = map[bool]string{true: "  ✓", false: "  ✗ differs"}[v.Agree]
		}
		fmt.Fprintf(&b, "    %s  %s\n    %s  %s%s\n", pad(live), v.Live, pad(rec), v.Recorded, mark)
	}
	return b.String()
}

func quotePieces(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, " ")
}
