package notebooks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// widgetsOfChapter3 are the widget kinds chapter 3 must show.
var widgetsOfChapter3 = []string{"llmw-scatter", "llmw-neighbours", "llmw-hist", "llmw-lines", "llmw-quiz"}

// TestChapter3 checks the executed chapter 3: every cell ran, every widget
// is there, and the values it printed are those of the model that ran,
// recomputed here independently where the embedded model ran. Like
// TestChapter1Runs it reads the copy in LLM_EXECUTED_NOTEBOOKS when set, and
// otherwise runs the notebook through the course kernel on the embedded
// model (skipping without the kernel, failing without it when CI is set).
func TestChapter3(t *testing.T) {
	nb := executed(t, "03-embeddings.ipynb")
	checkOutputs(t, nb, 3, widgetsOfChapter3, 400<<10)
	text := textOf(t, nb)

	// Model-independent facts.
	for id, want := range map[string]string{
		"one-hot":     "one-hot × E equals the row, value for value: true",
		"cosine-toy":  "cos = 24 / (5 × 5) = 0.96",
		"bank-stream": "the three embedding rows are identical, bit for bit: true",
		"recorded":    "·king (recorded with Qwen3.5-0.8B)\n   1 ·King                   –   0.703",
		"analogies":   "king·−·man·+·woman (recorded with Qwen3.5-0.8B)\n   1 ·queen                  –   0.578",
	} {
		if !strings.Contains(text(id), want) {
			t.Errorf("cell %s lacks %q:\n%s", id, want, text(id))
		}
	}
	tied := text("tied-check")
	if !strings.Contains(tied, "tied: true") || number(t, tied, `largest difference (\S+)`) > 1e-3 {
		t.Errorf("the LM head is not E·h:\n%s", tied)
	}
	pca := text("pca-scatter")
	pc1, pc2 := number(t, pca, `PC1 keeps ([\d.]+)%`), number(t, pca, `PC2 ([\d.]+)%`)
	if !(pc1 >= pc2 && pc2 > 0 && pc1+pc2 < 100) {
		t.Errorf("explained variance PC1 %v%%, PC2 %v%%", pc1, pc2)
	}
	// Stage by stage, " bank" starts identical and ends different.
	bank := text("bank-stream")
	if !strings.Contains(bank, "embedding               1.000             1.000             1.000") {
		t.Errorf("the embedding stage is not cosine 1:\n%s", bank)
	}
	if v := number(t, bank, `final norm\s+([\d.]+)`); v > 0.99 {
		t.Errorf("river vs money at the final norm: cosine %v, want the contexts to differ", v)
	}

	load := text("load")
	switch {
	case strings.HasPrefix(load, "tiny:"):
		checkChapter3Tiny(t, text)
	case strings.Contains(load, "this is the real Qwen3.5-0.8B: true"):
		real := text("real-check")
		if !strings.Contains(real, `king - man + woman → " queen"`) {
			t.Errorf("the real model's check did not run:\n%s", real)
		}
	}
}

// checkChapter3Tiny checks the values printed on the embedded model against
// the same computations done here, by brute force where it matters.
func checkChapter3Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.Load("tiny")
	if err != nil {
		t.Fatal(err)
	}
	raw := m.Net.MustWeight("embed_tokens.weight").Float32()
	H := m.Config().Hidden
	row := func(id int) []float32 { return raw[id*H : (id+1)*H] }
	V := m.Config().Vocab
	w := m.Net.MustWeight("embed_tokens.weight")
	if s := text("shape"); !strings.Contains(s, fmt.Sprintf("E: [%d × %d] = %d numbers, stored as %s: %d bytes", V, H, V*H, w.DType, len(w.Data))) {
		t.Errorf("shape:\n%s", s)
	}
	// The neighbours of " said", by brute force over every row.
	said := m.Encode(" said")
	if len(said) != 1 {
		t.Fatalf("\" said\" is %d tokens", len(said))
	}
	best, second := -1, -1
	cos := make([]float64, V)
	for id := range cos {
		cos[id] = llm.Cosine(row(id), row(said[0]))
		if id == said[0] {
			continue
		}
		if best < 0 || cos[id] > cos[best] {
			best, second = id, best
		} else if second < 0 || cos[id] > cos[second] {
			second = id
		}
	}
	nb := text("nearest-browser")
	for _, id := range []int{best, second} {
		want := fmt.Sprintf("%s %s %.3f", strings.ReplaceAll(m.Piece(id), " ", "·"), strconv.Itoa(id), cos[id])
		if !strings.Contains(strings.Join(strings.Fields(nb), " "), want) {
			t.Errorf("the neighbours of \" said\" lack %q:\n%s", want, nb)
		}
	}
	// Each analogy, recomputed by brute force where its words are single
	// tokens; the others are reported with their pieces.
	an := text("analogies")
	for _, q := range [][3]string{{" king", " man", " woman"}, {" Paris", " France", " Japan"}, {" he", " man", " woman"}, {" his", " he", " she"}, {" was", " is", " are"}, {" said", " say", " tell"}} {
		name := fmt.Sprintf("%s − %s + %s", strings.TrimSpace(q[0]), strings.TrimSpace(q[1]), strings.TrimSpace(q[2]))
		var ids []int
		var split string
		for _, w := range q {
			tok := m.Encode(w)
			if len(tok) != 1 && split == "" {
				split = fmt.Sprintf("%q is %d tokens in this vocabulary", w, len(tok))
			}
			ids = append(ids, tok[0])
		}
		if split != "" {
			if !strings.Contains(an, name) || !strings.Contains(an, split) {
				t.Errorf("analogies lack %s reported as %q:\n%s", name, split, an)
			}
			continue
		}
		v := llm.Add(llm.Sub(row(ids[0]), row(ids[1])), row(ids[2]))
		top, topCos := -1, math.Inf(-1)
		for id := range V {
			if c := llm.Cosine(row(id), v); c > topCos && id != ids[0] && id != ids[1] && id != ids[2] {
				top, topCos = id, c
			}
		}
		if want := fmt.Sprintf("%-24s → %q (%.3f)", name, m.Piece(top), topCos); !strings.Contains(an, want) {
			t.Errorf("analogies lack %q:\n%s", want, an)
		}
	}
	// cos(woman − man, she − he), recomputed, and the recorded value.
	id := func(w string) int { return m.Encode(w)[0] }
	sub := func(a, b string) []float32 { return llm.Sub(row(id(a)), row(id(b))) }
	want := fmt.Sprintf("cos(woman − man, she − he) = %.3f", llm.Cosine(sub(" woman", " man"), sub(" she", " he")))
	if g := text("gender-direction"); !strings.Contains(g, want) || !strings.Contains(g, "(recorded with Qwen3.5-0.8B: 0.292)") {
		t.Errorf("gender direction lacks %q or the recorded value:\n%s", want, g)
	}
	// The shortest row, by brute force.
	short := 0
	for i := range V {
		if llm.Norm(row(i)) < llm.Norm(row(short)) {
			short = i
		}
	}
	if n := text("norms-hist"); !strings.Contains(n, fmt.Sprintf("8 shortest rows (norm %.2f to", llm.Norm(row(short)))) || !strings.Contains(n, fmt.Sprintf("[%q", m.Piece(short))) {
		t.Errorf("shortest row %q (%.2f) not first:\n%s", m.Piece(short), llm.Norm(row(short)), n)
	}
	// The clump around the longest row, by brute force: its size and the
	// mean cosine over every pair of its rows.
	long := 0
	for i := range V {
		if llm.Norm(row(i)) > llm.Norm(row(long)) {
			long = i
		}
	}
	var clump []int
	for i := range V {
		if llm.Cosine(row(i), row(long)) >= 0.999 {
			clump = append(clump, i)
		}
	}
	var sum, pairs float64
	for a, i := range clump {
		for _, j := range clump[a+1:] {
			sum, pairs = sum+llm.Cosine(row(i), row(j)), pairs+1
		}
	}
	c := text("norms-clump")
	got := number(t, c, `tiny: (\d+) row\(s\) within cosine 0\.999`)
	if math.Abs(got-float64(len(clump))) > 1 || !strings.Contains(c, fmt.Sprintf("mean cosine over every pair of them: %.5f", sum/pairs)) {
		t.Errorf("the clump of the longest row %q: %d rows, mean cosine %.5f by brute force:\n%s", m.Piece(long), len(clump), sum/pairs, c)
	}
	// The plural direction: every word the vocabulary splits is named, none dropped.
	pl := text("plural-direction")
	for _, w := range llm.Spaced("dogs trees houses books ideas girls years dog tree house book idea girl year one two three four five") {
		if split := len(m.Encode(w)) > 1; split != strings.Contains(pl, fmt.Sprintf("%q = ", w)) {
			t.Errorf("plural-direction: %q split %v, but the cell says otherwise:\n%s", w, split, pl)
		}
	}
}
