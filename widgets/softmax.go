package widgets

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// Candidate is one vocabulary entry with its score, the row type of
// ProbBars, TraceView and Journey: llm.Candidate, as llm.TopCandidates,
// Model.Top, traces and passes produce it. ID is the token id, Piece its
// text, Logit the raw score and Prob its probability (ignored where a
// widget computes probabilities itself).
type Candidate = llm.Candidate

// Rest summarizes the logits left out of a top-k view, so a widget can say
// how much probability the unlisted tokens hold and recompute it when the
// temperature changes, without embedding every logit. Make one with
// TopSoftmax, TopCandidates or SummarizeRest.
type Rest struct {
	// Count is how many tokens the summary stands for.
	Count int
	// bins group the logits into buckets restBinWidth wide: each holds a
	// count c and a representative r = log(mean(exp(z))) so that
	// c·exp(k·r) equals Σ exp(k·z) exactly at k = 1 and within
	// exp(|k-1|·restBinWidth) of it elsewhere.
	bins []restBin
}

type restBin struct {
	Rep   float64 `json:"r"`
	Count int     `json:"c"`
}

// restBinWidth is the width in logit units of one Rest bucket: small
// enough that the recomputed rest mass is within 5% at k ≤ 2, while a real
// 248,320-logit distribution fits in a few hundred buckets.
const restBinWidth = 0.05

// maxLogit bounds the logits the widgets accept: exp(k·z) must stay finite in
// float64 and JavaScript numbers for every slider position (k ≤ 5).
const maxLogit = 100

// SummarizeRest builds the Rest summary of logits (the ones not listed).
func SummarizeRest[F llm.Float](logits []F) (Rest, error) {
	if len(logits) == 0 {
		return Rest{}, nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, z := range logits {
		v := float64(z)
		if err := finite(fmt.Sprintf("widgets: rest logit %d", i), v); err != nil {
			return Rest{}, err
		}
		if math.Abs(v) > maxLogit {
			return Rest{}, fmt.Errorf("widgets: rest logit %d is %g: want |z| ≤ %d", i, v, maxLogit)
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	// Bucket b covers [lo + b·w, lo + (b+1)·w); each sums exp(z − its lower
	// edge), a number in [1, e^w), so nothing overflows or underflows.
	nb := int((hi-lo)/restBinWidth) + 1
	sums, counts := make([]float64, nb), make([]int, nb)
	for _, z := range logits {
		v := float64(z)
		b := min(nb-1, int((v-lo)/restBinWidth))
		sums[b] += math.Exp(v - (lo + float64(b)*restBinWidth))
		counts[b]++
	}
	r := Rest{Count: len(logits)}
	for b, n := range counts {
		if n > 0 {
			r.bins = append(r.bins, restBin{Rep: lo + float64(b)*restBinWidth + math.Log(sums[b]/float64(n)), Count: n})
		}
	}
	return r, nil
}

// sum returns Σ exp(k·z) over the summarized logits, minus shift in the exponent.
func (r *Rest) sum(k, shift float64) float64 {
	if r == nil {
		return 0
	}
	s := 0.0
	for _, b := range r.bins {
		s += float64(b.Count) * math.Exp(k*b.Rep-shift)
	}
	return s
}

// max returns the largest representative logit, or -Inf when empty.
func (r *Rest) max() float64 {
	m := math.Inf(-1)
	if r != nil {
		for _, b := range r.bins {
			m = max(m, b.Rep)
		}
	}
	return m
}

// check reports a Rest that claims tokens but was not made by SummarizeRest.
func (r *Rest) check() error {
	if r != nil && r.Count > 0 && len(r.bins) == 0 {
		return fmt.Errorf("rest of %d tokens has no logits: make it with SummarizeRest, TopSoftmax or TopCandidates", r.Count)
	}
	return nil
}

// data is the JSON form the scripts read: nil when there is no rest.
func (r *Rest) data() any {
	if r == nil || r.Count == 0 {
		return nil
	}
	bins := make([][2]float64, len(r.bins))
	for i, b := range r.bins {
		bins[i] = [2]float64{math.Round(b.Rep*1e6) / 1e6, float64(b.Count)}
	}
	return map[string]any{"n": r.Count, "b": bins}
}

// TopCandidates returns the k highest-scoring entries of a full logits
// vector, as llm.TopCandidates ranks them (Prob is the full-vocabulary
// softmax probability), and the Rest summary of all the others. piece
// decodes a token id; nil shows ids as "#123". It fails on an empty
// vector, k outside [1, 500], or a logit that is not finite or |z| > 100.
func TopCandidates(logits []float32, k int, piece func(id int) string) ([]Candidate, Rest, error) {
	if len(logits) == 0 {
		return nil, Rest{}, fmt.Errorf("widgets: TopCandidates: no logits")
	}
	if k < 1 || k > maxRows {
		return nil, Rest{}, fmt.Errorf("widgets: TopCandidates: k = %d: want 1 ≤ k ≤ %d", k, maxRows)
	}
	for i, z := range logits {
		if err := finite(fmt.Sprintf("widgets: TopCandidates: logit %d", i), z); err != nil {
			return nil, Rest{}, err
		}
		if math.Abs(float64(z)) > maxLogit {
			return nil, Rest{}, fmt.Errorf("widgets: TopCandidates: logit %d is %g: want |z| ≤ %d", i, z, maxLogit)
		}
	}
	if piece == nil {
		piece = func(id int) string { return fmt.Sprintf("#%d", id) }
	}
	top := llm.TopCandidates(logits, k, piece)
	in := make(map[int]bool, len(top))
	for _, c := range top {
		in[c.ID] = true
	}
	rest := make([]float32, 0, len(logits)-len(top))
	for i, z := range logits {
		if !in[i] {
			rest = append(rest, z)
		}
	}
	r, err := SummarizeRest(rest)
	if err != nil {
		return nil, Rest{}, err
	}
	return top, r, nil
}

// SoftmaxTable is the step-by-step softmax table: for each token its logit
// z, exp(k·z), the division by the sum Σ and the probability p, a Σ row and
// a bar per probability. The "sharpen ↔ flatten" slider sets k (an inverse
// temperature, T = 1/k) and the browser recomputes every column from the
// embedded logits. The static HTML already shows all numbers at Scale.
//
// For a toy vocabulary fill Tokens and Logits. For the top-k of a real
// distribution use TopSoftmax: the table then has a row for the rest of
// the vocabulary and its probabilities are those of the full distribution.
type SoftmaxTable struct {
	Title  string    // heading; "Softmax" if empty
	Tokens []string  // token pieces, one per logit
	Logits []float64 // raw scores z, |z| ≤ 100
	IDs    []int     // optional token ids, shown in an id column
	Scale  float64   // initial k in [0.1, 5]; 0 means 1
	Rest   *Rest     // optional: the unlisted tokens of a larger vocabulary
	Note   string    // optional caption under the table

	err error // why TopSoftmax could not fill the table
}

// Slider range of the sharpen ↔ flatten factor k.
const (
	minScale  = 0.1
	maxScale  = 5
	scaleStep = 0.05
)

// TopSoftmax makes a SoftmaxTable of the k highest logits of a full
// distribution (e.g. all 248,320 of Qwen3.5), with the rest of the mass
// summarized in one row. piece decodes a token id (m.Piece; nil shows
// "#id"). It never fails: logits it cannot show (see TopCandidates) make a
// table whose HTML, Text and Show return the error.
func TopSoftmax(logits []float32, k int, piece func(id int) string) SoftmaxTable {
	cs, r, err := TopCandidates(logits, k, piece)
	if err != nil {
		return SoftmaxTable{err: fmt.Errorf("widgets: TopSoftmax: %w", err)}
	}
	t := SoftmaxTable{Title: fmt.Sprintf("Softmax: top %d of %s logits", len(cs), commas(int64(len(logits))))}
	for _, c := range cs {
		t.Tokens = append(t.Tokens, c.Piece)
		t.Logits = append(t.Logits, float64(c.Logit))
		t.IDs = append(t.IDs, c.ID)
	}
	if r.Count > 0 {
		t.Rest = &r
	}
	return t
}

func (t SoftmaxTable) check() (float64, error) {
	if t.err != nil {
		return 0, t.err
	}
	if len(t.Logits) == 0 {
		return 0, fmt.Errorf("widgets: SoftmaxTable: no logits")
	}
	if err := tooMany("widgets: SoftmaxTable", len(t.Logits)); err != nil {
		return 0, err
	}
	if len(t.Tokens) != len(t.Logits) {
		return 0, fmt.Errorf("widgets: SoftmaxTable: %d tokens for %d logits: want one token per logit", len(t.Tokens), len(t.Logits))
	}
	if t.IDs != nil && len(t.IDs) != len(t.Logits) {
		return 0, fmt.Errorf("widgets: SoftmaxTable: %d ids for %d logits: want none or one per logit", len(t.IDs), len(t.Logits))
	}
	for i, z := range t.Logits {
		if err := finite(fmt.Sprintf("widgets: SoftmaxTable: logit %d (token %q)", i, t.Tokens[i]), z); err != nil {
			return 0, err
		}
		if math.Abs(z) > maxLogit {
			return 0, fmt.Errorf("widgets: SoftmaxTable: logit %d (token %q) is %g: want |z| ≤ %d", i, t.Tokens[i], z, maxLogit)
		}
	}
	if err := t.Rest.check(); err != nil {
		return 0, fmt.Errorf("widgets: SoftmaxTable: %w", err)
	}
	k := t.Scale
	if k == 0 {
		k = 1
	}
	if math.IsNaN(k) || k < minScale || k > maxScale {
		return 0, fmt.Errorf("widgets: SoftmaxTable: scale %g: want %g ≤ k ≤ %g", t.Scale, minScale, float64(maxScale))
	}
	return k, nil
}

// Probs returns the probabilities the table shows at sharpen ↔ flatten
// factor k (softmax of k·z, over the rest of the vocabulary too when Rest is
// set) and the probability of the rest. It returns nil when the table is
// invalid (see HTML's error) or k is outside [0.1, 5].
func (t SoftmaxTable) Probs(k float64) (p []float64, rest float64) {
	if _, err := t.check(); err != nil || !(k >= minScale && k <= maxScale) {
		return nil, 0
	}
	e, re, s := t.exps(k)
	p = make([]float64, len(e))
	for i := range e {
		p[i] = e[i] / s
	}
	return p, re / s
}

// exps returns exp(k·z) per token, for the rest, and their sum.
func (t SoftmaxTable) exps(k float64) (e []float64, rest, sum float64) {
	e = make([]float64, len(t.Logits))
	for i, z := range t.Logits {
		e[i] = math.Exp(k * z)
		sum += e[i]
	}
	rest = t.Rest.sum(k, 0)
	return e, rest, sum + rest
}

// HTML renders the table. See SoftmaxTable.
func (t SoftmaxTable) HTML() (string, error) {
	k, err := t.check()
	if err != nil {
		return "", err
	}
	id := newID()
	title := t.Title
	if title == "" {
		title = "Softmax"
	}
	e, re, s := t.exps(k)
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-softmax" id="%s">%s<h4>%s</h4>`, id, style, esc(title))
	b.WriteString(idf(id, `<div class="ctl"><label for="{id}-k">sharpen ↔ flatten: scale logits by k</label>`+
		`<input type="range" id="{id}-k" min="%g" max="%g" step="%g" value="%g" aria-describedby="{id}-kv">`+
		`<output id="{id}-kv" for="{id}-k">×%.2f (temperature T = %.2f)</output></div>`,
		minScale, float64(maxScale), scaleStep, k, k, 1/k))
	b.WriteString(`<table><thead><tr><th scope="col">token</th>`)
	if t.IDs != nil {
		b.WriteString(`<th scope="col">id</th>`)
	}
	b.WriteString(`<th scope="col">logit z</th><th scope="col">exp(k·z)</th><th scope="col">÷ Σ</th><th scope="col">p</th><th scope="col">bar</th></tr></thead><tbody>`)
	for i, tok := range t.Tokens {
		fmt.Fprintf(&b, `<tr data-i="%d"><td><span class="tok">%s</span></td>`, i, esc(visible(tok)))
		if t.IDs != nil {
			fmt.Fprintf(&b, `<td>%d</td>`, t.IDs[i])
		}
		p := e[i] / s
		fmt.Fprintf(&b, `<td>%s</td><td class="e">%s</td><td class="d">÷ %s</td><td class="p">%s</td><td>%s</td></tr>`,
			num(t.Logits[i], 2), num(e[i], 3), num(s, 3), num(p, 3), bar(p, 120))
	}
	if t.Rest != nil && t.Rest.Count > 0 {
		p := re / s
		fmt.Fprintf(&b, `<tr class="rest"><td>(%s other tokens)</td>`, commas(int64(t.Rest.Count)))
		if t.IDs != nil {
			b.WriteString(`<td></td>`)
		}
		fmt.Fprintf(&b, `<td>…</td><td class="e">%s</td><td class="d">÷ %s</td><td class="p">%s</td><td>%s</td></tr>`,
			num(re, 3), num(s, 3), num(p, 3), bar(p, 120))
	}
	b.WriteString(`<tr class="sum"><th scope="row">Σ</th>`)
	if t.IDs != nil {
		b.WriteString(`<td></td>`)
	}
	fmt.Fprintf(&b, `<td></td><td class="e">%s</td><td></td><td class="p">%s</td><td></td></tr></tbody></table>`, num(s, 3), num(1.0, 3))
	if t.Rest != nil && t.Rest.Count > 0 {
		fmt.Fprintf(&b, `<p class="note">The %s tokens not listed share the rest of the mass (row "other tokens"): exact at ×1, and within a few percent elsewhere (it is recomputed from a histogram of their logits).</p>`, commas(int64(t.Rest.Count)))
	}
	if t.Note != "" {
		fmt.Fprintf(&b, `<p class="note">%s</p>`, esc(t.Note))
	}
	data := jsonData(map[string]any{"z": t.Logits, "rest": t.Rest.data()})
	b.WriteString(script(id, data, softmaxJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

// bar draws a horizontal probability bar, w pixels for p = 1.
func bar[F llm.Float](p F, w int) string {
	return fmt.Sprintf(`<svg width="%d" height="12" viewBox="0 0 %[1]d 12" role="img" aria-label="%s"><rect class="bar" x="0" y="1" height="10" width="%.1f" fill="#3b82f6"></rect></svg>`,
		w, num(p, 3), math.Max(0, float64(p))*float64(w))
}

const softmaxJS = `var s=q(r,"input[type=range]"),o=q(r,"output");
function restSum(k){var t=0;if(!D.rest)return 0;D.rest.b.forEach(function(b){t+=b[1]*Math.exp(k*b[0]);});return t;}
function upd(){var k=+s.value,e=D.z.map(function(z){return Math.exp(k*z);}),re=restSum(k),S=re;e.forEach(function(v){S+=v;});
o.textContent="×"+k.toFixed(2)+" (temperature T = "+(1/k).toFixed(2)+")";
qa(r,"tbody tr").forEach(function(tr){var i=tr.getAttribute("data-i"),v;if(tr.classList.contains("sum")){q(tr,".e").textContent=fmtN(S,3);return;}
v=i===null?re:e[+i];q(tr,".e").textContent=fmtN(v,3);q(tr,".d").textContent="÷ "+fmtN(S,3);q(tr,".p").textContent=fmtN(v/S,3);
var rc=q(tr,"rect");rc.setAttribute("width",(v/S*120).toFixed(1));q(tr,"svg").setAttribute("aria-label",fmtN(v/S,3));});}
s.addEventListener("input",upd);s.addEventListener("change",upd);`

// Text renders the table as plain text.
func (t SoftmaxTable) Text() (string, error) {
	k, err := t.check()
	if err != nil {
		return "", err
	}
	e, re, s := t.exps(k)
	var b strings.Builder
	title := t.Title
	if title == "" {
		title = "Softmax"
	}
	fmt.Fprintf(&b, "%s (k = ×%.2f, T = %.2f)\n", title, k, 1/k)
	ws := []int{-16, 8, 12, 12, 7, -20}
	b.WriteString(row([]string{"token", "logit z", "exp(k·z)", "÷ Σ", "p"}, ws...))
	for i, tok := range t.Tokens {
		b.WriteString(row([]string{visible(tok), num(t.Logits[i], 2), num(e[i], 3), num(s, 3), num(e[i]/s, 3), textBar(e[i]/s, 20)}, ws...))
	}
	if t.Rest != nil && t.Rest.Count > 0 {
		b.WriteString(row([]string{fmt.Sprintf("(%s other)", commas(int64(t.Rest.Count))), "…", num(re, 3), num(s, 3), num(re/s, 3), textBar(re/s, 20)}, ws...))
	}
	b.WriteString(row([]string{"Σ", "", num(s, 3), "", num(1.0, 3)}, ws...))
	return b.String(), nil
}

// textBar draws p as a bar of block characters, w wide for p = 1.
func textBar(p float64, w int) string {
	n := int(math.Round(math.Max(0, math.Min(1, p)) * float64(w)))
	return strings.Repeat("█", n)
}
