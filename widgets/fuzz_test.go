package widgets_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/how-llms-work/course/widgets"
)

// FuzzEscaping feeds arbitrary token text (tokens are untrusted: a model
// can emit "</script>" or "<img onerror=…>") and logits to the widgets that
// show text. Whatever the input, they must not panic, and a successful
// rendering must have exactly the element structure of a harmless token:
// the text can never add elements or attributes.
func FuzzEscaping(f *testing.F) {
	for _, s := range []string{"x", " cat", "</script><script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "<!--", "]]>", "\x00\n\t", "{{.}}", "\u2028"} {
		f.Add(s, 1.5)
	}
	f.Add("x", 1e300)
	f.Fuzz(func(t *testing.T, piece string, logit float64) {
		render := func(p string) []widgets.Widget {
			return []widgets.Widget{
				widgets.SoftmaxTable{Title: p, Tokens: []string{p, "b"}, Logits: []float64{logit, 0}},
				widgets.ProbBars{Title: p, Candidates: []widgets.Candidate{{Piece: p, Logit: float32(logit)}}},
				widgets.TraceView{Title: p, Prompt: []string{p}, Steps: []widgets.TraceStep{{Candidates: []widgets.Candidate{{Piece: p, Prob: 0.5}}, Chosen: widgets.Candidate{Piece: p, Prob: 0.5}}}},
				widgets.Quiz{Title: p, Questions: []widgets.Question{{Prompt: p + "?", Choices: []widgets.Choice{{Text: p + "a", Why: p, Correct: true}, {Text: p + "b", Why: p}}}}},
			}
		}
		ref := render("x")
		for i, w := range render(piece) {
			h, err := w.HTML()
			if err != nil {
				continue // rejected input is fine; panics are not
			}
			want, err := ref[i].HTML()
			if err != nil {
				continue // e.g. the logit itself is out of range
			}
			if got, w := shape(t, h), shape(t, want); got != w {
				t.Fatalf("%T with %q: element structure %q, want %q", ref[i], piece, got, w)
			}
		}
	})
}

// shape lists the elements and attribute names of a fragment, in order.
func shape(t *testing.T, h string) string {
	s := ""
	for n := range parse(t, h).Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		s += "<" + n.Data
		for _, a := range n.Attr {
			s += " " + a.Key
		}
		s += ">"
	}
	return s
}

// FuzzParseQuiz feeds arbitrary text to the quiz parser: it must not panic,
// and what it accepts is a valid quiz that renders and grades.
func FuzzParseQuiz(f *testing.F) {
	f.Add("? q\n+ a | yes\n- b | no")
	f.Add("? q\n+ a | yes\n+ b | also")
	f.Add("+ a | yes")
	f.Add("? q\n- a no")
	f.Add("\xff\n? \n")
	f.Fuzz(func(t *testing.T, text string) {
		q, err := widgets.ParseQuiz("fuzz", text)
		if err != nil {
			return
		}
		if err := q.Validate(); err != nil {
			t.Fatalf("ParseQuiz accepted an invalid quiz: %v", err)
		}
		if _, err := q.HTML(); err != nil {
			t.Fatalf("a parsed quiz does not render: %v", err)
		}
		answers := make([]int, len(q.Questions))
		for i := range answers {
			answers[i], _ = q.Answer(i)
		}
		if got := q.Grade(answers); !strings.HasPrefix(got, fmt.Sprintf("%d of %d right", len(answers), len(answers))) {
			t.Fatalf("the right answers grade as %q", got)
		}
	})
}
