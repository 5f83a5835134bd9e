package llm

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/how-llms-work/course/llm/reference"
)

// This file holds the arithmetic of chapter 3 written the way a reader
// says it ("king - man + woman", "woman - man"), and the values recorded
// with the real Qwen3.5-0.8B for the same questions, so a cell can show
// both and the real model can be checked against the recording.

// Analogy is the answer to one analogy a − b + c on the loaded model.
type Analogy struct {
	Query    string      // as written: "king - man + woman"
	Model    string      // the name of the model that answered
	Words    [3]string   // a, b and c with their leading space: " king", " man", " woman"
	Nearest  []Neighbour // the nearest tokens on this model, best first; nil when Err is set
	Err      error       // why the model cannot answer (a word its vocabulary splits)
	Recorded []Neighbour // the answer recorded with Qwen3.5-0.8B (ids unknown: -1); nil when none was recorded
}

// String is one line: the query and the model's best token with its
// cosine, or why the model cannot answer.
func (a Analogy) String() string {
	q := strings.ReplaceAll(a.Query, "-", "−")
	if a.Err != nil {
		return fmt.Sprintf("%-24s not on this model: %v", q, a.Err)
	}
	if len(a.Nearest) == 0 {
		return fmt.Sprintf("%-24s no tokens", q)
	}
	return fmt.Sprintf("%-24s → %q (%.3f)", q, a.Nearest[0].Piece, a.Nearest[0].Cosine)
}

// Analogies answers each query "a - b + c" (words without their leading
// space, which is added as llm.Spaced does) with the k tokens nearest to
// E(a) − E(b) + E(c), leaving out a, b and c. A query the model cannot
// answer (a malformed query, a word of several tokens) carries its error
// instead of stopping the others.
func (e *Embeddings) Analogies(k int, queries ...string) []Analogy {
	out := make([]Analogy, 0, len(queries))
	for _, q := range queries {
		a := Analogy{Query: q, Model: e.m.Name}
		words, err := parseAnalogy(q)
		if err != nil {
			a.Err = err
			out = append(out, a)
			continue
		}
		a.Words = words
		a.Nearest, a.Err = e.Analogy(words[0], words[1], words[2], k)
		a.Recorded = RecordedAnalogy(words[0], words[1], words[2])
		out = append(out, a)
	}
	return out
}

// parseAnalogy reads "a - b + c" (either minus sign) into three spaced words.
func parseAnalogy(q string) ([3]string, error) {
	f := strings.Fields(strings.ReplaceAll(q, "−", "-"))
	if len(f) != 5 || f[1] != "-" || f[3] != "+" {
		return [3]string{}, fmt.Errorf("llm: analogy %q: want the form \"king - man + woman\"", q)
	}
	return [3]string{" " + f[0], " " + f[2], " " + f[4]}, nil
}

// parseDirection reads "a - b" (either minus sign) into two spaced words.
func parseDirection(q string) ([2]string, error) {
	f := strings.Fields(strings.ReplaceAll(q, "−", "-"))
	if len(f) != 3 || f[1] != "-" {
		return [2]string{}, fmt.Errorf("llm: direction %q: want the form \"woman - man\"", q)
	}
	return [2]string{" " + f[0], " " + f[2]}, nil
}

// DirectionPair compares two directions of the embedding space: the
// cosine of E(a) − E(b) with E(c) − E(d).
type DirectionPair struct {
	Base, Other string   // as written: "woman - man", "queen - king"
	Cosine      float64  // on this model; NaN when Err is set
	Err         error    // why the model cannot compute it (a word its vocabulary splits)
	Recorded    *float64 // the value recorded with Qwen3.5-0.8B; nil when none was recorded
}

// String is one line: the two directions, the cosine on this model (or
// why there is none) and the recorded value where there is one.
func (d DirectionPair) String() string {
	s := fmt.Sprintf("cos(%s, %s)", strings.ReplaceAll(d.Base, "-", "−"), strings.ReplaceAll(d.Other, "-", "−"))
	if d.Err != nil {
		s += ": not on this model: " + d.Err.Error()
	} else {
		s += fmt.Sprintf(" = %.3f", d.Cosine)
	}
	if d.Recorded != nil {
		s += fmt.Sprintf("   (recorded with %s: %.3f)", reference.Model, *d.Recorded)
	}
	return s
}

// Directions compares the direction base ("woman - man") with each of
// others ("queen - king", "she - he"): the cosine of the two differences
// of rows. Words are written without their leading space, as in Analogies.
func (e *Embeddings) Directions(base string, others ...string) []DirectionPair {
	out := make([]DirectionPair, 0, len(others))
	bw, berr := parseDirection(base)
	var bv []float32
	if berr == nil {
		bv, berr = e.Direction(bw[0], bw[1])
	}
	for _, o := range others {
		d := DirectionPair{Base: base, Other: o, Cosine: math.NaN(), Err: berr}
		ow, err := parseDirection(o)
		if err == nil && berr == nil {
			d.Recorded = RecordedDirections(bw[0], bw[1], ow[0], ow[1])
			var ov []float32
			if ov, err = e.Direction(ow[0], ow[1]); err == nil {
				d.Cosine = Cosine(bv, ov)
			}
		}
		if d.Err == nil {
			d.Err = err
		}
		out = append(out, d)
	}
	return out
}

// FirstDirection returns E(a) − E(b) for the first of the directions
// ("cats - cat", "cars - car") whose words are one token each on this
// model, and which one that was; an error lists why none was.
func (e *Embeddings) FirstDirection(directions ...string) ([]float32, string, error) {
	var why []string
	for _, q := range directions {
		w, err := parseDirection(q)
		if err == nil {
			var v []float32
			if v, err = e.Direction(w[0], w[1]); err == nil {
				return v, q, nil
			}
		}
		why = append(why, err.Error())
	}
	return nil, "", fmt.Errorf("llm: none of the directions is on this model: %s", strings.Join(why, "; "))
}

// MustFirstDirection is FirstDirection for notebook cells: it panics with
// its error.
func (e *Embeddings) MustFirstDirection(directions ...string) ([]float32, string) {
	v, q, err := e.FirstDirection(directions...)
	if err != nil {
		panic(err)
	}
	return v, q
}

// The names the recording gives its embedding values.
func analogyKey(a, b, c string) string {
	return fmt.Sprintf("%s - %s + %s", strings.TrimSpace(a), strings.TrimSpace(b), strings.TrimSpace(c))
}

func neighboursKey(word string) string { return fmt.Sprintf("neighbours of '%s'", word) }

func directionsKey(a, b, c, d string) string {
	t := strings.TrimSpace
	return fmt.Sprintf("cos(%s - %s, %s - %s)", t(a), t(b), t(c), t(d))
}

// recordedList returns the list recorded under key, as Neighbours with id
// -1, or nil.
func recordedList(key string) []Neighbour {
	ref, err := reference.Qwen35()
	if err != nil {
		return nil // the embedded recording is checked by reference's tests
	}
	var out []Neighbour
	for _, s := range ref.Embeddings.Lists[key] {
		out = append(out, Neighbour{ID: -1, Piece: s.Piece, Cosine: float32(s.Value)})
	}
	return out
}

// RecordedNearest returns the nearest tokens of word (with its leading
// space: " king") over the whole vocabulary, as recorded with
// Qwen3.5-0.8B, best first, with ids -1 (not recorded); nil when none was
// recorded.
func RecordedNearest(word string) []Neighbour { return recordedList(neighboursKey(word)) }

// RecordedAnalogy returns the nearest tokens to E(a) − E(b) + E(c)
// recorded with Qwen3.5-0.8B (ids -1), or nil.
func RecordedAnalogy(a, b, c string) []Neighbour { return recordedList(analogyKey(a, b, c)) }

// RecordedDirections returns cos(E(a) − E(b), E(c) − E(d)) recorded with
// Qwen3.5-0.8B, or nil.
func RecordedDirections(a, b, c, d string) *float64 {
	ref, err := reference.Qwen35()
	if err != nil {
		return nil
	}
	v, ok := ref.Embeddings.Values[directionsKey(a, b, c, d)]
	if !ok {
		return nil
	}
	return &v
}

// recordedTolerance is how far a cosine recomputed on the real model may
// be from the recorded one (recorded to three decimals, in float32).
const recordedTolerance = 0.01

// CheckRecorded recomputes on this model every embedding value recorded
// with Qwen3.5-0.8B (neighbour lists, analogies, direction cosines) and
// returns one line per value. It is an error when a value cannot be
// computed, when a list's best token differs from the recording, or when a
// cosine is more than 0.01 from it: on the real model all must agree.
func (e *Embeddings) CheckRecorded() (string, error) {
	ref, err := reference.Qwen35()
	if err != nil {
		return "", err
	}
	var lines, bad []string
	for _, key := range sortedKeys(ref.Embeddings.Lists) {
		live, err := e.recompute(key)
		if err == nil {
			err = agree(live, recordedList(key))
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s → %q %.3f (recorded %q %.3f)", key, live[0].Piece, live[0].Cosine, ref.Embeddings.Lists[key][0].Piece, ref.Embeddings.Lists[key][0].Value))
	}
	for _, key := range sortedKeys(ref.Embeddings.Values) {
		want := ref.Embeddings.Values[key]
		inner, ok := strings.CutPrefix(key, "cos(")
		base, other, ok2 := strings.Cut(strings.TrimSuffix(inner, ")"), ",")
		if !ok || !ok2 || !strings.HasSuffix(key, ")") {
			bad = append(bad, fmt.Sprintf("%s: not a recording this code knows how to recompute", key))
			continue
		}
		d := e.Directions(base, other)[0]
		if d.Err != nil || math.Abs(d.Cosine-want) > recordedTolerance {
			bad = append(bad, fmt.Sprintf("%s = %.3f, recorded %.3f (%v)", key, d.Cosine, want, d.Err))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s = %.3f (recorded %.3f)", key, d.Cosine, want))
	}
	if len(bad) > 0 {
		return strings.Join(lines, "\n"), fmt.Errorf("llm: the embeddings do not reproduce the values recorded with %s:\n%s", reference.Model, strings.Join(bad, "\n"))
	}
	return strings.Join(lines, "\n"), nil
}

// MustCheckRecorded is CheckRecorded for notebook cells: it panics with
// its error.
func (e *Embeddings) MustCheckRecorded() string {
	s, err := e.CheckRecorded()
	if err != nil {
		panic(err)
	}
	return s
}

// recompute computes on this model the list the recording names key.
func (e *Embeddings) recompute(key string) ([]Neighbour, error) {
	if w, ok := strings.CutPrefix(key, "neighbours of '"); ok && strings.HasSuffix(w, "'") {
		id, err := e.Token(strings.TrimSuffix(w, "'"))
		if err != nil {
			return nil, err
		}
		return e.Nearest(e.MustRow(id), 5, id)
	}
	words, err := parseAnalogy(key)
	if err != nil {
		return nil, fmt.Errorf("not a recording this code knows how to recompute")
	}
	return e.Analogy(words[0], words[1], words[2], 5)
}

// agree checks a recomputed list against a recorded one: the same best
// token, and its cosine within recordedTolerance.
func agree(live, rec []Neighbour) error {
	if len(live) == 0 || len(rec) == 0 {
		return fmt.Errorf("an empty list (%d live, %d recorded)", len(live), len(rec))
	}
	if live[0].Piece != rec[0].Piece || math.Abs(float64(live[0].Cosine-rec[0].Cosine)) > recordedTolerance {
		return fmt.Errorf("best token %q %.3f, recorded %q %.3f", live[0].Piece, live[0].Cosine, rec[0].Piece, rec[0].Cosine)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
