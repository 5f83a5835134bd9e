package widgets

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// LRSchedule draws a learning-rate schedule (linear warmup, then cosine
// decay, llm.Schedule) with sliders for the warmup, the peak, the floor and
// the length of the run. Logged, if set, are the rates a real run used,
// drawn as dots over the formula's line at the starting settings, and the
// largest gap between them is printed. Without JavaScript the curve and a
// table of rates at a few steps still show.
type LRSchedule struct {
	Title    string
	Schedule llm.Schedule
	Logged   []float64 // the learning rate of each step of a run (Trainer.LRs)
	Note     string
}

func (s LRSchedule) check() error {
	c := s.Schedule
	if c.Total < 1 || c.Total > 100000 || c.Warmup < 0 || c.Warmup > c.Total {
		return fmt.Errorf("widgets: LRSchedule: want 1 ≤ Total ≤ 100000 and 0 ≤ Warmup ≤ Total, got Total %d, Warmup %d", c.Total, c.Warmup)
	}
	if err := finite("widgets: LRSchedule: Peak", c.Peak); err != nil {
		return err
	}
	if err := finite("widgets: LRSchedule: Min", c.Min); err != nil {
		return err
	}
	if !(c.Peak > 0) || c.Min < 0 || c.Min > c.Peak {
		return fmt.Errorf("widgets: LRSchedule: want 0 ≤ Min ≤ Peak and Peak > 0, got Min %g, Peak %g", c.Min, c.Peak)
	}
	if len(s.Logged) > c.Total {
		return fmt.Errorf("widgets: LRSchedule: %d logged rates for a run of %d steps", len(s.Logged), c.Total)
	}
	for i, v := range s.Logged {
		if err := finite(fmt.Sprintf("widgets: LRSchedule: Logged[%d]", i), v); err != nil {
			return err
		}
	}
	return nil
}

func (s LRSchedule) title() string {
	if s.Title == "" {
		return "Learning-rate schedule"
	}
	return s.Title
}

// Gap is the largest |logged − formula| over the logged steps.
func (s LRSchedule) Gap() float64 {
	var g float64
	for i, v := range s.Logged {
		g = math.Max(g, math.Abs(v-s.Schedule.LR(i)))
	}
	return g
}

// marks are the steps the table lists.
func (s LRSchedule) marks() []int {
	c := s.Schedule
	out := []int{0}
	for _, k := range []int{c.Warmup - 1, c.Warmup, c.Warmup + (c.Total-c.Warmup)/2, c.Total - 1} {
		if k > out[len(out)-1] && k < c.Total {
			out = append(out, k)
		}
	}
	return out
}

const schedW, schedH, schedL, schedT = 480, 200, 60, 10

// points is the SVG polyline of the schedule on a y axis from 0 to top.
func schedPoints(c llm.Schedule, top float64) string {
	var b strings.Builder
	for i := 0; i < c.Total; i++ {
		x := schedL + float64(schedW)*float64(i)/float64(max(c.Total-1, 1))
		y := schedT + float64(schedH)*(1-c.LR(i)/top)
		fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
	}
	return strings.TrimSpace(b.String())
}

// HTML renders the schedule with its sliders. The floor's slider holds the
// exact fraction Min/Peak (step "any"), so moving another slider first
// leaves the floor where the Schedule put it.
func (s LRSchedule) HTML() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	c, id := s.Schedule, newID()
	top := 2 * c.Peak
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-schedule" id="%s">%s<h4>%s</h4>`, id, style, esc(s.title()))
	w.WriteString(idf(id, `<div class="ctl"><label for="{id}-w">warmup steps</label><input type="range" id="{id}-w" min="0" max="%d" value="%d"><output>%d</output></div>`, c.Total, c.Warmup, c.Warmup))
	w.WriteString(idf(id, `<div class="ctl"><label for="{id}-p">peak learning rate (slider: 0.1–2 × the start)</label><input type="range" id="{id}-p" min="0.1" max="2" step="0.05" value="1"><output>%s</output></div>`, num(c.Peak, 5)))
	w.WriteString(idf(id, `<div class="ctl"><label for="{id}-m">floor learning rate (slider: fraction of the peak)</label><input type="range" id="{id}-m" min="0" max="1" step="any" value="%s"><output>%s</output></div>`, strconv.FormatFloat(c.Min/c.Peak, 'g', -1, 64), num(c.Min, 5)))
	w.WriteString(idf(id, `<div class="ctl"><label for="{id}-t">steps</label><input type="range" id="{id}-t" min="%d" max="%d" value="%d"><output>%d</output></div>`, max(c.Warmup, 1), 2*c.Total, c.Total, c.Total))
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="learning rate by step">`, schedW+schedL+10, schedH+schedT+30, schedW+schedL+10, schedH+schedT+30)
	fmt.Fprintf(&w, `<text x="2" y="%d" class="note">%s</text><text x="2" y="%d" class="note">0</text>`, schedT+10, num(top, 5), schedT+schedH)
	fmt.Fprintf(&w, `<text x="%d" y="%d" class="note">step → %d</text>`, schedL, schedT+schedH+20, c.Total)
	fmt.Fprintf(&w, `<polyline class="sched" fill="none" stroke="#3366cc" stroke-width="2" points="%s"/>`, schedPoints(c, top))
	for i, v := range s.Logged {
		x := schedL + float64(schedW)*float64(i)/float64(max(c.Total-1, 1))
		fmt.Fprintf(&w, `<circle class="logged" cx="%.1f" cy="%.1f" r="1.6" fill="#dc3912"/>`, x, schedT+float64(schedH)*(1-v/top))
	}
	w.WriteString(`</svg>`)
	if len(s.Logged) > 0 {
		fmt.Fprintf(&w, `<p class="note">dots: the %d rates a run logged; largest gap to the formula at these settings: %s</p>`, len(s.Logged), num(s.Gap(), 3))
	}
	w.WriteString(`<table><thead><tr><th scope="col">step</th><th scope="col">learning rate</th></tr></thead><tbody>`)
	for _, k := range s.marks() {
		fmt.Fprintf(&w, `<tr><td>%d</td><td>%s</td></tr>`, k+1, num(c.LR(k), 6))
	}
	w.WriteString(`</tbody></table>`)
	if s.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(s.Note))
	}
	data := map[string]any{"peak": c.Peak, "top": top, "w": schedW, "h": schedH, "l": schedL, "t": schedT}
	w.WriteString(script(id, jsonData(data), schedJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

// schedJS recomputes train.Schedule.LR for every step and redraws the line.
const schedJS = `var ins=qa(r,"input[type=range]"),outs=qa(r,"output"),line=q(r,"polyline.sched");
function lr(k,P,M,W,T){if(k<W)return P*(k+1)/W;if(T<=W)return P;if(k>=T)return M;var p=(k-W)/(T-W);return M+(P-M)*0.5*(1+Math.cos(Math.PI*p));}
function draw(){var W=+ins[0].value,P=D.peak*ins[1].value,M=P*ins[2].value,T=Math.max(+ins[3].value,W,1);
outs[0].textContent=W;outs[1].textContent=fmtN(P,5);outs[2].textContent=fmtN(M,5);outs[3].textContent=T;
var pts=[];for(var k=0;k<T;k++){pts.push((D.l+D.w*k/Math.max(T-1,1)).toFixed(1)+","+(D.t+D.h*(1-lr(k,P,M,W,T)/D.top)).toFixed(1));}
line.setAttribute("points",pts.join(" "));}
ins.forEach(function(i){i.addEventListener("input",draw);});`

// Text renders the schedule as a table of rates at a few steps.
func (s LRSchedule) Text() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	c := s.Schedule
	var b strings.Builder
	fmt.Fprintf(&b, "%s: warmup %d, peak %s, floor %s, %d steps\n", s.title(), c.Warmup, num(c.Peak, 5), num(c.Min, 5), c.Total)
	b.WriteString(row([]string{"step", "learning rate"}, 6, 14))
	for _, k := range s.marks() {
		b.WriteString(row([]string{fmt.Sprint(k + 1), num(c.LR(k), 6)}, 6, 14))
	}
	if len(s.Logged) > 0 {
		fmt.Fprintf(&b, "%d logged rates; largest gap to the formula: %s\n", len(s.Logged), num(s.Gap(), 3))
	}
	if s.Note != "" {
		b.WriteString(s.Note + "\n")
	}
	return b.String(), nil
}

// OverSteps is LossCurve with another value axis: per-step series of a
// training run such as gradient norms or weight norms.
func OverSteps(title, ylabel string, series ...Series) LineChart {
	c := LossCurve(title, series...)
	c.YLabel = ylabel
	return c
}
