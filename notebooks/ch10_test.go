package notebooks

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// widgetsOfChapter10 are the widget kinds chapter 10 must show.
var widgetsOfChapter10 = []string{"llmw-ribbon", "llmw-probbars", "llmw-recorded", "llmw-lens", "llmw-lines", "llmw-quiz"}

// TestChapter10 checks the executed chapter 10: no errors, every widget
// shown, the engine's logits equal to the hand computations, the tying
// ledger of Qwen3.5-0.8B's published config, the renormalisation sums, the
// lens at the last boundary equal to the model, the Jacobian check; and,
// where the embedded model ran, the printed values recomputed here from
// the checkpoint in float64 (the head, the lens's first answer boundary,
// the frequent-token prior).
func TestChapter10(t *testing.T) {
	nb := executed(t, "10-lm-head.ipynb")
	texts, _ := checkOutputs(t, nb, 10, widgetsOfChapter10, 400<<10)
	text := textIn(t, texts)
	// The hand computations agree with the engine.
	for id, re := range map[string]string{
		"by-hand":       `largest difference from the engine's (\S+)`,
		"all-positions": `generation logits within (\S+)`,
		"lens-check":    `largest difference (\S+)`,
	} {
		if v := number(t, text(id), re); !(v <= 1e-4) {
			t.Errorf("cell %s: difference %v:\n%s", id, v, text(id))
		}
	}
	for _, line := range lines(text("by-hand"), "Σ") {
		var hand, engine float64
		if _, err := fmt.Sscanf(line[strings.Index(line, "=")+1:], "%f the engine's logit %f", &hand, &engine); err != nil || hand != engine {
			t.Errorf("by-hand: %q (%v)", line, err)
		}
	}
	if toy := text("toy"); !strings.Contains(toy, "1.2·1.0 + 0.8·0.5 + -0.3·0.0 + 0.1·0.2 =  1.62") {
		t.Errorf("toy:\n%s", toy)
	}
	for _, want := range []string{"cos  1.00 = logit  25.0", "cos  0.00 = logit   0.0", "cos -1.00 = logit -25.0"} {
		if !strings.Contains(text("inner-toy"), want) {
			t.Errorf("inner-toy lacks %q", want)
		}
	}
	dec := regexp.MustCompile(`logit\s+(\S+) = \|y\|\s+(\S+) · \|e\| (\S+) · cos\s+(\S+)\s+\(engine\s+(\S+)\)`)
	decs := dec.FindAllStringSubmatch(text("decompose"), -1)
	if len(decs) != 10 {
		t.Errorf("decompose: %d lines, want 10", len(decs))
	}
	for _, d := range decs {
		v := floats(t, d[1:])
		if math.Abs(v[1]*v[2]*v[3]-v[0]) > 0.01*(1+math.Abs(v[0])) || math.Abs(v[0]-v[4]) > 2e-3 {
			t.Errorf("decompose: %q", d[0])
		}
	}
	// Tying.
	if p := text("tying-proof"); !strings.Contains(p, "config ties the head: true; lm_head tensors in the checkpoint: 0 []") {
		t.Errorf("tying-proof:\n%s", p)
	}
	for _, want := range []string{"[248,320 × 1,024] matrix: 254,279,680 parameters, 508.6 MB in 2-byte values; text model 752,393,024 tied, 1,006,672,704 untied",
		"the shared matrix is 33.8% of the tied text model"} {
		if !strings.Contains(text("ledger"), want) {
			t.Errorf("ledger lacks %q:\n%s", want, text("ledger"))
		}
	}
	// Renormalisation: shown = true / mass, misreported = 1 − mass.
	ren := regexp.MustCompile(`true p (\S+), shown (\S+); the 12 hold (\S+), misreported (\S+)`)
	rs := ren.FindAllStringSubmatch(text("renorm"), -1)
	if len(rs) != 4 {
		t.Errorf("renorm: %d lines", len(rs))
	}
	for _, r := range rs {
		v := floats(t, r[1:])
		if math.Abs(v[0]/v[2]-v[1]) > 0.01 || math.Abs(1-v[2]-v[3]) > 0.0015 || v[1] < v[0] {
			t.Errorf("renorm: %q", r[0])
		}
	}
	// The lens: exact at the top, scores in range, the fits agree at the last boundary.
	score := regexp.MustCompile(`boundary (\S+)\s+agrees with the output at\s+(\S+)% of positions, KL\s+(\S+) nats`)
	ss := score.FindAllStringSubmatch(text("lens-score"), -1)
	if len(ss) < 3 || ss[len(ss)-1][2] != "100.0" || floats(t, ss[len(ss)-1][3:])[0] != 0 {
		t.Errorf("lens-score:\n%s", text("lens-score"))
	}
	if ls := text("fit-ls"); !strings.Contains(ls, "skipped") {
		if last := lines(ls, "boundary"); len(last) == 0 || !strings.Contains(last[len(last)-1], "logit lens 100.0% (KL  0.00)   least squares 100.0% (KL  0.00)") {
			t.Errorf("fit-ls:\n%s", ls)
		}
	}
	if jc := text("jacobian-check"); !strings.Contains(jc, "skipped") {
		if v := number(t, jc, `relative error (\S+)`); !(v < 0.01) {
			t.Errorf("jacobian-check: %v", v)
		}
	}
	if !strings.Contains(text("jacobian-recorded"), "typo          Jacobian lens 0.781   logit lens 0.432") {
		t.Errorf("jacobian-recorded:\n%s", text("jacobian-recorded"))
	}
	if q := text("quiz-answers"); !strings.Contains(q, "the quiz has 3 questions, each with exactly one right answer") {
		t.Errorf("quiz check:\n%s", q)
	}
	if strings.HasPrefix(text("load"), "tiny:") {
		checkChapter10Tiny(t, text)
	}
}

// lines returns the lines of s that contain sub.
func lines(s, sub string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}

func floats(t *testing.T, s []string) []float64 {
	t.Helper()
	out := make([]float64, len(s))
	for i, x := range s {
		v, err := strconv.ParseFloat(x, 64)
		if err != nil {
			t.Errorf("%q: %v", x, err)
		}
		out[i] = v
	}
	return out
}

// head64 recomputes the final norm and the tied head in float64 from the
// checkpoint's tensors.
func head64(m *llm.Model, h []float32) []float64 {
	c := m.Config()
	E := m.Net.MustWeight("embed_tokens.weight").Float32()
	w := m.Net.MustWeight("norm.weight").Float32()
	var ss float64
	for _, x := range h {
		ss += float64(x) * float64(x)
	}
	inv := 1 / math.Sqrt(ss/float64(len(h))+c.RMSEps)
	out := make([]float64, c.Vocab)
	for id := range out {
		var s float64
		for i, x := range h {
			s += float64(x) * inv * (1 + float64(w[i])) * float64(E[id*c.Hidden+i])
		}
		out[id] = s
	}
	return out
}

func argmax64(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// checkChapter10Tiny recomputes, from the embedded model, what the cells
// printed on it.
func checkChapter10Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	// The top ten after the cat prompt, with their logits, from the float64 head.
	p := m.MustRun("The cat sat on the")
	ref := head64(m, p.Capture.Layers[len(p.Capture.Layers)-1].Residual[len(p.IDs)-1])
	for _, c := range m.Top(p.Logits, 10) {
		want := fmt.Sprintf("%-12q logit %7.3f", c.Piece, ref[c.ID])
		if !strings.Contains(text("decompose"), want) {
			t.Errorf("decompose lacks %q", want)
		}
	}
	// The first boundary from which the lens reads the answer, recomputed.
	q := m.MustRun("The capital of France is")
	last, L := len(q.IDs)-1, m.Config().Layers
	answer := argmax64(head64(m, q.Capture.Layers[L-1].Residual[last]))
	first := L
	for b := L; b >= 0; b-- {
		h := q.Capture.Embedding[last]
		if b > 0 {
			h = q.Capture.Layers[b-1].Residual[last]
		}
		if argmax64(head64(m, h)) != answer {
			break
		}
		first = b
	}
	if want := fmt.Sprintf("the answer %q is the lens's top token from boundary %d of %d on", m.Piece(answer), first, L); !strings.Contains(text("lens-check"), want) {
		t.Errorf("lens-check lacks %q:\n%s", want, text("lens-check"))
	}
	// The embedding row read through the float64 head: each token's own
	// rank and the token read there, as the self-read cell printed them.
	for i, id := range q.IDs {
		ref := head64(m, q.Capture.Embedding[i])
		rank := 1
		for _, x := range ref {
			if x > ref[id] {
				rank++
			}
		}
		row := lines(text("self-reads"), fmt.Sprintf("%q", m.Piece(id)))
		if want := fmt.Sprintf("own rank %5d (", rank); len(row) == 0 || !strings.Contains(row[0], want) {
			t.Errorf("self-reads: %q lacks %q:\n%s", m.Piece(id), want, text("self-reads"))
		}
		if want := fmt.Sprintf("the head reads %q", m.Piece(argmax64(ref))); !strings.Contains(text("self-reads"), want) {
			t.Errorf("self-reads lacks %q", want)
		}
	}
	// The frequent-token prior: E·mean(final hidden) over 20 sentences, its top 10's share.
	var ys [][]float32
	counts := map[int]int{}
	for _, s := range llm.SampleTexts()[:20] {
		r := m.MustRun(s)
		ys = append(ys, r.Capture.Hidden...)
		for _, id := range r.IDs {
			counts[id]++
		}
	}
	H, E := m.Config().Hidden, m.Net.MustWeight("embed_tokens.weight").Float32()
	mean := make([]float64, H)
	for _, y := range ys {
		for i, v := range y {
			mean[i] += float64(v) / float64(len(ys))
		}
	}
	prior := make([]float64, m.Vocab())
	for id := range prior {
		for i, v := range mean {
			prior[id] += v * float64(E[id*H+i])
		}
	}
	share := 0
	for range 10 {
		best := argmax64(prior)
		share += counts[best]
		prior[best] = math.Inf(-1)
	}
	if want := fmt.Sprintf("they are %d of the %d tokens of those sentences", share, len(ys)); !strings.Contains(text("frequent"), want) {
		t.Errorf("frequent lacks %q:\n%s", want, text("frequent"))
	}
}
