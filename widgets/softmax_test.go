package widgets_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/how-llms-work/course/widgets"
)

func TestSoftmaxTableToy(t *testing.T) {
	tab := toy()
	h := mustHTML(t, tab)
	doc := checkSelfContained(t, h)
	rows := all(doc, func(n *html.Node) bool { _, ok := attr(n, "data-i"); return n.Data == "tr" && ok })
	if len(rows) != 5 {
		t.Fatalf("%d token rows, want 5", len(rows))
	}
	ref := softmax64(tab.Logits, 1)
	// The seed course's numbers, to the digit.
	wantP := []string{"0.578", "0.260", "0.106", "0.039", "0.017"}
	wantE := []string{"11.023", "4.953", "2.014", "0.741", "0.333"}
	for i, r := range rows {
		p := text(all(r, class("p"))[0])
		if p != f3(ref[i]) || p != wantP[i] {
			t.Errorf("row %d: p = %s, want %s (reference %s)", i, p, wantP[i], f3(ref[i]))
		}
		if e := text(all(r, class("e"))[0]); e != wantE[i] {
			t.Errorf("row %d: exp = %s, want %s", i, e, wantE[i])
		}
		if d := text(all(r, class("d"))[0]); d != "÷ 19.064" {
			t.Errorf("row %d: divisor %q, want ÷ 19.064", i, d)
		}
	}
	sum := all(doc, class("sum"))
	if len(sum) != 1 || !strings.Contains(text(sum[0]), "19.064") || !strings.Contains(text(sum[0]), "1.000") {
		t.Errorf("Σ row missing or wrong: %v", sum)
	}
	slider := all(doc, func(n *html.Node) bool { typ, _ := attr(n, "type"); return typ == "range" })
	if len(slider) != 1 {
		t.Fatalf("%d sliders, want 1", len(slider))
	}
	if v, _ := attr(slider[0], "value"); v != "1" {
		t.Errorf("slider value %q, want 1", v)
	}
	if !strings.Contains(h, "·cat") {
		t.Errorf("leading space of %q not shown as ·", " cat")
	}
	if len(h) > 200_000 {
		t.Errorf("size %d bytes, want < 200 KB", len(h))
	}
}

func TestSoftmaxTableScale(t *testing.T) {
	tab := toy()
	tab.Scale = 2
	doc := parse(t, mustHTML(t, tab))
	ref := softmax64(tab.Logits, 2)
	for i, n := range all(doc, class("p"))[:5] {
		if got := text(n); got != f3(ref[i]) {
			t.Errorf("row %d at k=2: p = %s, want %s", i, got, f3(ref[i]))
		}
	}
	p, rest := tab.Probs(0.5)
	for i, want := range softmax64(tab.Logits, 0.5) {
		if math.Abs(p[i]-want) > 1e-12 {
			t.Errorf("Probs(0.5)[%d] = %v, want %v", i, p[i], want)
		}
	}
	if rest != 0 {
		t.Errorf("rest = %v without Rest, want 0", rest)
	}
	for _, k := range []float64{0, -1, math.NaN(), 6} {
		if p, _ := tab.Probs(k); p != nil {
			t.Errorf("Probs(%v) = %v, want nil", k, p)
		}
	}
	if p, _ := (widgets.SoftmaxTable{}).Probs(1); p != nil {
		t.Errorf("empty table: Probs = %v, want nil", p)
	}
}

func TestSoftmaxTableUniqueIDs(t *testing.T) {
	a, b := rootID(t, mustHTML(t, toy())), rootID(t, mustHTML(t, toy()))
	if a == b {
		t.Errorf("two renders share root id %q", a)
	}
}

func TestSoftmaxTableErrors(t *testing.T) {
	for name, tab := range map[string]widgets.SoftmaxTable{
		"empty":    {},
		"mismatch": {Tokens: []string{"a"}, Logits: []float64{1, 2}},
		"nan":      {Tokens: []string{"a", "b"}, Logits: []float64{1, math.NaN()}},
		"inf":      {Tokens: []string{"a"}, Logits: []float64{math.Inf(1)}},
		"huge":     {Tokens: []string{"a"}, Logits: []float64{1e4}},
		"scale":    {Tokens: []string{"a"}, Logits: []float64{1}, Scale: 50},
		"ids":      {Tokens: []string{"a"}, Logits: []float64{1}, IDs: []int{1, 2}},
		"badRest":  {Tokens: []string{"a"}, Logits: []float64{1}, Rest: &widgets.Rest{Count: 5}},
		"tooMany":  {Tokens: make([]string, 248320), Logits: make([]float64, 248320)},
	} {
		if _, err := tab.HTML(); err == nil {
			t.Errorf("%s: HTML succeeded, want error", name)
		}
		if _, err := tab.Text(); err == nil {
			t.Errorf("%s: Text succeeded, want error", name)
		}
	}
}

// realistic returns a vocabulary-sized logit vector with a peaked head.
func realistic(n int) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	z := make([]float32, n)
	for i := range z {
		z[i] = float32(r.NormFloat64()*2 - 4)
	}
	z[7993], z[383], z[279] = 14, 12.5, 11
	return z
}

func TestTopSoftmaxRealVocab(t *testing.T) {
	const vocab = 248320
	z := realistic(vocab)
	tab := widgets.TopSoftmax(z, 8, nil)
	if tab.IDs[0] != 7993 || tab.Tokens[0] != "#7993" || tab.Rest.Count != vocab-8 {
		t.Fatalf("top id %d %q, rest %d: want 7993 #7993 %d", tab.IDs[0], tab.Tokens[0], tab.Rest.Count, vocab-8)
	}
	z64 := make([]float64, vocab)
	for i, v := range z {
		z64[i] = float64(v)
	}
	for _, k := range []float64{1, 0.5, 2} {
		full := softmax64(z64, k)
		p, rest := tab.Probs(k)
		restRef := 1.0
		for i, id := range tab.IDs {
			if math.Abs(p[i]-full[id]) > 0.002*full[id]+1e-9 && k != 1 || k == 1 && math.Abs(p[i]-full[id]) > 1e-9 {
				t.Errorf("k=%g: p[%d] = %v, full-vocabulary softmax %v", k, id, p[i], full[id])
			}
			restRef -= full[id]
		}
		tol := 1e-9
		if k != 1 {
			tol = 0.05 * restRef
		}
		if math.Abs(rest-restRef) > tol {
			t.Errorf("k=%g: rest mass %v, want %v", k, rest, restRef)
		}
	}
	h := mustHTML(t, tab)
	doc := checkSelfContained(t, h)
	if len(h) > 200_000 {
		t.Errorf("top-8 of %d: %d bytes, want < 200 KB", vocab, len(h))
	}
	r := all(doc, class("rest"))
	if len(r) != 1 || !strings.Contains(text(r[0]), "248,312 other tokens") {
		t.Errorf("rest row missing or unlabelled")
	}
	full := softmax64(z64, 1)
	if got := text(all(r[0], class("p"))[0]); got != f3(1-sumAt(full, tab.IDs)) {
		t.Errorf("rest p = %s, want %s", got, f3(1-sumAt(full, tab.IDs)))
	}
}

func sumAt(p []float64, ids []int) float64 {
	s := 0.0
	for _, i := range ids {
		s += p[i]
	}
	return s
}

func TestTopCandidatesErrors(t *testing.T) {
	if _, _, err := widgets.TopCandidates([]float32{}, 3, nil); err == nil {
		t.Error("no logits: want error")
	}
	if _, _, err := widgets.TopCandidates([]float32{1, 2}, 0, nil); err == nil {
		t.Error("k = 0: want error")
	}
	if _, _, err := widgets.TopCandidates([]float32{1, float32(math.NaN())}, 1, nil); err == nil {
		t.Error("NaN: want error")
	}
	ties, _, err := widgets.TopCandidates([]float32{1, 3, 3, 2, 3}, 3, nil)
	if err != nil || ties[0].ID != 1 || ties[1].ID != 2 || ties[2].ID != 4 {
		t.Errorf("ties: %v %v, want ids 1, 2, 4 (lower id first)", ties, err)
	}
	cs, r, err := widgets.TopCandidates([]float32{1, 3, 2}, 5, func(id int) string { return string(rune('a' + id)) })
	if err != nil || len(cs) != 3 || cs[0].Piece != "b" || cs[1].Piece != "c" || r.Count != 0 {
		t.Errorf("k > vocab: %v %v %v", cs, r, err)
	}
}

func TestSoftmaxTableText(t *testing.T) {
	s, err := toy().Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"·cat", "11.023", "19.064", "0.578", "0.017", "Σ"} {
		if !strings.Contains(s, want) {
			t.Errorf("text form lacks %q:\n%s", want, s)
		}
	}
}
