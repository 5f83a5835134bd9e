package widgets

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/how-llms-work/course/llm"
)

// CharsPerToken encodes each sample with tok and charts its characters per
// token under the name of tok's model; where samples carry the ids recorded
// with the real Qwen3.5 tokenizer, a second series shows those, labelled as
// recorded. Each row opens to show its text.
func CharsPerToken(tok *llm.Tokenizer, name string, samples []llm.TextSample) Bars {
	bs := Bars{Title: "Characters per token, by kind of text", Series: []string{name}, Unit: "characters per token"}
	recorded := false
	for _, s := range samples {
		recorded = recorded || s.Qwen35 != nil
	}
	if recorded {
		bs.Series = append(bs.Series, "Qwen3.5 tokenizer (recorded)")
		bs.Note = "– : no encoding recorded for this text."
	}
	for _, s := range samples {
		chars := float64(utf8.RuneCountInString(s.Text))
		r := BarRow{Label: s.Kind, Detail: s.Text, Values: []float64{ratio(chars, len(tok.Encode(s.Text)))}}
		if recorded {
			v := math.NaN()
			if s.Qwen35 != nil {
				v = ratio(chars, len(s.Qwen35))
			}
			r.Values = append(r.Values, v)
		}
		bs.Rows = append(bs.Rows, r)
	}
	return bs
}

func ratio(chars float64, tokens int) float64 {
	if tokens == 0 {
		return 0
	}
	return chars / float64(tokens)
}

// LearnedMerges charts the first n merges that training learned, each with
// how many times its pair occurred in the corpus when it was chosen.
func LearnedMerges(tr *llm.TrainedTokenizer, n int) Bars {
	n = min(n, len(tr.Merges))
	tok := tr.Tokenizer
	bs := Bars{Title: fmt.Sprintf("The first %d merges learned, with the count of each pair", n), Unit: "occurrences of the pair in the corpus"}
	for i, m := range tr.Merges[:n] {
		bs.Rows = append(bs.Rows, BarRow{
			Label:  fmt.Sprintf("%d. %s + %s → %s", i, chipLabel(tok.Piece(m.Left)), chipLabel(tok.Piece(m.Right)), chipLabel(tok.Piece(m.ID))),
			Values: []float64{float64(m.Count)},
		})
	}
	return bs
}

// TokenLengths charts a vocabulary census's tokens by length in bytes.
func TokenLengths(c llm.VocabCensus) Bars {
	bs := Bars{Title: fmt.Sprintf("%s vocabulary tokens by length in bytes", commas(int64(c.BPE))), Unit: "tokens"}
	for n, k := range c.ByLength {
		if n == 0 {
			continue
		}
		bs.Rows = append(bs.Rows, BarRow{Label: fmt.Sprintf("%d %s", n, plural(n, "byte")), Values: []float64{float64(k)}})
	}
	return bs
}
