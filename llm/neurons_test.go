package llm

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/corpus"
	"github.com/how-llms-work/course/llm/model"
)

// neuronRecord makes a random record: values on a coarse grid so that
// ties occur, pieces from a small set so that patterns match some tokens.
func neuronRecord(t *testing.T, seed uint64, layers, tokens, units int) *Neurons {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	words := []string{" the", " The", " 1961", "5", ".", " Paris", " cat", ",", " NATO", " ran"}
	pieces := make([]string, tokens)
	for i := range pieces {
		pieces[i] = words[rng.IntN(len(words))]
	}
	act := make([][][]float32, layers)
	for l := range act {
		act[l] = make([][]float32, tokens)
		for p := range act[l] {
			act[l][p] = make([]float32, units)
			for u := range act[l][p] {
				act[l][p][u] = float32(rng.IntN(21)-10) / 4
			}
		}
	}
	// One planted digit detector: layer 0 unit 1 fires on digits only.
	for p, s := range pieces {
		if Digits.Match(s) {
			act[0][p][1] = 9 + float32(p%3)
		} else {
			act[0][p][1] = 0
		}
	}
	n, err := NewNeurons(pieces, []int{0, tokens / 2}, act)
	if err != nil {
		t.Fatal(err)
	}
	if n.Window != tokens-tokens/2 {
		t.Fatalf("window %d for starts %v of %d tokens", n.Window, n.Starts, tokens)
	}
	return n
}

// bruteTop sorts every token by u's value (highest first, then position).
func bruteTop(n *Neurons, u Neuron) []Hit {
	var all []Hit
	for p := range n.Len() {
		v, _ := n.Row(u.Layer, p)
		a := v[u.Unit]
		if u.Neg {
			a = -a
		}
		all = append(all, Hit{p, a})
	}
	slices.SortStableFunc(all, func(a, b Hit) int { return cmp.Compare(b.Act, a.Act) })
	return all
}

// TestNeuronTopBruteForce compares Top with a full sort, both signs, many k.
func TestNeuronTopBruteForce(t *testing.T) {
	n := neuronRecord(t, 1, 3, 200, 7)
	for l := range 3 {
		for u := range 7 {
			for _, neg := range []bool{false, true} {
				nu := Neuron{l, u, neg}
				all := bruteTop(n, nu)
				for _, k := range []int{1, 2, 5, 20, 200, 300} {
					got := n.MustTop(nu, k)
					if want := all[:min(k, len(all))]; !slices.Equal(got, want) {
						t.Fatalf("%v top %d:\n got %v\nwant %v", nu, k, got, want)
					}
				}
			}
		}
	}
	if _, err := n.Top(Neuron{3, 0, false}, 1); err == nil {
		t.Error("layer 3 of 3: no error")
	}
	if _, err := n.Top(Neuron{0, 0, false}, 0); err == nil {
		t.Error("k = 0: no error")
	}
}

// TestNeuronSearchBruteForce scores every neuron by brute force (full
// sorts, two-pass means and deviations) and compares with Search.
func TestNeuronSearchBruteForce(t *testing.T) {
	n := neuronRecord(t, 2, 2, 150, 6)
	for _, p := range []Pattern{Digits, Exactly(" the", " The"), EndOfSentence, Capitalised} {
		var match []bool
		hits := 0
		for _, s := range n.Pieces {
			match = append(match, p.Match(s))
			if p.Match(s) {
				hits++
			}
		}
		top := min(SearchTop, hits)
		var want []NeuronScore
		for l := range n.Layers {
			for u := range n.Units {
				for _, neg := range []bool{false, true} {
					nu := Neuron{l, u, neg}
					vals, _ := n.Values(nu)
					var mean, on, off float64
					for p, v := range vals {
						mean += float64(v)
						if match[p] {
							on += float64(v)
						} else {
							off += float64(v)
						}
					}
					mean /= float64(len(vals))
					var varSum float64
					for _, v := range vals {
						varSum += (float64(v) - mean) * (float64(v) - mean)
					}
					sd := math.Sqrt(varSum / float64(len(vals)))
					s := NeuronScore{Neuron: nu, OnMatch: on / float64(hits), Elsewhere: off / float64(len(vals)-hits)}
					if sd > 0 {
						s.Separation = (s.OnMatch - s.Elsewhere) / sd
					}
					good := 0
					for _, h := range bruteTop(n, nu)[:top] {
						if match[h.Pos] {
							good++
						}
					}
					s.Precision = float64(good) / float64(top)
					want = append(want, s)
				}
			}
		}
		slices.SortStableFunc(want, func(a, b NeuronScore) int {
			if c := cmp.Compare(b.Precision, a.Precision); c != 0 {
				return c
			}
			return cmp.Compare(b.Separation, a.Separation)
		})
		got := n.MustSearch(p, len(want))
		if len(got) != len(want) {
			t.Fatalf("%s: %d results, want %d", p.Name, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Precision != w.Precision || math.Abs(g.Separation-w.Separation) > 1e-9 || math.Abs(g.OnMatch-w.OnMatch) > 1e-9 || math.Abs(g.Elsewhere-w.Elsewhere) > 1e-9 {
				t.Fatalf("%s rank %d: got %+v, want %+v", p.Name, i, g, w)
			}
		}
		if p.Name == Digits.Name && (got[0].Neuron != Neuron{0, 1, false} || got[0].Precision != 1) {
			t.Errorf("the planted digit detector is not found first: %+v", got[0])
		}
	}
	if _, err := n.Search(Exactly(" nowhere"), 3); err == nil || !strings.Contains(err.Error(), "matches 0") {
		t.Errorf("a pattern matching nothing: %v", err)
	}
}

func TestPatterns(t *testing.T) {
	for _, c := range []struct {
		p   Pattern
		yes []string
		no  []string
	}{
		{Digits, []string{"5", " 1961", "00"}, []string{" five", "3a", " ", "", "1.5"}},
		{Capitalised, []string{" Paris", "The", " Émile"}, []string{" NATO", "I", " the", " mAry", "1A"}},
		{EndOfSentence, []string{".", " ?", "!", ".\""}, []string{",", " .5", "..."}},
		{Exactly(" the", " The"), []string{" the", " The"}, []string{"the", " them"}},
	} {
		for _, s := range c.yes {
			if !c.p.Match(s) {
				t.Errorf("%s does not match %q", c.p.Name, s)
			}
		}
		for _, s := range c.no {
			if c.p.Match(s) {
				t.Errorf("%s matches %q", c.p.Name, s)
			}
		}
	}
}

// TestRecordNeuronsMatchesCapture: the recorded activations are the MLP
// rows of a capture of the same windows, run from fresh states; contexts
// stop at window boundaries.
func TestRecordNeuronsMatchesCapture(t *testing.T) {
	m := mlpModel(t)
	texts := EmbeddedTexts()
	var calls int
	rec := m.MustRecordNeurons(texts, 300, func(done, total int) {
		calls++
		if total != 300 || done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	})
	if rec.Len() != 300 || rec.Layers != m.Config().Layers || rec.Units != m.Config().Intermediate {
		t.Fatalf("record of %d tokens, %d layers, %d units", rec.Len(), rec.Layers, rec.Units)
	}
	if !slices.Equal(rec.Starts, []int{0, 128, 256}) || calls != 3 || rec.Window != 128 {
		t.Errorf("starts %v, %d progress calls", rec.Starts, calls)
	}
	if want := m.Encode(texts[0])[:300]; !slices.Equal(rec.IDs, want) {
		t.Fatal("the recorded ids are not the first text's first 300 tokens")
	}
	for _, s := range rec.Starts {
		end := min(s+128, rec.Len())
		c := &model.Capture{}
		if _, err := m.Net.ForwardCapture(m.Net.NewState(), rec.IDs[s:end], c); err != nil {
			t.Fatal(err)
		}
		for l := range rec.Layers {
			for p := s; p < end; p++ {
				row, _ := rec.Row(l, p)
				if !slices.Equal(row, c.Layers[l].MLP[p-s]) {
					t.Fatalf("layer %d position %d differs from a capture of its window", l, p)
				}
			}
		}
	}
	u := Neuron{1, 3, false}
	ctx, err := rec.Context(u, 130, 5, 5) // 2 tokens into the second window
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Peak != 2 || len(ctx.Pieces) != 8 || ctx.Pieces[0] != rec.Pieces[128] {
		t.Errorf("context at 130: peak %d, %d pieces, starts %q", ctx.Peak, len(ctx.Pieces), ctx.Pieces[0])
	}
	ctx, _ = rec.Context(u, 126, 3, 5) // 2 tokens before the boundary
	if ctx.Peak != 3 || len(ctx.Pieces) != 5 || ctx.Acts[3] != rec.at(u, 126) {
		t.Errorf("context at 126: peak %d, %d pieces", ctx.Peak, len(ctx.Pieces))
	}
	cs := rec.MustTopContexts(u, 4, 2, 2)
	for i, h := range rec.MustTop(u, 4) {
		if cs[i].Pos != h.Pos || cs[i].Acts[cs[i].Peak] != h.Act {
			t.Errorf("context %d: %+v, hit %+v", i, cs[i], h)
		}
	}
	if _, err := m.RecordNeurons(nil, 10, nil); err == nil {
		t.Error("no texts: no error")
	}
	if _, err := m.RecordNeurons(texts, 0, nil); err == nil {
		t.Error("maxTokens 0: no error")
	}
}

func TestNewNeuronsErrors(t *testing.T) {
	one := [][][]float32{{{1, 2}, {3, 4}}}
	for _, c := range []struct {
		pieces []string
		starts []int
		act    [][][]float32
	}{
		{nil, nil, one},
		{[]string{"a"}, nil, one},
		{[]string{"a", "b"}, []int{1}, one},
		{[]string{"a", "b"}, []int{0, 2}, one},
		{[]string{"a", "b"}, nil, [][][]float32{{{1, 2}, {3}}}},
	} {
		if _, err := NewNeurons(c.pieces, c.starts, c.act); err == nil {
			t.Errorf("NewNeurons(%q, %v, …): no error", c.pieces, c.starts)
		}
	}
}

func TestExplorerTexts(t *testing.T) {
	texts := EmbeddedTexts()
	if len(texts) != 4 {
		t.Fatalf("%d embedded texts", len(texts))
	}
	joined := strings.Join(texts, "\n")
	for _, want := range []string{"Four score and seven years ago", "We hold these truths", "We the People", "1962"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the embedded texts lack %q", want)
		}
	}
	got, source := ExplorerTexts()
	if len(got) == 0 || source == "" {
		t.Errorf("ExplorerTexts: %d texts, source %q", len(got), source)
	}
	// With the corpus installed, the held-out samples read here are the
	// corpus package's validation split, text for text.
	if _, valid, err := corpus.Load(); err == nil {
		docs, err := heldOutBrown()
		if err != nil || len(docs) != len(valid) {
			t.Fatalf("heldOutBrown: %d docs, %v; corpus.Load: %d", len(docs), err, len(valid))
		}
		for i, d := range docs {
			if d.Name != valid[i].Name || d.Text != valid[i].Text {
				t.Errorf("held-out sample %d: %s, want %s", i, d.Name, valid[i].Name)
			}
		}
		if len(got) != len(valid) || !strings.Contains(source, "Brown") {
			t.Errorf("ExplorerTexts with the corpus: %d texts, source %q", len(got), source)
		}
		genre := func(text string) byte { // the genre letter of the sample text starts
			for _, d := range valid {
				if len(text) <= explorerChars && strings.HasPrefix(d.Text, text) {
					return d.Name[1]
				}
			}
			t.Fatalf("text %.40q… is not the start of a held-out sample", text)
			return 0
		}
		if genre(got[0]) == genre(got[1]) {
			t.Errorf("the first two texts are of one genre: not interleaved")
		}
	} else {
		t.Logf("the Brown corpus is not installed (%v): only the embedded texts are checked", err)
	}
	if s := cut("One. Two three four five six", 12); s != "One. Two thr" {
		t.Errorf("cut: %q", s)
	}
	if s := cut("aaaaaaaaa. bbb", 12); s != "aaaaaaaaa." {
		t.Errorf("cut at a stop: %q", s)
	}
	if s := cut("aaaaaaaaaaé", 11); s != "aaaaaaaaaa" {
		t.Errorf("cut inside é: %q", s)
	}
}
