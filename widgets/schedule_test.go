package widgets_test

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// warmupCosine is the schedule written out from its definition.
func warmupCosine(k int, peak, floor float64, warmup, total int) float64 {
	if k < warmup {
		return peak * float64(k+1) / float64(warmup)
	}
	return floor + (peak-floor)*(1+math.Cos(math.Pi*float64(k-warmup)/float64(total-warmup)))/2
}

// The drawn line is the schedule: each point's height, read back from the
// SVG, is the rate of its step within the rounding of the drawing.
func TestLRScheduleLine(t *testing.T) {
	c := llm.Schedule{Peak: 3e-3, Min: 3e-4, Warmup: 10, Total: 60}
	logged := make([]float64, 60)
	for k := range logged {
		logged[k] = warmupCosine(k, 3e-3, 3e-4, 10, 60)
	}
	logged[7] += 1e-4
	s := widgets.LRSchedule{Schedule: c, Logged: logged}
	h, err := s.HTML()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<polyline class="sched"[^>]*points="([^"]*)"`).FindStringSubmatch(h)
	if m == nil {
		t.Fatal("no schedule line")
	}
	pts := strings.Fields(m[1])
	if len(pts) != 60 {
		t.Fatalf("%d points for 60 steps", len(pts))
	}
	for k, p := range pts {
		y, err := strconv.ParseFloat(strings.Split(p, ",")[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		lr := (1 - (y-10)/200) * 2 * 3e-3 // the axis runs from 0 (bottom) to twice the peak
		if want := warmupCosine(k, 3e-3, 3e-4, 10, 60); math.Abs(lr-want) > 0.06*3e-3/200*2 {
			t.Errorf("step %d: drawn %g, want %g", k+1, lr, want)
		}
	}
	if g := s.Gap(); math.Abs(g-1e-4) > 1e-12 {
		t.Errorf("Gap %g, want 1e-4 (the one perturbed step)", g)
	}
	for _, want := range []string{`class="llmw llmw-schedule"`, `type="range"`, "largest gap", "<script>"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	txt, err := s.Text()
	if err != nil {
		t.Fatal(err)
	}
	// Step 10 (the last warmup step) reaches the peak; the last step is near the floor.
	if !regexp.MustCompile(`(?m)^ +10 +0\.003000$`).MatchString(txt) {
		t.Errorf("text form lacks the peak at step 10:\n%s", txt)
	}
}

// The sliders start at the schedule's own settings: the floor's slider holds
// Min/Peak exactly (not rounded to a slider step, which would move the floor
// as soon as another slider is touched), and the labels say that the outputs
// are learning rates.
func TestLRScheduleSliders(t *testing.T) {
	c := llm.Schedule{Peak: 3e-4, Min: 1e-5, Warmup: 200, Total: 2000}
	h, err := (widgets.LRSchedule{Schedule: c}).HTML()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`id="[^"]*-m" min="0" max="1" step="any" value="([^"]*)"`).FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("no floor slider with step any in:\n%s", h)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f*c.Peak, c.Min; math.Abs(got-want) > 1e-15 {
		t.Errorf("floor slider %s × peak = %g, want the floor %g", m[1], got, want)
	}
	for _, want := range []string{">peak learning rate (slider: 0.1–2 × the start)<", ">floor learning rate (slider: fraction of the peak)<"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks label %q", want)
		}
	}
}

func TestLRScheduleBadInput(t *testing.T) {
	for _, c := range []llm.Schedule{
		{Peak: 0, Total: 10}, {Peak: 1, Min: 2, Total: 10}, {Peak: 1, Total: 0}, {Peak: 1, Warmup: 11, Total: 10}, {Peak: math.NaN(), Total: 10},
	} {
		if _, err := (widgets.LRSchedule{Schedule: c}).HTML(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	s := widgets.LRSchedule{Schedule: llm.Schedule{Peak: 1, Total: 2}, Logged: []float64{1, 1, 1}}
	if _, err := s.Text(); err == nil {
		t.Error("3 logged rates for 2 steps: no error")
	}
}

func TestOverSteps(t *testing.T) {
	c := widgets.OverSteps("loss", "nats", widgets.Series{Name: "a", Values: []float64{3, 2, 1}}, widgets.Series{Name: "b", Values: []float64{3, 1, 0.5}})
	if strings.Join(c.X, ",") != "1,2,3" || c.Title != "loss" || len(c.Series) != 2 {
		t.Errorf("OverSteps: %+v", c)
	}
	if _, err := widgets.OverSteps("x", "y", widgets.Series{Name: "a", Values: []float64{1, 2}}, widgets.Series{Name: "b", Values: []float64{1}}).HTML(); err == nil {
		t.Error("series of different lengths: no error")
	}
}
