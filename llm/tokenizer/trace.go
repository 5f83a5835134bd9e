package tokenizer

// Step is one state of BPE working on a piece of text.
type Step struct {
	Rank int   // rank of the merge just applied (its line in the merge list); -1 for the starting bytes
	At   int   // index in IDs of the token the merge made; -1 for the starting bytes
	IDs  []int // the piece's tokens after this step
}

// Trace shows BPE at work on one piece of text, such as " tokenization": the
// first step is one token per byte, and each further step applies one merge,
// lowest rank first, until none applies. The last step's IDs are what
// [Tokenizer.Encode] gives when the pre-tokenizer keeps piece whole (it does
// for a word with its leading space). The piece is normalised but not split;
// it must not contain added tokens.
func (t *Tokenizer) Trace(piece string) []Step {
	piece = t.normalize(validString(piece))
	if piece == "" {
		return nil
	}
	first := Step{Rank: -1, At: -1}
	for i := 0; i < len(piece); i++ {
		first.IDs = append(first.IDs, int(t.byteID[piece[i]]))
	}
	steps := []Step{first}
	e := encoder{t: t}
	e.bpeTrace(nil, piece, func(rank int32, syms []symbol, at int32) {
		st := Step{Rank: int(rank), At: -1}
		for i := int32(0); i >= 0; i = syms[i].next {
			if i == at {
				st.At = len(st.IDs)
			}
			st.IDs = append(st.IDs, int(syms[i].id))
		}
		steps = append(steps, st)
	})
	return steps
}

// PreTokens shows the first steps of [Tokenizer.Encode]: the pieces that BPE
// works on, after added tokens are cut out (they are pieces of their own) and
// the rest is normalised and split by the pre-tokenizer regex. The ids of
// Encode are the BPE tokens of each piece in turn.
func (t *Tokenizer) PreTokens(text string) []string {
	text = validString(text)
	var out []string
	scan := func(seg string) {
		for len(seg) > 0 {
			n := t.scanner.Next(seg)
			out = append(out, seg[:n])
			seg = seg[n:]
		}
	}
	split := func(seg string) {
		seg = t.normalize(seg)
		for t.anyNormalized {
			start, end, _ := t.findAdded(seg, true, true)
			if start < 0 {
				break
			}
			scan(seg[:start])
			out = append(out, seg[start:end])
			seg = seg[end:]
		}
		scan(seg)
	}
	for len(text) > 0 {
		start, end, _ := t.findAdded(text, true, false)
		if start < 0 {
			split(text)
			break
		}
		split(text[:start])
		out = append(out, text[start:end])
		text = text[end:]
	}
	return out
}
