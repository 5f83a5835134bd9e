package widgets_test

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/how-llms-work/course/llm/tiny"
	"github.com/how-llms-work/course/llm/tokenizer"
	"github.com/how-llms-work/course/widgets"
)

func tinyTok(t testing.TB) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Parse(tiny.Tokenizer(), tiny.TokenizerConfig())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestTokenChips checks the chips of a text against Encode: one chip per
// id, in order, with the id shown, white space made visible, special
// tokens dashed, and the footer's counts.
func TestTokenChips(t *testing.T) {
	tok := tinyTok(t)
	in := "<|im_start|>user\n\tThe cat 🦙<|im_end|>"
	tc := widgets.Tokens(tok, in)
	ids := tok.Encode(in)
	h := mustHTML(t, tc)
	doc := checkSelfContained(t, h)
	chips := all(doc, class("chip"))
	if len(chips) != len(ids) || len(tc.Chips) != len(ids) {
		t.Fatalf("%d chips (%d in HTML) for %d ids", len(tc.Chips), len(chips), len(ids))
	}
	var joined strings.Builder
	for i, c := range chips {
		idText := text(all(c, class("id"))[0])
		if idText != strconv.Itoa(ids[i]) {
			t.Errorf("chip %d shows id %s, Encode gives %d", i, idText, ids[i])
		}
		if hasClass(c, "special") != tok.IsAdded(ids[i]) {
			t.Errorf("chip %d (%q): special %v", i, tok.Piece(ids[i]), hasClass(c, "special"))
		}
		joined.WriteString(text(all(c, class("t"))[0]))
	}
	// The labels are the pieces with white space made visible.
	want := strings.NewReplacer(" ", "·", "\n", "↵", "\t", "→").Replace(strings.Join(tok.Pieces(ids), ""))
	if joined.String() != want {
		t.Errorf("chip labels %q, want %q", joined.String(), want)
	}
	n, m := len(ids), utf8.RuneCountInString(in)
	foot := fmt.Sprintf("%d tokens · %d characters · %.2f chars/token", n, m, float64(m)/float64(n))
	if got := text(all(doc, class("foot"))[0]); got != foot || tc.Footer() != foot {
		t.Errorf("footer %q, want %q", got, foot)
	}
	// The emoji is four byte pieces, marked as bytes.
	if bytes := all(doc, class("byte")); len(bytes) != 4 {
		t.Errorf("%d byte chips for one 4-byte emoji", len(bytes))
	}
	s, err := tc.Text()
	if err != nil || !strings.Contains(s, "[[<|im_start|>|4094]]") || !strings.Contains(s, "[·cat|3140]") || !strings.Contains(s, foot) {
		t.Errorf("Text:\n%s", s)
	}
}

// TestTokenChipsCase checks the chapter's "same word, different ids" on
// the embedded tokenizer: " cat" is one token, "cat", "Cat", " Cat" and
// "CAT" are not that token.
func TestTokenChipsCase(t *testing.T) {
	tok := tinyTok(t)
	first := map[int]string{}
	for _, w := range []string{"cat", " cat", "Cat", " Cat", "CAT"} {
		c := widgets.Tokens(tok, w).Chips
		if s := strings.Join(pieces(c), ""); s != w {
			t.Errorf("%q: chips spell %q", w, s)
		}
		if prev, ok := first[c[0].ID]; ok && len(c) == 1 {
			t.Errorf("%q and %q start with the same id %d", prev, w, c[0].ID)
		}
		first[c[0].ID] = w
	}
	if c := widgets.Tokens(tok, " cat").Chips; len(c) != 1 || c[0].ID != 3140 {
		t.Errorf(`" cat" = %v, want one token 3140`, c)
	}
}

func pieces(cs []widgets.Chip) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Piece
	}
	return out
}

// TestMergeStepper checks the stepper against Encode: its last tokens are
// the encoder's, each step joins two neighbours of the step before into
// the token shown, and ranks increase along … not necessarily, so only
// the table's numbers are compared with the steps.
func TestMergeStepper(t *testing.T) {
	tok := tinyTok(t)
	for _, w := range []string{" unbelievable", " Antidisestablishmentarianism", " tokenization", " the"} {
		ms := widgets.Merges(tok, w)
		if got, want := ms.Final(), tok.Pieces(tok.Encode(w)); !slices.Equal(got, want) {
			t.Errorf("%q: stepper ends in %q, Encode gives %q", w, got, want)
		}
		if len(ms.Start) != len(w) {
			t.Errorf("%q: starts from %d tokens, want one per byte (%d)", w, len(ms.Start), len(w))
		}
		prev := ms.Start
		for i, s := range ms.Steps {
			if prev[s.At] != s.Left || prev[s.At+1] != s.Right || s.Tokens[s.At] != s.Result || s.Left+s.Right != s.Result {
				t.Errorf("%q step %d: %q + %q → %q at %d does not follow from %q", w, i, s.Left, s.Right, s.Result, s.At, prev)
			}
			if id, ok := tok.ID(s.Result); !ok || id != s.ResultID {
				t.Errorf("%q step %d: %q has id %d, shown %d", w, i, s.Result, id, s.ResultID)
			}
			prev = s.Tokens
		}
		h := mustHTML(t, ms)
		doc := checkSelfContained(t, h)
		rows := all(doc, tag("tr"))
		if len(rows) != len(ms.Steps)+2 { // header, bytes, one per step
			t.Errorf("%q: %d table rows for %d steps", w, len(rows), len(ms.Steps))
		}
		for i, s := range ms.Steps {
			cells := all(rows[i+2], tag("td"))
			if text(cells[1]) != strconv.Itoa(s.Rank) {
				t.Errorf("%q step %d: rank shown %s, want %d", w, i, text(cells[1]), s.Rank)
			}
		}
	}
	if _, err := (widgets.MergeStepper{}).HTML(); err == nil {
		t.Error("an empty stepper renders")
	}
}

// TestCharsPerToken checks the bars against counts made here, and the
// recorded Qwen3.5 series against the recorded ids.
func TestCharsPerToken(t *testing.T) {
	tok := tinyTok(t)
	samples, err := tokenizer.Samples()
	if err != nil {
		t.Fatal(err)
	}
	bs := widgets.CharsPerToken(tok, "tiny", samples)
	if len(bs.Rows) != len(samples) || len(bs.Series) != 2 {
		t.Fatalf("%d rows, %d series", len(bs.Rows), len(bs.Series))
	}
	for i, s := range samples {
		chars := float64(len([]rune(s.Text)))
		if want := chars / float64(len(tok.Encode(s.Text))); math.Abs(bs.Rows[i].Values[0]-want) > 1e-12 {
			t.Errorf("%s: %g chars/token, want %g", s.Kind, bs.Rows[i].Values[0], want)
		}
		if s.Qwen35 == nil != math.IsNaN(bs.Rows[i].Values[1]) {
			t.Errorf("%s: recorded value %g", s.Kind, bs.Rows[i].Values[1])
		}
	}
	// The recorded English sentence: 44 characters in 12 Qwen3.5 tokens.
	if samples[0].Kind != "English prose" || math.Abs(bs.Rows[0].Values[1]-44.0/12) > 1e-12 {
		t.Errorf("%s: recorded %g chars/token, want 44/12", samples[0].Kind, bs.Rows[0].Values[1])
	}
	h := mustHTML(t, bs)
	doc := checkSelfContained(t, h)
	if got := len(all(doc, tag("details"))); got != len(samples) {
		t.Errorf("%d details for %d samples", got, len(samples))
	}
	if !strings.Contains(text(doc), "3.67") {
		t.Error("the recorded 3.67 chars/token is not shown")
	}
}

func TestBarsErrors(t *testing.T) {
	for _, bs := range []widgets.Bars{
		{},
		{Rows: []widgets.BarRow{{Label: "a", Values: []float64{1, 2}}}},
		{Rows: []widgets.BarRow{{Label: "a", Values: []float64{math.Inf(1)}}}},
		{Rows: []widgets.BarRow{{Label: "a", Values: []float64{-1}}}},
	} {
		if _, err := bs.HTML(); err == nil {
			t.Errorf("%+v renders", bs)
		}
	}
	bs := widgets.Bars{Rows: []widgets.BarRow{{Label: "a", Values: []float64{3}}, {Label: "b", Values: []float64{math.NaN()}}}}
	s, err := bs.Text()
	if err != nil || !strings.Contains(s, "a") || !strings.Contains(s, "–") {
		t.Errorf("Text: %q, %v", s, err)
	}
}

// TestTrainedViews trains a small tokenizer and checks the merges chart
// and the census chart against the training record.
func TestTrainedViews(t *testing.T) {
	tr, err := tokenizer.Train(strings.Repeat("the cat sat on the mat. ", 50), 270, tokenizer.TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bs := widgets.LearnedMerges(tr, 5)
	if len(bs.Rows) != 5 {
		t.Fatalf("%d rows", len(bs.Rows))
	}
	for i, r := range bs.Rows {
		m := tr.Merges[i]
		if r.Values[0] != float64(m.Count) || !strings.Contains(r.Label, tr.Tokenizer.Piece(m.ID)) {
			t.Errorf("row %d %q %v, merge %+v", i, r.Label, r.Values, m)
		}
	}
	// The most frequent pair of this text occurs 100 times or more (" t"
	// in " the" twice per sentence, or "at" three times).
	if tr.Merges[0].Count < 100 {
		t.Errorf("first merge count %d", tr.Merges[0].Count)
	}
	c := tr.Tokenizer.Census()
	ls := widgets.TokenLengths(c)
	total := 0.0
	for _, r := range ls.Rows {
		total += r.Values[0]
	}
	if int(total) != c.BPE || ls.Rows[0].Values[0] != 256 {
		t.Errorf("lengths sum to %g for %d tokens; %g of one byte", total, c.BPE, ls.Rows[0].Values[0])
	}
	mustHTML(t, bs)
	mustHTML(t, ls)
}
