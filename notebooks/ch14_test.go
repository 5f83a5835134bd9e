package notebooks

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/train"
)

// widgetsOfChapter14 are the widget kinds chapter 14 must show.
var widgetsOfChapter14 = []string{"llmw-ribbon", "llmw-schedule", "llmw-lines", "llmw-quiz"}

// chapter14Recipe is the notebook's recipe (its var recipe in the load cell).
var chapter14Recipe = train.Options{Steps: 60, Batch: 4, SeqLen: 48, LR: 2e-2, MinLR: 2e-3, Warmup: 8, Clip: 1, WeightDecay: 0.1, Seed: 1}

// TestChapter14 checks the executed chapter 14: every cell ran, every
// widget is there, and the numbers it printed match runs and sums redone
// here: the same seeded micro-model runs, the schedule formula, the
// parameter counts of the configs, and a least-squares fit of the printed
// points. Like TestChapter3 it reads the copy in LLM_EXECUTED_NOTEBOOKS
// when set, and otherwise runs the notebook through the course kernel.
func TestChapter14(t *testing.T) {
	nb := executed(t, "14-scaling.ipynb")
	checkOutputs(t, nb, 14, widgetsOfChapter14, 0)
	text := textOf(t, nb)
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s: notebook printed %g, recomputed %g", what, got, want)
		}
	}

	// The data and the seeded runs, redone here.
	text14 := strings.Join(llm.SampleTexts(), " ")
	chars := train.NewChars(text14)
	ids := chars.MustEncode(text14)
	cut := len(ids) * 9 / 10
	near("alphabet", number(t, text("data"), `an alphabet of (\d+)`), float64(chars.Len()), 0)
	run := func(o train.Options) *train.Trainer[float32] {
		return train.MustMicro(ids[:cut], chars.Len(), o).MustRun(o.Steps)
	}
	r := chapter14Recipe
	base := run(r)
	held := train.Windows(ids[cut:], r.SeqLen, 0)

	// The schedule: the logged rates are the formula's.
	s := text("schedule")
	near("gap between logged and formula", number(t, s, `largest gap to the formula: ([0-9.e+-]+)\n`), 0, 0)
	sched := base.Schedule()
	near("lr at step 1", number(t, s, `step 1: ([0-9.e+-]+),`), r.LR/float64(r.Warmup), 1e-9)
	near("lr at the peak", number(t, s, `step 8: ([0-9.e+-]+) \(peak\)`), sched.LR(r.Warmup-1), 1e-9)
	near("last lr", number(t, s, `last: ([0-9.e+-]+)`), r.MinLR+(r.LR-r.MinLR)*(1+math.Cos(math.Pi*float64(r.Steps-1-r.Warmup)/float64(r.Steps-r.Warmup)))/2, 1e-6)

	// Warmup: the first losses of the pair at peak 0.1, and the held-out
	// losses and counts of the seeded pairs, redone here.
	hot, cold := r, r
	hot.LR, cold.LR, cold.Warmup = 0.1, 0.1, 0
	for _, c := range []struct {
		re string
		o  train.Options
	}{{`steps 1–5, warmup 8: \[([0-9.]+) ([0-9.]+) ([0-9.]+)`, hot}, {`steps 1–5, no warmup: \[([0-9.]+) ([0-9.]+) ([0-9.]+)`, cold}} {
		m := regexp.MustCompile(c.re).FindStringSubmatch(text("warmup"))
		if m == nil {
			t.Errorf("warmup: no match for %s in:\n%s", c.re, text("warmup"))
			continue
		}
		curve := run(c.o).Curve()
		for k := 1; k <= 3; k++ {
			v, _ := strconv.ParseFloat(m[k], 64)
			near(fmt.Sprintf("%s: step %d", c.re, k), v, curve[k-1], 1e-3)
		}
	}
	w := text("warmup-seeds")
	for _, lr := range []float64{r.LR, 0.1} {
		wins := 0
		for seed := uint64(1); seed <= 3; seed++ {
			with, without := r, r
			with.LR, with.Seed = lr, seed
			without.LR, without.Seed, without.Warmup = lr, seed, 0
			a, b := train.MustMeanLoss(run(with).Model, held), train.MustMeanLoss(run(without).Model, held)
			label := regexp.QuoteMeta(fmt.Sprintf("peak %-4g seed %d", lr, seed))
			near(label+" with warmup", number(t, w, label+`: held-out loss ([0-9.]+) with`), a, 1e-3)
			near(label+" without", number(t, w, label+`: .* with warmup, ([0-9.]+) without`), b, 1e-3)
			if a < b {
				wins++
			}
		}
		if want := fmt.Sprintf("at peak %g, warmup ended lower in %d of 3 seeds", lr, wins); !strings.Contains(w, want) {
			t.Errorf("warmup-seeds lacks %q:\n%s", want, w)
		}
	}

	// Clipping: one spiked step in two runs, redone here.
	spiky := r
	spiky.SpikeStep, spiky.SpikeScale = 25, 100
	unclipped := spiky
	unclipped.Clip = 0
	a, b := run(spiky), run(unclipped)
	c := text("clip")
	clipped := 0
	for _, g := range a.GradNorms() {
		if g > r.Clip {
			clipped++
		}
	}
	near("steps clipped", number(t, c, `the limit was hit on (\d+) of`), float64(clipped), 0)
	near("spiked norm", number(t, c, `step 25: ‖g‖ = ([0-9.]+) before`), a.GradNorms()[24], 0.05)
	near("final loss clipped", number(t, c, `clip 1: .* final ([0-9.]+),`), a.Curve()[r.Steps-1], 1e-3)
	near("final loss unclipped", number(t, c, `clip 0: .* final ([0-9.]+),`), b.Curve()[r.Steps-1], 1e-3)
	near("worst after the spike, unclipped", number(t, c, `clip 0: worst loss of steps 26–35 ([0-9.]+)`), slices.Max(b.Curve()[25:35]), 1e-3)
	near("first losses", number(t, s, `first five steps \[([0-9.]+) `), base.Curve()[0], 1e-3)

	// Weight decay shrinks the decayed weights relative to the same run without it.
	d := text("decay")
	dec, plain := number(t, d, `= ([0-9.]+) with decay`), number(t, d, `, ([0-9.]+) without`)
	if !(dec < plain) {
		t.Errorf("weight decay: ‖W‖ %g with decay, %g without: want smaller with", dec, plain)
	}

	// The recipe arithmetic and the ladder from the configs.
	near("tokens per step", number(t, text("recipe"), `tokens per step: (\d+)`), 512*8192, 0)
	l := text("ladder")
	qwen := float64(llm.Qwen35Config().Params().TextVision)
	near("Qwen3.5-0.8B N", number(t, l, `Qwen3.5-0.8B, published config +N +([0-9.e+]+)`), qwen, 0.005*qwen)
	near("Qwen3.5-0.8B 20·N", number(t, l, `Qwen3.5-0.8B, published config +N +[0-9.e+]+ +20·N +([0-9.e+]+)`), 20*qwen, 0.005*20*qwen)
	micro := float64(len(base.Model.Params))
	near("micro N", number(t, l, `micro model \(this chapter\) +N +([0-9.e+]+)`), micro, 0.005*micro)

	// The scaling law: the printed sizes are the widths' parameter counts,
	// and the exponent is the least-squares slope of the printed points.
	law := text("law")
	pts := regexp.MustCompile(`N = +(\d+): held-out loss ([0-9.]+) nats`).FindAllStringSubmatch(law, -1)
	if len(pts) != 4 {
		t.Fatalf("law: %d points printed, want 4:\n%s", len(pts), law)
	}
	var lx, ly []float64
	for i, h := range []int{8, 16, 32, 48} {
		n, _ := strconv.ParseFloat(pts[i][1], 64)
		y, _ := strconv.ParseFloat(pts[i][2], 64)
		near("N of width "+strconv.Itoa(h), n, float64(len(train.NewModel[float32](train.MicroWidth(chars.Len(), h), 1).Params)), 0)
		lx, ly = append(lx, math.Log(n)), append(ly, math.Log(y))
	}
	var mx, my, sxy, sxx float64
	for i := range lx {
		mx, my = mx+lx[i]/4, my+ly[i]/4
	}
	for i := range lx {
		sxy += (lx[i] - mx) * (ly[i] - my)
		sxx += (lx[i] - mx) * (lx[i] - mx)
	}
	near("fitted exponent", number(t, law, `N\^−([0-9.]+)`), -sxy/sxx, 2e-4)
}
