package widgets

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// Sampling explores the sampler's four knobs (temperature, top-k, top-p,
// min-p) on a whole next-token distribution. Unlike ProbBars, which
// reshapes a handful of candidates, every number it shows is computed in Go
// over the full vocabulary (llm.Ranking.Cut) for each position of the
// sliders; the page only looks the answers up. The table shows the Rows
// most likely tokens; the footer gives the size of the kept set over the
// whole vocabulary and the entropy at the chosen temperature.
type Sampling struct {
	Title  string
	Logits []float32           // one per vocabulary entry
	Piece  func(id int) string // decodes a token id (m.Piece)
	Rows   int                 // how many tokens the table lists (default 12)
	// The initial knobs, snapped to the sliders' grid (see SamplingGrid).
	Temperature float64 // 0 is greedy
	TopK        int     // 0 is off
	TopP        float64 // 0 or 1 is off
	MinP        float64 // 0 is off
}

// The sliders' positions. Temperature 0 is greedy.
var (
	samplingT    = []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2}
	samplingK    = []int{0, 1, 5, 10, 50}
	samplingP    = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1}
	samplingMinP = []float64{0, 0.02, 0.05, 0.1, 0.2}
)

// SamplingGrid returns the values each slider of Sampling can take.
func SamplingGrid() (temps []float64, topK []int, topP, minP []float64) {
	return append([]float64(nil), samplingT...), append([]int(nil), samplingK...),
		append([]float64(nil), samplingP...), append([]float64(nil), samplingMinP...)
}

func nearest(xs []float64, v float64) int {
	best := 0
	for i, x := range xs {
		if math.Abs(x-v) < math.Abs(xs[best]-v) {
			best = i
		}
	}
	return best
}

// samplingData is what the page looks up: per temperature the top rows'
// probabilities and the entropy; per setting the kept count and mass.
type samplingData struct {
	Pieces []string    `json:"pieces"`
	Logits []float64   `json:"logits"`
	P      [][]float64 `json:"p"`     // [t][row]
	H      []float64   `json:"h"`     // [t] entropy in bits
	N      []int       `json:"n"`     // [t][k][p][minp] flattened: kept count
	Mass   []float64   `json:"mass"`  // same index: kept mass before renormalising
	Vocab  int         `json:"vocab"` // tokens ranked
	Dims   [4]int      `json:"dims"`
	T      []float64   `json:"t"`
	K      []int       `json:"k"`
	TopP   []float64   `json:"tp"`
	MinP   []float64   `json:"mp"`
}

func (s Sampling) compute() (samplingData, error) {
	var d samplingData
	if len(s.Logits) == 0 {
		return d, fmt.Errorf("widgets: Sampling: no logits")
	}
	for i, v := range s.Logits {
		if v != v || math.IsInf(float64(v), 1) {
			return d, fmt.Errorf("widgets: Sampling: logit %d is %v: want a finite number (or −Inf for a masked token)", i, v)
		}
	}
	rk := llm.SortLogits(s.Logits)
	if len(rk.IDs) == 0 {
		return d, fmt.Errorf("widgets: Sampling: every logit is −Inf: nothing can be sampled")
	}
	rows := s.Rows
	if rows <= 0 {
		rows = 12
	}
	rows = min(rows, len(rk.IDs), maxRows)
	d = samplingData{Vocab: len(rk.IDs), T: samplingT, K: samplingK, TopP: samplingP, MinP: samplingMinP,
		Dims: [4]int{len(samplingT), len(samplingK), len(samplingP), len(samplingMinP)}}
	for i := range rows {
		piece := fmt.Sprint(rk.IDs[i])
		if s.Piece != nil {
			piece = s.Piece(rk.IDs[i])
		}
		d.Pieces = append(d.Pieces, piece)
		d.Logits = append(d.Logits, rk.Logits[i])
	}
	for _, t := range samplingT {
		dist := rk.At(t)
		d.P = append(d.P, round(dist.P[:rows], 6))
		d.H = append(d.H, llm.Entropy(dist.P)/math.Ln2)
		for _, k := range samplingK {
			for _, tp := range samplingP {
				for _, mp := range samplingMinP {
					n, mass := dist.Cut(llm.Sampler{Temperature: t, TopK: k, TopP: tp, MinP: mp})
					if t == 0 {
						n, mass = 1, 1
					}
					d.N = append(d.N, n)
					d.Mass = append(d.Mass, mass)
				}
			}
		}
	}
	d.H = round(d.H, 4)
	d.Mass = round(d.Mass, 6)
	return d, nil
}

// round keeps `digits` significant digits of each value, to keep the
// page's data small.
func round(xs []float64, digits int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i], _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', digits, 64), 64)
	}
	return out
}

// at returns the flat index of a setting and its grid indices.
func (s Sampling) at(d samplingData) (ti, ki, pi, mi, flat int) {
	ti = nearest(samplingT, s.Temperature)
	ki = 0
	for i, k := range samplingK {
		if k == s.TopK {
			ki = i
		}
	}
	p := s.TopP
	if p == 0 {
		p = 1
	}
	pi, mi = nearest(samplingP, p), nearest(samplingMinP, s.MinP)
	flat = ((ti*d.Dims[1]+ki)*d.Dims[2]+pi)*d.Dims[3] + mi
	return
}

// Kept returns, for the initial knobs, how many tokens of the whole
// vocabulary are kept and each listed row's probability after the filters
// (0 when cut), as the widget first shows them.
func (s Sampling) Kept() (n int, rows []float64, err error) {
	d, err := s.compute()
	if err != nil {
		return 0, nil, err
	}
	n, rows = s.kept(d)
	return n, rows, nil
}

func (s Sampling) kept(d samplingData) (n int, rows []float64) {
	ti, _, _, _, flat := s.at(d)
	n, mass := d.N[flat], d.Mass[flat]
	rows = make([]float64, len(d.Pieces))
	for i := range rows {
		if i < n {
			rows[i] = d.P[ti][i] / mass
		}
	}
	return n, rows
}

func (s Sampling) title() string {
	if s.Title == "" {
		return "Sampling over the whole vocabulary"
	}
	return s.Title
}

func (s Sampling) footer(d samplingData, flat, ti int) string {
	return fmt.Sprintf("kept %s of %s tokens · entropy at T: %.2f bits", commas(int64(d.N[flat])), commas(int64(d.Vocab)), d.H[ti])
}

// HTML renders the table with its four sliders.
func (s Sampling) HTML() (string, error) {
	d, err := s.compute()
	if err != nil {
		return "", err
	}
	ti, ki, pi, mi, flat := s.at(d)
	_, after := s.kept(d)
	id := newID()
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-sampling" id="%s">%s<h4>%s</h4><div class="ctl">`, id, style, esc(s.title()))
	slider := func(name, label string, n, at int, shown string) {
		b.WriteString(idf(id, `<label for="{id}-%s">%s</label><input type="range" id="{id}-%s" min="0" max="%d" step="1" value="%d"><output for="{id}-%s">%s</output>`,
			name, label, name, n-1, at, name, shown))
	}
	slider("t", "temperature", len(samplingT), ti, fmt.Sprintf("T = %.1f", samplingT[ti]))
	slider("k", "top-k", len(samplingK), ki, topKLabel(samplingK[ki]))
	slider("p", "top-p", len(samplingP), pi, fmt.Sprintf("p = %.2f", samplingP[pi]))
	slider("m", "min-p", len(samplingMinP), mi, fmt.Sprintf("min-p = %.2f", samplingMinP[mi]))
	b.WriteString(`</div><table><thead><tr><th scope="col">rank</th><th scope="col">token</th><th scope="col">logit</th><th scope="col">p at T</th><th scope="col">p sampled</th><th scope="col">bar</th></tr></thead><tbody>`)
	for i, piece := range d.Pieces {
		cls := ""
		if after[i] == 0 {
			cls = ` class="cut"`
		}
		fmt.Fprintf(&b, `<tr data-i="%d"%s><td>%d</td><td><span class="tok">%s</span></td><td>%s</td><td class="b">%s</td><td class="a">%s</td><td>%s</td></tr>`,
			i, cls, i+1, esc(visible(piece)), num(d.Logits[i], 2), num(d.P[ti][i], 3), num(after[i], 3), bar(after[i], 160))
	}
	fmt.Fprintf(&b, `</tbody></table><p class="note foot">%s</p><p class="note">Every number is computed over the whole vocabulary, not the rows listed. Greyed rows are cut; the kept tokens are renormalised to sum to 1. The filters run in this order: temperature, top-k, top-p, min-p. Temperature 0 is greedy.</p>`,
		s.footer(d, flat, ti))
	b.WriteString(script(id, jsonData(d), samplingJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

const samplingJS = `var S=["t","k","p","m"].map(function(n){return q(r,"input[id$='-"+n+"']");});
function cm(n){var s=String(n);return s.replace(/\B(?=(\d{3})+(?!\d))/g,",");}
function upd(){var t=+S[0].value,k=+S[1].value,p=+S[2].value,m=+S[3].value,G=D.dims,f=((t*G[1]+k)*G[2]+p)*G[3]+m,n=D.n[f],ms=D.mass[f];
q(r,"output[for$='-t']").textContent="T = "+D.t[t].toFixed(1)+(D.t[t]===0?" (greedy)":"");
q(r,"output[for$='-k']").textContent=D.k[k]===0?"off":"k = "+D.k[k];
q(r,"output[for$='-p']").textContent="p = "+D.tp[p].toFixed(2);q(r,"output[for$='-m']").textContent="min-p = "+D.mp[m].toFixed(2);
qa(r,"tbody tr").forEach(function(tr){var i=+tr.getAttribute("data-i"),bf=D.p[t][i],af=i<n?bf/ms:0;
q(tr,".b").textContent=fmtN(bf,3);q(tr,".a").textContent=fmtN(af,3);q(tr,"rect").setAttribute("width",(af*160).toFixed(1));tr.classList.toggle("cut",af===0);});
q(r,".foot").textContent="kept "+cm(n)+" of "+cm(D.vocab)+" tokens · entropy at T: "+D.h[t].toFixed(2)+" bits";}
S.forEach(function(x){x.addEventListener("input",upd);x.addEventListener("change",upd);});`

// Text renders the initial setting as a plain table.
func (s Sampling) Text() (string, error) {
	d, err := s.compute()
	if err != nil {
		return "", err
	}
	ti, ki, pi, mi, flat := s.at(d)
	_, after := s.kept(d)
	var b strings.Builder
	fmt.Fprintf(&b, "%s (T = %.1f, top-k %s, top-p %.2f, min-p %.2f)\n", s.title(), samplingT[ti], topKLabel(samplingK[ki]), samplingP[pi], samplingMinP[mi])
	ws := []int{4, -16, 8, 7, 9, -20}
	b.WriteString(row([]string{"rank", "token", "logit", "p at T", "p sampled"}, ws...))
	for i, piece := range d.Pieces {
		b.WriteString(row([]string{fmt.Sprint(i + 1), visible(piece), num(d.Logits[i], 2), num(d.P[ti][i], 3), num(after[i], 3), textBar(after[i], 20)}, ws...))
	}
	b.WriteString(s.footer(d, flat, ti) + "\n")
	return b.String(), nil
}

// EntropyCurves plots the entropy, in bits, of softmax(logits/T) for each
// row of logits against the temperature T from 0 to 2 (llm.Entropies).
// names labels the rows (missing names become "row i").
func EntropyCurves(title string, rows [][]float32, names []string) LineChart {
	temps, x := make([]float64, 41), make([]string, 41)
	for i := range temps {
		temps[i] = float64(i) * 0.05
		x[i] = fmt.Sprintf("%.2f", temps[i])
	}
	c := LineChart{Title: title, X: x, YLabel: "entropy (bits)", Note: "T = 0 is greedy: one certain token, 0 bits."}
	for i, l := range rows {
		c.Series = append(c.Series, Series{Name: rowName(names, i), Values: llm.Entropies(l, temps)})
	}
	return c
}

// NucleusCurves plots, for each row of logits, log10 of the number of
// tokens top-p keeps at temperature 1 against p from 0.05 to 0.95, and
// 0.99 (llm.NucleusSizes).
func NucleusCurves(title string, rows [][]float32, names []string) LineChart {
	var ps []float64
	var x []string
	for i := 1; i <= 19; i++ {
		ps, x = append(ps, float64(i)*0.05), append(x, fmt.Sprintf("%.2f", float64(i)*0.05))
	}
	ps, x = append(ps, 0.99), append(x, "0.99")
	c := LineChart{Title: title, X: x, YLabel: "log10(tokens kept)", Note: "0 means one token (greedy in effect); each step up is ten times more tokens."}
	for i, l := range rows {
		sizes := llm.NucleusSizes(l, 1, ps)
		v := make([]float64, len(sizes))
		for j, n := range sizes {
			v[j] = math.Log10(float64(max(n, 1)))
		}
		c.Series = append(c.Series, Series{Name: rowName(names, i), Values: v})
	}
	return c
}

func rowName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("row %d", i)
}
