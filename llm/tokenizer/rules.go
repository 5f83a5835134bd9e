package tokenizer

import "sort"

// Rule is one line of a tokenizer's merge list: wherever the tokens Left
// and Right stand side by side in a piece, BPE may join them into the token
// ID. Rules apply lowest Rank first.
type Rule struct {
	Rank        int // position in the merge list (0 applies first)
	Left, Right int // ids of the two tokens joined
	ID          int // id of the token they become
}

// Rules returns the tokenizer's merge list in rank order. Ranks count the
// lines of tokenizer.json's merges, so a repeated line (only its first
// rank is used) leaves a gap.
func (t *Tokenizer) Rules() []Rule {
	out := make([]Rule, 0, t.merges.len())
	t.merges.each(func(a, b int32, m merge) {
		out = append(out, Rule{Rank: int(m.rank), Left: int(a), Right: int(b), ID: int(m.id)})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Rank < out[j].Rank })
	return out
}

// MergeStep is one step of BPE on a piece, as [Tokenizer.Merges] reports
// it: the rule applied, where, and the piece's tokens afterwards.
type MergeStep struct {
	Rule
	At  int   // index in IDs of the token the rule made
	IDs []int // the piece's tokens after this step
}

// Merges replays BPE on one piece of text, such as " unbelievable", merge by
// merge: the first element of the result is the piece as bytes (one token
// per byte), then one [MergeStep] per rule applied, lowest rank first, until
// no rule applies. It is [Tokenizer.Trace] with each step's rule spelled out.
// Like Trace it does not pre-tokenize: give it one word with its leading
// space, as [Tokenizer.PreTokens] cuts text, to see what Encode does.
func (t *Tokenizer) Merges(piece string) (bytes []int, steps []MergeStep) {
	trace := t.Trace(piece)
	if len(trace) == 0 {
		return nil, nil
	}
	bytes = trace[0].IDs
	prev := bytes
	for _, st := range trace[1:] {
		// The merge made st.IDs[st.At] from prev[At] and prev[At+1].
		steps = append(steps, MergeStep{
			Rule: Rule{Rank: st.Rank, Left: prev[st.At], Right: prev[st.At+1], ID: st.IDs[st.At]},
			At:   st.At,
			IDs:  st.IDs,
		})
		prev = st.IDs
	}
	return bytes, steps
}
