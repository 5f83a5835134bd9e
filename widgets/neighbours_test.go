package widgets_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// TestFromNearest checks the lists against a search done here by brute
// force over the rows, and the recorded list added after " king".
func TestFromNearest(t *testing.T) {
	m := widgets.MustLoad("tiny")
	e := m.MustEmbeddings()
	n := widgets.FromNearest(e, 4, " water", " king")
	if _, err := n.HTML(); err != nil {
		t.Fatal(err)
	}
	if len(n.Lists) != 3 || n.Lists[0].Query != " water" || n.Lists[1].Query != " king" || n.Lists[2].Query != " king" {
		t.Fatalf("lists %+v", n.Lists)
	}
	rec := llm.RecordedNearest(" king")
	if l := n.Lists[2]; l.Note != "recorded with Qwen3.5-0.8B" || len(l.Items) != len(rec) || l.Items[0] != rec[0] {
		t.Errorf("recorded list %+v, want %v", l, rec)
	}
	for _, l := range n.Lists[:2] {
		w := e.MustWord(l.Query)
		if want := fmt.Sprintf("%s: %d token(s) %q", m.Name, len(w.IDs), w.Pieces); l.Note != want {
			t.Errorf("%q: note %q", l.Query, l.Note)
		}
		// Brute force: the best row by cosine with the word's vector, its own tokens left out.
		best, bestCos := -1, math.Inf(-1)
		for id := range e.Vocab {
			if c := llm.Cosine(e.MustRow(id), w.Vec); c > bestCos && !contains(w.IDs, id) {
				best, bestCos = id, c
			}
		}
		if len(l.Items) != 4 || l.Items[0].ID != best || math.Abs(float64(l.Items[0].Cosine)-bestCos) > 1e-4 {
			t.Errorf("%q: first neighbour %+v, brute force %d %.4f", l.Query, l.Items[0], best, bestCos)
		}
	}
	// An error waits for the widget to be shown.
	if _, err := widgets.FromNearest(e, 4, "").HTML(); err == nil || !strings.Contains(err.Error(), "FromNearest") {
		t.Errorf("a word with no tokens: error %v", err)
	}
}

func contains(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestFromAnalogies(t *testing.T) {
	rec := []llm.Neighbour{{ID: -1, Piece: " queen", Cosine: 0.5}}
	as := []llm.Analogy{
		{Query: "king - man + woman", Model: "tiny", Err: errSplit{}, Recorded: rec},
		{Query: "he - man + woman", Model: "tiny", Nearest: []llm.Neighbour{{ID: 3, Piece: " she", Cosine: 0.7}}},
		{Query: "a - b + c", Model: "tiny", Nearest: []llm.Neighbour{{ID: 4, Piece: " x", Cosine: 0.1}}, Recorded: rec},
	}
	n := widgets.FromAnalogies(as)
	var got []string
	for _, l := range n.Lists {
		got = append(got, l.Query+" | "+l.Note)
	}
	want := []string{"he − man + woman | tiny", "a − b + c | tiny", "king − man + woman | recorded with Qwen3.5-0.8B", "a − b + c | recorded with Qwen3.5-0.8B"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lists:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := n.Text(); err != nil {
		t.Error(err)
	}
}

type errSplit struct{}

func (errSplit) Error() string { return "split" }

func TestMustFromPCAAndStreams(t *testing.T) {
	rows := [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}}
	p := llm.MustPCA(rows, 2)
	s := widgets.MustFromPCA(p, []string{"a", "b", "c", "d"}, []string{"x", "x", "y", "y"})
	if want, _ := widgets.FromPCA(p, []string{"a", "b", "c", "d"}, []string{"x", "x", "y", "y"}); len(s.Points) != 4 || s.Points[3] != want.Points[3] {
		t.Errorf("MustFromPCA %+v", s.Points)
	}
	for name, f := range map[string]func(){
		"MustFromPCA":     func() { widgets.MustFromPCA(p, []string{"a"}, []string{"x"}) },
		"MustFromStreams": func() { widgets.MustFromStreams([]string{"a"}, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s of bad input did not panic", name)
				}
			}()
			f()
		}()
	}
}
