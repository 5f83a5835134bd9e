package notebooks

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/ci/nbformat"
)

// The Qwen3.5-0.8B facts chapter 1 prints (shared/course/real-model-references.json).
var (
	qwenIDs    = []int{760, 7993, 7338, 383, 279} // "The cat sat on the"
	qwenParams = map[string]int64{
		"text model (embedding, 24 layers, final norm)": 752393024,
		"vision tower (the model also reads images)":    100592896,
		"text + vision": 852985920,
		"multi-token-prediction head (stored, unused)": 20452864,
		"everything stored in the checkpoint":          873438784,
	}
)

// toyLogits are the hand-picked logits of chapter 1's toy vocabulary.
var toyLogits = []float64{2.40, 1.60, 0.70, -0.30, -1.10}

// stdout returns what the executed notebook's cells printed, in order.
func stdout(nb *nbformat.Notebook) string {
	var b strings.Builder
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if o.Type == nbformat.Stream && o.Name == "stdout" {
				b.WriteString(o.Text)
			}
		}
	}
	return b.String()
}

// checkChapter1Values asserts the key values an executed chapter 1 prints:
// the numbers its prose relies on, recomputed here independently, and the
// agreements (by hand = llm.Softmax, slider = temperature, parts add up)
// the cells show side by side. Facts of the real model are checked only
// when the real model ran (recognised by its Hub name).
func checkChapter1Values(t *testing.T, nb *nbformat.Notebook) {
	t.Helper()
	out := stdout(nb)
	find := func(what, pattern string) [][]string {
		t.Helper()
		m := regexp.MustCompile(pattern).FindAllStringSubmatch(out, -1)
		if m == nil {
			t.Errorf("chapter 1 printed no %s (pattern %s)", what, pattern)
		}
		return m
	}
	num := func(s string) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			t.Errorf("not a number: %q", s)
		}
		return v
	}
	real := strings.HasPrefix(out, "Qwen/Qwen3.5-0.8B:")

	// Tokens: one line per id; the real tokenizer gives the reference ids.
	if m := find("token ids", `"The cat sat on the" → \[([\d ]+)\]`); m != nil {
		var ids []int
		for _, f := range strings.Fields(m[0][1]) {
			id, _ := strconv.Atoi(f)
			ids = append(ids, id)
		}
		if n := len(find("token lines", `(?m)^  token \d+: id`)); n < len(ids) {
			t.Errorf("%d ids but %d token lines", len(ids), n)
		}
		if real && !slices.Equal(ids, qwenIDs) {
			t.Errorf("Qwen3.5-0.8B tokenized the prompt as %v, want %v", ids, qwenIDs)
		}
	}
	// One logit per vocabulary entry.
	for _, m := range find("logit count", `out: (\d+) logits \(the vocabulary has (\d+) entries\)`) {
		if m[1] != m[2] || real && m[1] != "248320" {
			t.Errorf("%s logits for a vocabulary of %s", m[1], m[2])
		}
	}
	// Softmax by hand = llm.Softmax = the formula, on the toy logits.
	var sum float64
	for _, z := range toyLogits {
		sum += math.Exp(z)
	}
	rows := find("softmax rows", `(?m)^"\S+"\s+z = *(-?[\d.]+)\s+e\^z = *([\d.]+)\s+e\^z/Σ = ([\d.]+)\s+llm\.Softmax: ([\d.]+)$`)
	if len(rows) != len(toyLogits) {
		t.Errorf("%d softmax rows, want %d", len(rows), len(toyLogits))
	}
	for i, r := range rows[:min(len(rows), len(toyLogits))] {
		want := strconv.FormatFloat(math.Exp(toyLogits[i])/sum, 'f', 3, 64)
		if r[3] != want || r[4] != want {
			t.Errorf("toy token %d: by hand %s, llm.Softmax %s, want %s", i, r[3], r[4], want)
		}
	}
	// The slider's k is an inverse temperature.
	for _, m := range find("slider rows", `k = ([\d.]+)\s+T = [\d.]+\s+p\(cat\): slider ([\d.]+), temperature ([\d.]+)`) {
		k := num(m[1])
		var s float64
		for _, z := range toyLogits {
			s += math.Exp(k * z)
		}
		want := strconv.FormatFloat(math.Exp(k*toyLogits[0])/s, 'f', 3, 64)
		if m[2] != want || m[3] != want {
			t.Errorf("k = %s: slider %s, temperature %s, want %s", m[1], m[2], m[3], want)
		}
	}
	// Probabilities add up to 1, on the toy and the whole vocabulary.
	for _, m := range find("probability sums", `probabilities add up to ([\d.]+)`) {
		if v := num(m[1]); math.Abs(v-1) > 1e-5 {
			t.Errorf("probabilities add up to %v", v)
		}
	}
	// The published parameter counts, and both breakdowns add up.
	for name, want := range qwenParams {
		m := find(name, regexp.QuoteMeta(name)+` +(\d+)`)
		if m != nil && num(m[0][1]) != float64(want) {
			t.Errorf("%s: printed %s, want %d", name, m[0][1], want)
		}
	}
	var parts [2]float64
	for _, m := range find("parameter parts", `(?m)^(embedding|Gated DeltaNet mixers|full-attention mixers|MLPs|norms) +(\d+) +(\d+)$`) {
		parts[0] += num(m[2])
		parts[1] += num(m[3])
	}
	if m := find("parameter totals", `(?m)^total +(\d+) +(\d+)$`); m != nil {
		if parts[0] != num(m[0][1]) || parts[1] != num(m[0][2]) || num(m[0][1]) != float64(qwenParams["text model (embedding, 24 layers, final norm)"]) {
			t.Errorf("parts add up to %v, totals printed %s and %s", parts, m[0][1], m[0][2])
		}
	}
	// Activations grow with the prompt; the weights do not.
	short := find("activation bytes", `activations of this (\d+)-token pass: (\d+) bytes`)
	long := find("longer prompt", `a (\d+)-token prompt: (\d+) bytes of activations, the same (\d+) bytes of weights`)
	weights := find("weight bytes", `the weights \(.*\), for comparison: (\d+) bytes`)
	if short != nil && long != nil && weights != nil {
		if !(num(long[0][1]) > num(short[0][1]) && num(long[0][2]) > num(short[0][2])) || long[0][3] != weights[0][1] {
			t.Errorf("activations %s bytes for %s tokens, %s for %s; weights %s then %s", short[0][2], short[0][1], long[0][2], long[0][1], weights[0][1], long[0][3])
		}
	}
	// Gradient descent lands on the least-squares line.
	fit := find("fit", `(after \d+ steps|exact best fit): a = *(-?[\d.]+)  b = *(-?[\d.]+)  loss = ([\d.]+)`)
	if len(fit) == 2 {
		for i := 1; i < 4; i++ {
			if math.Abs(num(fit[0][i+1])-num(fit[1][i+1])) > 0.05 {
				t.Errorf("descent ended at %v, the exact fit is %v", fit[0][1:], fit[1][1:])
			}
		}
		if a := num(fit[1][2]); math.Abs(a-3) > 0.3 {
			t.Errorf("best-fit slope %v for points around y = 3x + 1", a)
		}
	}
	// Seeded sampling repeats itself.
	seeds := find("seeded samples", `(?m)^seed (\d)( again)?: (".*")`)
	got := map[string]string{}
	for _, m := range seeds {
		if prev, ok := got[m[1]]; ok && prev != m[3] {
			t.Errorf("seed %s gave %s, then %s", m[1], prev, m[3])
		}
		got[m[1]] = m[3]
	}
	// The published layer stack.
	find("published layer stack", `Qwen3\.5-0\.8B \(published config\): 24 layers = 6 full attention \(layers \[3 7 11 15 19 23\]\) \+ 18 Gated DeltaNet`)
	find("quiz check", `the quiz has 3 questions`)
}
