package widgets

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// ProbBars shows next-token candidates as probability bars with the three
// sampling knobs: temperature, top-k and top-p. They apply in that order
// (as in Hugging Face transformers and llm.Sampler): the logits are divided
// by the temperature and softmaxed, then only the k most likely survive and
// are renormalized, then only the smallest set of those whose cumulative
// probability reaches p; the survivors are renormalized again. On the
// temperature slider, 0 means greedy (all mass on the top token); in the
// struct, a zero Temperature field means "start the slider at 1", so that
// the zero value is useful (set TopK to 1 to start greedy).
//
// Candidates need Piece and Logit (Prob is ignored: probabilities are
// recomputed). With Rest set (see TopCandidates) the other tokens of the
// vocabulary take part as one block, kept or cut as a whole.
type ProbBars struct {
	Title       string
	Candidates  []Candidate
	Rest        *Rest
	Temperature float64 // initial temperature in [0, 2]; 0 means 1 (set TopK 1 for greedy)
	TopK        int     // initial top-k; 0 = off
	TopP        float64 // initial top-p in (0, 1]; 0 = off (1)

	err error // why TopProbBars could not fill the bars
}

// TopProbBars makes ProbBars of the k most likely tokens of a full logits
// vector, with the rest of the vocabulary as one block (see
// TopCandidates), so the knobs reshape the model's real distribution.
// piece decodes a token id (m.Piece). Like TopSoftmax it never fails: a
// problem with the logits is reported when the bars are rendered.
func TopProbBars(logits []float32, k int, piece func(id int) string) ProbBars {
	cs, r, err := TopCandidates(logits, k, piece)
	if err != nil {
		return ProbBars{err: fmt.Errorf("widgets: TopProbBars: %w", err)}
	}
	return ProbBars{Title: fmt.Sprintf("Sampling knobs: top %d of %s tokens", len(cs), commas(int64(len(logits)))), Candidates: cs, Rest: &r}
}

// Sampling knob ranges.
const (
	maxTemp  = 2
	tempStep = 0.05
	pStep    = 0.05
)

func (pb ProbBars) check() (t, p float64, err error) {
	if pb.err != nil {
		return 0, 0, pb.err
	}
	if len(pb.Candidates) == 0 {
		return 0, 0, fmt.Errorf("widgets: ProbBars: no candidates")
	}
	if err := tooMany("widgets: ProbBars", len(pb.Candidates)); err != nil {
		return 0, 0, err
	}
	for i, c := range pb.Candidates {
		if err := finite(fmt.Sprintf("widgets: ProbBars: candidate %d (%q) logit", i, c.Piece), c.Logit); err != nil {
			return 0, 0, err
		}
		if math.Abs(float64(c.Logit)) > maxLogit {
			return 0, 0, fmt.Errorf("widgets: ProbBars: candidate %d (%q) logit %g: want |z| ≤ %d", i, c.Piece, c.Logit, maxLogit)
		}
	}
	if err := pb.Rest.check(); err != nil {
		return 0, 0, fmt.Errorf("widgets: ProbBars: %w", err)
	}
	t, p = pb.Temperature, pb.TopP
	if t == 0 {
		t = 1
	}
	if p == 0 {
		p = 1
	}
	if math.IsNaN(t) || t < 0 || t > maxTemp {
		return 0, 0, fmt.Errorf("widgets: ProbBars: temperature %g: want 0 ≤ T ≤ %d", pb.Temperature, maxTemp)
	}
	if math.IsNaN(p) || p <= 0 || p > 1 {
		return 0, 0, fmt.Errorf("widgets: ProbBars: top-p %g: want 0 < p ≤ 1", pb.TopP)
	}
	if pb.TopK < 0 || pb.TopK > len(pb.Candidates) {
		return 0, 0, fmt.Errorf("widgets: ProbBars: top-k %d: want 0 (off) to %d", pb.TopK, len(pb.Candidates))
	}
	return t, p, nil
}

// Probs returns, for temperature t, top-k k (0 = off) and top-p p, each
// candidate's softmax probability at t (before), its probability after the
// top-k/top-p filter (after; 0 when cut), and the same two for the rest
// block. k ≤ 0 and p ≥ 1 switch those filters off. With no candidates, a
// negative or NaN temperature or a NaN p it returns nil slices.
func (pb ProbBars) Probs(t float64, k int, p float64) (before, after []float64, restBefore, restAfter float64) {
	n := len(pb.Candidates)
	if n == 0 || !(t >= 0) || math.IsNaN(p) {
		return nil, nil, 0, 0
	}
	k = max(k, 0)
	before, after = make([]float64, n), make([]float64, n)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return pb.Candidates[order[a]].Logit > pb.Candidates[order[b]].Logit })
	hasRest := pb.Rest != nil && pb.Rest.Count > 0
	if t == 0 { // greedy
		before[order[0]], after[order[0]] = 1, 1
		return before, after, 0, 0
	}
	m := float64(pb.Candidates[order[0]].Logit) / t
	if hasRest {
		m = max(m, pb.Rest.max()/t)
	}
	s := 0.0
	for i, c := range pb.Candidates {
		before[i] = math.Exp(float64(c.Logit)/t - m)
		s += before[i]
	}
	if hasRest {
		restBefore = pb.Rest.sum(1/t, m)
		s += restBefore
	}
	for i := range before {
		before[i] /= s
	}
	restBefore /= s
	// top-k, then top-p on the renormalized survivors of top-k.
	massK := 0.0
	for j, i := range order {
		if k == 0 || j < k {
			massK += before[i]
		}
	}
	if hasRest && k == 0 {
		massK += restBefore
	}
	cum := 0.0
	for j, i := range order {
		if k > 0 && j >= k || cum >= p*massK {
			break
		}
		after[i] = before[i]
		cum += before[i]
	}
	if hasRest && k == 0 && cum < p*massK {
		restAfter = restBefore
		cum += restBefore
	}
	kept := cum
	for i := range after {
		after[i] /= kept
	}
	restAfter /= kept
	return before, after, restBefore, restAfter
}

// HTML renders the bars and their controls.
func (pb ProbBars) HTML() (string, error) {
	t, p, err := pb.check()
	if err != nil {
		return "", err
	}
	id := newID()
	title := pb.Title
	if title == "" {
		title = "Next-token probabilities"
	}
	before, after, rb, ra := pb.Probs(t, pb.TopK, p)
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-probbars" id="%s">%s<h4>%s</h4><div class="ctl">`, id, style, esc(title))
	b.WriteString(idf(id, `<label for="{id}-t">temperature</label><input type="range" id="{id}-t" min="0" max="%d" step="%g" value="%g"><output id="{id}-tv" for="{id}-t">T = %.2f</output>`,
		maxTemp, tempStep, t, t))
	b.WriteString(idf(id, `<label for="{id}-k">top-k</label><input type="range" id="{id}-k" min="0" max="%d" step="1" value="%d"><output id="{id}-kv" for="{id}-k">%s</output>`,
		len(pb.Candidates), pb.TopK, topKLabel(pb.TopK)))
	b.WriteString(idf(id, `<label for="{id}-p">top-p</label><input type="range" id="{id}-p" min="%g" max="1" step="%g" value="%g"><output id="{id}-pv" for="{id}-p">p = %.2f</output></div>`,
		pStep, pStep, p, p))
	b.WriteString(`<table><thead><tr><th scope="col">token</th><th scope="col">logit</th><th scope="col">p at T</th><th scope="col">p sampled</th><th scope="col">bar</th></tr></thead><tbody>`)
	row := func(i string, label, logit string, bf, af float64) {
		cls := ""
		if af == 0 {
			cls = ` class="cut"`
		}
		fmt.Fprintf(&b, `<tr data-i="%s"%s><td>%s</td><td>%s</td><td class="b">%s</td><td class="a">%s</td><td>%s</td></tr>`,
			i, cls, label, logit, num(bf, 3), num(af, 3), bar(af, 160))
	}
	for i, c := range pb.Candidates {
		row(fmt.Sprint(i), `<span class="tok">`+esc(visible(c.Piece))+`</span>`, num(c.Logit, 2), before[i], after[i])
	}
	if pb.Rest != nil && pb.Rest.Count > 0 {
		row("rest", fmt.Sprintf("(%s other tokens)", commas(int64(pb.Rest.Count))), "…", rb, ra)
	}
	b.WriteString(`</tbody></table><p class="note">Greyed rows are cut by top-k / top-p; the survivors are renormalized to sum to 1. Temperature 0 is greedy.</p>`)
	z := make([]float64, len(pb.Candidates))
	for i, c := range pb.Candidates {
		z[i] = float64(c.Logit)
	}
	b.WriteString(script(id, jsonData(map[string]any{"z": z, "rest": pb.Rest.data()}), probBarsJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

func topKLabel(k int) string {
	if k == 0 {
		return "off"
	}
	return fmt.Sprintf("k = %d", k)
}

// probBarsJS mirrors ProbBars.Probs.
const probBarsJS = `var T=q(r,"input[id$='-t']"),K=q(r,"input[id$='-k']"),P=q(r,"input[id$='-p']"),n=D.z.length;
function probs(t,k,p){var ord=D.z.map(function(_,i){return i;}).sort(function(a,b){return D.z[b]-D.z[a]||a-b;}),bf=D.z.map(function(){return 0;}),af=bf.slice(),rb=0,ra=0,i;
if(t===0){bf[ord[0]]=1;af[ord[0]]=1;return[bf,af,0,0];}
var m=D.z[ord[0]]/t;if(D.rest)D.rest.b.forEach(function(b){m=Math.max(m,b[0]/t);});
var s=0;for(i=0;i<n;i++){bf[i]=Math.exp(D.z[i]/t-m);s+=bf[i];}
if(D.rest){D.rest.b.forEach(function(b){rb+=b[1]*Math.exp(b[0]/t-m);});s+=rb;}
for(i=0;i<n;i++)bf[i]/=s;rb/=s;var cum=0,mk=0,j;
for(j=0;j<n;j++)if(k===0||j<k)mk+=bf[ord[j]];if(D.rest&&k===0)mk+=rb;
for(j=0;j<n;j++){if(k>0&&j>=k||cum>=p*mk)break;i=ord[j];af[i]=bf[i];cum+=bf[i];}
if(D.rest&&k===0&&cum<p*mk){ra=rb;cum+=rb;}
for(i=0;i<n;i++)af[i]/=cum;ra/=cum;return[bf,af,rb,ra];}
function upd(){var t=+T.value,k=+K.value,p=+P.value,R=probs(t,k,p);
q(r,"output[for$='-t']").textContent="T = "+t.toFixed(2)+(t===0?" (greedy)":"");q(r,"output[for$='-k']").textContent=k===0?"off":"k = "+k;q(r,"output[for$='-p']").textContent="p = "+p.toFixed(2);
qa(r,"tbody tr").forEach(function(tr){var i=tr.getAttribute("data-i"),bf=i==="rest"?R[2]:R[0][+i],af=i==="rest"?R[3]:R[1][+i];
q(tr,".b").textContent=fmtN(bf,3);q(tr,".a").textContent=fmtN(af,3);q(tr,"rect").setAttribute("width",(af*160).toFixed(1));tr.classList.toggle("cut",af===0);});}
[T,K,P].forEach(function(x){x.addEventListener("input",upd);x.addEventListener("change",upd);});`

// Text renders the candidates as a plain table.
func (pb ProbBars) Text() (string, error) {
	t, p, err := pb.check()
	if err != nil {
		return "", err
	}
	before, after, rb, ra := pb.Probs(t, pb.TopK, p)
	var b strings.Builder
	title := pb.Title
	if title == "" {
		title = "Next-token probabilities"
	}
	k := "off"
	if pb.TopK > 0 {
		k = fmt.Sprint(pb.TopK)
	}
	fmt.Fprintf(&b, "%s (T = %.2f, top-k %s, top-p %.2f)\n", title, t, k, p)
	ws := []int{-16, 8, 7, 9, -20}
	b.WriteString(row([]string{"token", "logit", "p at T", "p sampled"}, ws...))
	for i, c := range pb.Candidates {
		b.WriteString(row([]string{visible(c.Piece), num(c.Logit, 2), num(before[i], 3), num(after[i], 3), textBar(after[i], 20)}, ws...))
	}
	if pb.Rest != nil && pb.Rest.Count > 0 {
		b.WriteString(row([]string{fmt.Sprintf("(%s other)", commas(int64(pb.Rest.Count))), "…", num(rb, 3), num(ra, 3), textBar(ra, 20)}, ws...))
	}
	return b.String(), nil
}
