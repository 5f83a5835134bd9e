package llm

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/reference"
)

func TestParseAnalogyAndDirection(t *testing.T) {
	for q, want := range map[string][3]string{
		"king - man + woman":      {" king", " man", " woman"},
		" Paris − France + Japan": {" Paris", " France", " Japan"},
	} {
		if got, err := parseAnalogy(q); err != nil || got != want {
			t.Errorf("parseAnalogy(%q) = %q, %v; want %q", q, got, err, want)
		}
	}
	for _, q := range []string{"", "king", "king - man", "king + man - woman", "king - man + woman + x", "king man woman x y"} {
		if _, err := parseAnalogy(q); err == nil || !strings.Contains(err.Error(), q) {
			t.Errorf("parseAnalogy(%q): error %v, want one naming the query", q, err)
		}
	}
	if got, err := parseDirection("woman − man"); err != nil || got != [2]string{" woman", " man"} {
		t.Errorf("parseDirection: %q, %v", got, err)
	}
	for _, q := range []string{"woman", "woman + man", "woman - man - x"} {
		if _, err := parseDirection(q); err == nil {
			t.Errorf("parseDirection(%q): no error", q)
		}
	}
}

// TestAnalogiesMatchBruteForce checks each answer of Analogies against a
// brute-force search over the checkpoint's rows, for whichever queries the
// embedded vocabulary can express, and the error for the others.
func TestAnalogiesMatchBruteForce(t *testing.T) {
	m, e, raw := tinyEmb(t)
	queries := []string{"king - man + woman", "he - man + woman", "his - he + she", "was - is + are", "nonsense"}
	got := e.Analogies(3, queries...)
	if len(got) != len(queries) {
		t.Fatalf("%d answers for %d queries", len(got), len(queries))
	}
	answered := 0
	for i, a := range got[:4] {
		words, _ := parseAnalogy(queries[i])
		if a.Words != words || a.Model != m.Name {
			t.Errorf("%s: words %q, model %q", a.Query, a.Words, a.Model)
		}
		var ids []int
		single := true
		for _, w := range words {
			tok := m.Encode(w)
			single = single && len(tok) == 1
			ids = append(ids, tok[0])
		}
		if !single {
			if a.Err == nil || !strings.Contains(a.Err.Error(), "tokens in this vocabulary") || !strings.Contains(a.String(), "not on this model") {
				t.Errorf("%s has a split word: err %v, line %q", a.Query, a.Err, a)
			}
			continue
		}
		answered++
		q := make([]float64, e.Hidden)
		for k, id := range ids {
			for j, x := range raw[id*e.Hidden : (id+1)*e.Hidden] {
				q[j] += []float64{1, -1, 1}[k] * float64(x)
			}
		}
		best, bestCos := -1, math.Inf(-1)
		for id, c := range bruteCosines(raw, e.Hidden, q) {
			if !slices.Contains(ids, id) && c > bestCos {
				best, bestCos = id, c
			}
		}
		if a.Err != nil || len(a.Nearest) != 3 || a.Nearest[0].ID != best || math.Abs(float64(a.Nearest[0].Cosine)-bestCos) > 1e-4 {
			t.Errorf("%s: %v %v, brute force %q %.4f", a.Query, a.Nearest, a.Err, m.Piece(best), bestCos)
			continue
		}
		if line := a.String(); !strings.Contains(line, "→ "+strconv.Quote(m.Piece(best))) || !strings.HasPrefix(line, strings.ReplaceAll(a.Query, "-", "−")) {
			t.Errorf("%s: line %q", a.Query, line)
		}
	}
	if answered == 0 {
		t.Error("none of the test analogies is expressible on the embedded model: pick others")
	}
	if got[4].Err == nil || got[4].Recorded != nil {
		t.Errorf("a malformed query: %+v", got[4])
	}
	// The recording is attached where there is one, and only there.
	ref := reference.MustQwen35().Embeddings.Lists["king - man + woman"]
	if rec := got[0].Recorded; len(rec) != len(ref) || rec[0].Piece != ref[0].Piece || rec[0].ID != -1 || float64(rec[0].Cosine) != float64(float32(ref[0].Value)) {
		t.Errorf("the recorded king − man + woman: %v, recording %v", rec, ref)
	}
	if got[1].Recorded != nil {
		t.Errorf("he − man + woman was not recorded, got %v", got[1].Recorded)
	}
}

func TestDirections(t *testing.T) {
	m, e, raw := tinyEmb(t)
	row := func(w string) []float32 {
		id := m.Encode(w)[0]
		return raw[id*e.Hidden : (id+1)*e.Hidden]
	}
	sub := func(a, b string) []float64 {
		out := make([]float64, e.Hidden)
		for j := range out {
			out[j] = float64(row(a)[j]) - float64(row(b)[j])
		}
		return out
	}
	cos := func(a, b []float64) float64 {
		var d, na, nb float64
		for j := range a {
			d, na, nb = d+a[j]*b[j], na+a[j]*a[j], nb+b[j]*b[j]
		}
		return d / math.Sqrt(na*nb)
	}
	got := e.Directions("woman - man", "she - he", "queen - king", "she")
	if len(got) != 3 {
		t.Fatalf("%d results", len(got))
	}
	if want := cos(sub(" woman", " man"), sub(" she", " he")); got[0].Err != nil || math.Abs(got[0].Cosine-want) > 1e-5 || got[0].Recorded != nil {
		t.Errorf("cos(woman − man, she − he) = %v (%v), brute force %v", got[0].Cosine, got[0].Err, want)
	}
	if !strings.Contains(got[0].String(), "cos(woman − man, she − he) = ") {
		t.Errorf("line %q", got[0])
	}
	rec := reference.MustQwen35().Embeddings.Values["cos(woman - man, queen - king)"]
	if got[1].Recorded == nil || *got[1].Recorded != rec || !strings.Contains(got[1].String(), "recorded with Qwen3.5-0.8B") {
		t.Errorf("queen − king: recorded %v, want %v (%q)", got[1].Recorded, rec, got[1])
	}
	single := len(m.Encode(" queen")) == 1 && len(m.Encode(" king")) == 1
	if (got[1].Err == nil) != single || (got[1].Err != nil) != math.IsNaN(got[1].Cosine) {
		t.Errorf("queen − king: err %v, cosine %v (single tokens: %v)", got[1].Err, got[1].Cosine, single)
	}
	if got[2].Err == nil {
		t.Error("a malformed direction: no error")
	}
	if bad := e.Directions("woman", "she - he"); bad[0].Err == nil {
		t.Error("a malformed base: no error")
	}
}

func TestFirstDirection(t *testing.T) {
	m, e, _ := tinyEmb(t)
	var split string
	for _, w := range Spaced("king queen cats banana xylophone") {
		if len(m.Encode(w)) > 1 {
			split = strings.TrimSpace(w)
			break
		}
	}
	if split == "" {
		t.Skip("no split word among the candidates")
	}
	v, q, err := e.FirstDirection(split+" - man", "woman - man", "she - he")
	if err != nil || q != "woman - man" || !slices.Equal(v, e.MustDirection(" woman", " man")) {
		t.Errorf("FirstDirection = %q, %v", q, err)
	}
	if _, _, err := e.FirstDirection(split+" - man", "woman"); err == nil || !strings.Contains(err.Error(), split) {
		t.Errorf("no usable direction: error %v", err)
	}
}

func TestRecordedNearestAndCheck(t *testing.T) {
	ref := reference.MustQwen35()
	king := RecordedNearest(" king")
	if want := ref.Embeddings.Lists["neighbours of ' king'"]; len(king) != len(want) || len(want) == 0 || king[0].Piece != want[0].Piece {
		t.Errorf("RecordedNearest(\" king\") = %v, recording %v", king, want)
	}
	if RecordedNearest(" water") != nil || RecordedAnalogy(" a", " b", " c") != nil || RecordedDirections(" a", " b", " c", " d") != nil {
		t.Error("a value that was not recorded came back")
	}
	// Every recorded entry is one CheckRecorded knows how to recompute.
	for key := range ref.Embeddings.Lists {
		_, isAnalogy := parseAnalogy(key)
		if !strings.HasPrefix(key, "neighbours of '") && isAnalogy != nil {
			t.Errorf("recorded list %q: CheckRecorded cannot recompute it", key)
		}
	}
	// The embedded model is not Qwen3.5-0.8B: it cannot reproduce all of it.
	_, e, _ := tinyEmb(t)
	if _, err := e.CheckRecorded(); err == nil || !strings.Contains(err.Error(), "Qwen3.5-0.8B") {
		t.Errorf("CheckRecorded on the embedded model: error %v", err)
	}
	// The comparison itself.
	rec := []Neighbour{{-1, " queen", 0.578}}
	for _, tc := range []struct {
		live []Neighbour
		ok   bool
	}{
		{[]Neighbour{{7, " queen", 0.5801}}, true},
		{[]Neighbour{{7, " queen", 0.60}}, false},
		{[]Neighbour{{7, " king", 0.578}}, false},
		{nil, false},
	} {
		if err := agree(tc.live, rec); (err == nil) != tc.ok {
			t.Errorf("agree(%v): %v", tc.live, err)
		}
	}
}

func TestMustFormsPanic(t *testing.T) {
	m, e, _ := tinyEmb(t)
	if e.Model() != m {
		t.Error("Model() is not the model the matrix came from")
	}
	for name, f := range map[string]func(){
		"MustScores":         func() { e.MustScores(make([]float32, 3)) },
		"MustMix":            func() { e.MustMix(make([]float32, 3)) },
		"MustDirection":      func() { e.MustDirection("", " man") },
		"MustCompare":        func() { e.MustCompare(make([]float32, 3), " man") },
		"MustFirstDirection": func() { e.MustFirstDirection("nonsense") },
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
	h := e.MustRow(5)
	if s, _ := e.Scores(h); !slices.Equal(e.MustScores(h), s) {
		t.Error("MustScores differs from Scores")
	}
}
