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

// widgetsOfChapter6 are the widget kinds chapter 6 must show.
var widgetsOfChapter6 = []string{"llmw-spectrum", "llmw-clocks", "llmw-lines", "llmw-quiz"}

// TestChapter6 checks the executed chapter 6: every cell ran, every widget
// is there, the model-independent facts hold (rotation reproduced bit for
// bit, lengths kept, scores equal at equal offsets, mRoPE reduced), and on
// the embedded model the printed numbers are recomputed here from the
// model with a rotation written from the spec. Like TestChapter3 it reads
// the copy in LLM_EXECUTED_NOTEBOOKS when set, and otherwise runs the
// notebook through the course kernel on the embedded model.
func TestChapter6(t *testing.T) {
	nb := executed(t, "06-rope.ipynb")
	checkOutputs(t, nb, 6, widgetsOfChapter6, 300<<10)
	text := textOf(t, nb)

	// The rotation, checked on every captured query and key of every full layer.
	check := text("check")
	lines := regexp.MustCompile(`(?m)^layer \d+: .*$`).FindAllString(check, -1)
	if len(lines) == 0 {
		t.Errorf("the check printed no layer:\n%s", check)
	}
	for _, l := range lines {
		if !strings.Contains(l, "max diff 0;") || !strings.HasSuffix(l, "changed by 0") || number(t, l, `changed by ≤ (\S+) \(relative\)`) > 1e-6 {
			t.Errorf("rotation check: %s", l)
		}
	}
	// Equal offsets give equal scores; another offset another score.
	shift := regexp.MustCompile(`offset (\d+)\): q·k = (\S+)`).FindAllStringSubmatch(text("shift"), -1)
	if len(shift) != 5 {
		t.Fatalf("shift cell: %d scores, want 5", len(shift))
	}
	// Equal up to float32 rounding of the angles pos·ω (at position 10,000
	// the fourth decimal can move).
	score := func(s []string) float64 {
		v, err := strconv.ParseFloat(s[2], 64)
		if err != nil {
			t.Fatalf("shift cell: score %q: %v", s[2], err)
		}
		return v
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 2e-4*max(1, math.Abs(b)) }
	for i, s := range shift {
		first := shift[0]
		if i >= 3 {
			first = shift[3]
		}
		if s[1] != first[1] || !near(score(s), score(first)) {
			t.Errorf("score %d: offset %s q·k %s (first of its offset: %s %s)", i, s[1], s[2], first[1], first[2])
		}
	}
	if near(score(shift[0]), score(shift[3])) {
		t.Errorf("offsets %s and %s give the same score %s", shift[0][1], shift[3][1], shift[0][2])
	}
	for _, c := range [][2]string{
		{"worked-example", "m = 2: (-0.42, 0.91)  angle 2.00 rad = 0.318 turns, length 1.0000"},
		{"mrope-check", "for every t < 1000: true"},
		{"qwen-periods", "  28              7.5e-07         8.379e+06            1.987e+04"},
		{"qwen-periods", "Qwen3.5-0.8B's config: θ = 1e+07, 64 of 256 dims, 32 pairs; context limit 262144 tokens"},
	} {
		if !strings.Contains(text(c[0]), c[1]) {
			t.Errorf("cell %s lacks %q:\n%s", c[0], c[1], text(c[0]))
		}
	}
	if w := text("worked-example"); number(t, w, `m = 3: \((\S+),`) != number(t, w, `m = 47: \((\S+),`) {
		t.Errorf("pair 0 at 3 and at 47 should point almost the same way:\n%s", w)
	}
	if strings.HasPrefix(text("load"), "tiny:") {
		checkChapter6Tiny(t, text)
	}
}

// ref64 rotates one head in float64 from the spec: pairs (j, j+R/2) turned
// by pos·θ^(−2j/R).
func ref64(x []float32, pos int, theta float64, R int) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	for j := range R / 2 {
		phi := float64(pos) * math.Pow(theta, -2*float64(j)/float64(R))
		a, b := y[j], y[j+R/2]
		y[j], y[j+R/2] = a*math.Cos(phi)-b*math.Sin(phi), b*math.Cos(phi)+a*math.Sin(phi)
	}
	return y
}

// checkChapter6Tiny recomputes what the notebook printed on the embedded
// model: its rotary setup, the shuffle table's weights and the spectrum.
func checkChapter6Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.Load("tiny")
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	R, D, theta := c.RotaryDim, c.HeadDim, c.RopeTheta
	if want := fmt.Sprintf("tiny: θ = %g, %d of the %d dims of each query/key head rotate (factor %.2f): %d pairs", theta, R, D, float64(R)/float64(D), R/2); !strings.Contains(text("config"), want) {
		t.Errorf("config lacks %q:\n%s", want, text("config"))
	}
	last := R/2 - 1
	if want := fmt.Sprintf("slowest (pair %d): every %.4g tokens", last, 2*math.Pi*math.Pow(theta, float64(2*last)/float64(R))); !strings.Contains(text("spectrum"), want) {
		t.Errorf("spectrum lacks %q:\n%s", want, text("spectrum"))
	}

	// The shuffle table: softmax(q·k/√D) of the last query over every key,
	// rotated here in float64, in order and with the first n−1 reversed.
	p := m.MustRun("the cat sat on the mat")
	lc := p.Capture.Layers[c.FullAttentionLayers()[0]]
	n := len(p.IDs)
	weights := func(pos func(i int) int, rotate bool) []float64 {
		qPos := 0 // without RoPE every vector stays at position 0: no rotation
		if rotate {
			qPos = n - 1
		}
		q := ref64(lc.QueryNoRope[n-1][:D], qPos, theta, R)
		s := make([]float64, n)
		for i := range s {
			kPos := 0
			if rotate {
				kPos = pos(i)
			}
			k := ref64(lc.KeyNoRope[i][:D], kPos, theta, R)
			for d := range q {
				s[i] += q[d] * k[d] / math.Sqrt(float64(D))
			}
		}
		return llm.Softmax(s, 1)
	}
	plain := weights(nil, false)
	inOrder := weights(func(i int) int { return i }, true)
	moved := weights(func(i int) int {
		if i == n-1 {
			return i
		}
		return n - 2 - i
	}, true)
	rows := regexp.MustCompile(`(?m)^"[^"]*"\s+\d+\s+\d+\s+(\S+)\s+(\S+)\s+(\S+)$`).FindAllStringSubmatch(text("shuffle"), -1)
	if len(rows) != n {
		t.Fatalf("shuffle table: %d rows, want %d:\n%s", len(rows), n, text("shuffle"))
	}
	for i, r := range rows {
		for k, want := range []float64{plain[i], inOrder[i], moved[i]} {
			if got, _ := strconv.ParseFloat(r[k+1], 64); math.Abs(got-want) > 1e-4 {
				t.Errorf("shuffle row %d column %d: %s, recomputed %.4f", i, k, r[k+1], want)
			}
		}
	}
}
