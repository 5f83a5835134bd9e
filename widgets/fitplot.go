package widgets

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// Point is one example (x, y): llm.Point.
type Point = llm.Point

// FitStep is the line y = A·x + B after Step steps of gradient descent and
// its mean squared error Loss: llm.FitStep.
type FitStep = llm.FitStep

// FitPlot is the "two knobs" view: a scatter of points, the line
// y = a·x + b with a slider for each knob and a live mean squared error, the
// gradient-descent trajectory to step through (each step puts the knobs
// where descent had them) and the loss curve with the current step marked.
// Without JavaScript it shows the points, the last line and the loss curve.
//
// Loss is the mean squared error mean((a·x + b − y)²); steps whose Loss is
// 0 get it computed, others must agree with it.
type FitPlot struct {
	Title  string
	Points []Point
	Steps  []FitStep // optional trajectory, in order
	A, B   float64   // the line shown when Steps is empty
}

// plot geometry, in pixels.
const (
	plotW, plotH = 360, 240
	plotL, plotT = 44, 10
	lossW, lossH = 260, 140
	lossL, lossT = 50, 10
	knobS        = 150 // the square (a, b) knob-space plot
	knobL, knobT = 44, 10
	plotPad      = 0.08 // margin around the data, as a fraction of its range
)

// maxStep bounds the trajectory length (thin longer ones).
const maxStep = 10000

func (f FitPlot) check() ([]FitStep, error) {
	if len(f.Points) < 2 {
		return nil, fmt.Errorf("widgets: FitPlot: %d points: want at least 2", len(f.Points))
	}
	if len(f.Points) > 10*maxRows {
		return nil, fmt.Errorf("widgets: FitPlot: %d points: want at most %d", len(f.Points), 10*maxRows)
	}
	for i, p := range f.Points {
		if err := finite(fmt.Sprintf("widgets: FitPlot: point %d x", i), p.X); err != nil {
			return nil, err
		}
		if err := finite(fmt.Sprintf("widgets: FitPlot: point %d y", i), p.Y); err != nil {
			return nil, err
		}
	}
	if len(f.Steps) > maxStep {
		return nil, fmt.Errorf("widgets: FitPlot: %d steps: want at most %d (thin the trajectory)", len(f.Steps), maxStep)
	}
	steps := make([]FitStep, len(f.Steps))
	for i, s := range f.Steps {
		for _, v := range []struct {
			n string
			v float64
		}{{"a", s.A}, {"b", s.B}, {"loss", s.Loss}} {
			if err := finite(fmt.Sprintf("widgets: FitPlot: step %d %s", i, v.n), v.v); err != nil {
				return nil, err
			}
		}
		m := llm.MSE(f.Points, s.A, s.B)
		if s.Loss == 0 {
			s.Loss = m
		} else if math.Abs(s.Loss-m) > 1e-6*(1+m) {
			return nil, fmt.Errorf("widgets: FitPlot: step %d: loss %g, but the mean squared error of a = %g, b = %g is %g", i, s.Loss, s.A, s.B, m)
		}
		steps[i] = s
	}
	if len(steps) == 0 {
		if err := finite("widgets: FitPlot: a", f.A); err != nil {
			return nil, err
		}
		if err := finite("widgets: FitPlot: b", f.B); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// span returns a padded [lo, hi] around vs.
func span(vs ...float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	d := hi - lo
	if d == 0 {
		d = math.Max(1, math.Abs(lo))
	}
	return lo - plotPad*d, hi + plotPad*d
}

// HTML renders the plot.
func (f FitPlot) HTML() (string, error) {
	steps, err := f.check()
	if err != nil {
		return "", err
	}
	id := newID()
	title := f.Title
	if title == "" {
		title = "Two knobs, fitted to examples: y = a·x + b"
	}
	xs, ys := make([]float64, len(f.Points)), make([]float64, len(f.Points))
	for i, p := range f.Points {
		xs[i], ys[i] = p.X, p.Y
	}
	x0, x1 := span(xs...)
	y0, y1 := span(ys...)
	oa, ob := llm.LeastSquares(f.Points)
	a, b := f.A, f.B
	cur := len(steps) - 1
	if cur >= 0 {
		a, b = steps[cur].A, steps[cur].B
	}
	// Knob ranges: wide enough for the trajectory, the best fit and ±1.
	kA, kB := []float64{oa, a, 1, -1}, []float64{ob, b, 1, -1}
	for _, s := range steps {
		kA, kB = append(kA, s.A), append(kB, s.B)
	}
	aLo, aHi := span(kA...)
	bLo, bHi := span(kB...)
	sx := func(x float64) float64 { return plotL + (x-x0)/(x1-x0)*plotW }
	sy := func(y float64) float64 { return plotT + (y1-y)/(y1-y0)*plotH }

	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-fit" id="%s">%s<h4>%s</h4>`, id, style, esc(title))
	w.WriteString(`<div class="ctl">`)
	w.WriteString(idf(id, `<label for="{id}-a">slope a</label><input type="range" id="{id}-a" min="%.6g" max="%.6g" step="%.6g" value="%.6g">`, aLo, aHi, (aHi-aLo)/200, a))
	w.WriteString(idf(id, `<label for="{id}-b">intercept b</label><input type="range" id="{id}-b" min="%.6g" max="%.6g" step="%.6g" value="%.6g">`, bLo, bHi, (bHi-bLo)/200, b))
	w.WriteString(idf(id, `<output id="{id}-ab" aria-live="polite">a = %s, b = %s, loss (MSE) = %s</output></div>`, num(a, 3), num(b, 3), num(llm.MSE(f.Points, a, b), 4)))
	if len(steps) > 0 {
		w.WriteString(`<div class="ctl">`)
		w.WriteString(idf(id, `<label for="{id}-s">gradient-descent step</label><input type="range" id="{id}-s" min="0" max="%d" step="1" value="%d">`, len(steps)-1, cur))
		for _, bt := range [][2]string{{"back", "◀ Back"}, {"next", "Step ▶"}, {"play", "Play"}, {"reset", "Reset"}} {
			w.WriteString(idf(id, `<button type="button" id="{id}-%s">%s</button>`, bt[0], bt[1]))
		}
		w.WriteString(idf(id, `<output id="{id}-sv">step %d of %d</output></div>`, steps[cur].Step, steps[len(steps)-1].Step))
	}
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="scatter of %d points and the line y = a·x + b">`, plotL+plotW+10, plotT+plotH+30, len(f.Points))
	axes(&w, plotL, plotT, plotW, plotH, x0, x1, y0, y1, "x", "y", 2)
	for _, p := range f.Points {
		fmt.Fprintf(&w, `<circle cx="%.1f" cy="%.1f" r="3" fill="currentColor" fill-opacity="0.6"></circle>`, sx(p.X), sy(p.Y))
	}
	// The line, clipped to the plot box by hand (a nested <svg> would be
	// resized by notebook stylesheets that set svg { height: auto }).
	la, lb := clipLine(a, b, x0, x1, y0, y1)
	ya, yb := a*la+b, a*lb+b
	if la == lb { // misses the box: an invisible zero-length line in a corner
		ya, yb = y0, y0
	}
	fmt.Fprintf(&w, `<line class="fit" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#3b82f6" stroke-width="2"></line></svg>`,
		sx(la), sy(ya), sx(lb), sy(yb))
	if len(steps) > 0 {
		lmax := 0.0
		for _, s := range steps {
			lmax = max(lmax, s.Loss)
		}
		if lmax == 0 {
			lmax = 1
		}
		first, last := float64(steps[0].Step), float64(steps[len(steps)-1].Step)
		if last == first {
			last = first + 1
		}
		lx := func(s float64) float64 { return lossL + (s-first)/(last-first)*lossW }
		ly := func(l float64) float64 { return lossT + (1-l/lmax)*lossH }
		fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="loss curve over %d steps">`, lossL+lossW+10, lossT+lossH+30, len(steps))
		axes(&w, lossL, lossT, lossW, lossH, first, last, 0, lmax, "step", "loss", 0)
		w.WriteString(`<polyline fill="none" stroke="#3b82f6" stroke-width="1.5" points="`)
		for _, s := range steps {
			fmt.Fprintf(&w, "%.1f,%.1f ", lx(float64(s.Step)), ly(s.Loss))
		}
		fmt.Fprintf(&w, `"></polyline><circle class="mark" cx="%.1f" cy="%.1f" r="4" fill="#f59e0b"></circle></svg>`, lx(float64(steps[cur].Step)), ly(steps[cur].Loss))
	}
	// Knob space: the descent's path through (a, b), the best knobs and
	// where the sliders are now.
	kx := func(v float64) float64 { return knobL + (v-aLo)/(aHi-aLo)*knobS }
	ky := func(v float64) float64 { return knobT + (bHi-v)/(bHi-bLo)*knobS }
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="knob space: the path of (a, b) during descent and the best knobs">`, knobL+knobS+10, knobT+knobS+30)
	axes(&w, knobL, knobT, knobS, knobS, aLo, aHi, bLo, bHi, "slope a", "b", 2)
	if len(steps) > 1 {
		w.WriteString(`<polyline fill="none" stroke="currentColor" stroke-opacity="0.5" stroke-width="1" points="`)
		for _, s := range steps {
			fmt.Fprintf(&w, "%.1f,%.1f ", kx(s.A), ky(s.B))
		}
		w.WriteString(`"></polyline>`)
	}
	fmt.Fprintf(&w, `<circle class="best" cx="%.1f" cy="%.1f" r="4" fill="#16a34a"><title>best: a = %s, b = %s</title></circle>`, kx(oa), ky(ob), num(oa, 3), num(ob, 3))
	fmt.Fprintf(&w, `<circle class="knob" cx="%.1f" cy="%.1f" r="4" fill="#f59e0b"><title>the sliders</title></circle></svg>`, kx(a), ky(b))
	if len(steps) > 0 {
		w.WriteString(`<table><thead><tr><th scope="col">step</th><th scope="col">a</th><th scope="col">b</th><th scope="col">loss (MSE)</th></tr></thead><tbody>`)
		for _, i := range sampleIdx(len(steps), 6) {
			s := steps[i]
			fmt.Fprintf(&w, `<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>`, s.Step, num(s.A, 3), num(s.B, 3), num(s.Loss, 4))
		}
		w.WriteString(`</tbody></table>`)
	}
	fmt.Fprintf(&w, `<p class="note">Best possible line (least squares): a = %s, b = %s, loss = %s.</p>`, num(oa, 3), num(ob, 3), num(llm.MSE(f.Points, oa, ob), 4))
	type pt = [2]float64
	ps := make([]pt, len(f.Points))
	for i, p := range f.Points {
		ps[i] = pt{p.X, p.Y}
	}
	ss := make([][4]float64, len(steps))
	for i, s := range steps {
		ss[i] = [4]float64{float64(s.Step), s.A, s.B, s.Loss}
	}
	var geo map[string]any
	if len(steps) > 0 {
		first, last := float64(steps[0].Step), float64(steps[len(steps)-1].Step)
		lmax := 0.0
		for _, s := range steps {
			lmax = max(lmax, s.Loss)
		}
		geo = map[string]any{"f": first, "l": math.Max(last, first+1), "m": math.Max(lmax, 1e-300)}
	}
	w.WriteString(script(id, jsonData(map[string]any{"p": ps, "s": ss, "x": []float64{x0, x1, y0, y1}, "g": geo,
		"k": []float64{aLo, aHi, bLo, bHi}, "d": []int{plotL, plotT, plotW, plotH, lossL, lossT, lossW, lossH, knobL, knobT, knobS}}), fitJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

// clipLine returns the x range [lo, hi] over which the line y = a·x + b
// lies inside the box [x0, x1]×[y0, y1]; lo = hi when it misses the box.
func clipLine(a, b, x0, x1, y0, y1 float64) (lo, hi float64) {
	if a == 0 {
		if b < y0 || b > y1 {
			return x0, x0
		}
		return x0, x1
	}
	xa, xb := (y0-b)/a, (y1-b)/a
	lo, hi = max(x0, min(xa, xb)), min(x1, max(xa, xb))
	if lo > hi {
		return x0, x0
	}
	return lo, hi
}

// sampleIdx returns up to n indices spread over [0, total), first and last included.
func sampleIdx(total, n int) []int {
	if total <= n {
		out := make([]int, total)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, n)
	for i := range out {
		out[i] = i * (total - 1) / (n - 1)
	}
	return out
}

// axes draws the frame and the end labels of a plot area.
func axes(w *strings.Builder, l, t, wd, ht int, x0, x1, y0, y1 float64, xl, yl string, xd int) {
	fmt.Fprintf(w, `<g stroke="currentColor" stroke-opacity="0.5"><line x1="%d" y1="%d" x2="%d" y2="%d"></line><line x1="%d" y1="%d" x2="%d" y2="%d"></line></g>`,
		l, t+ht, l+wd, t+ht, l, t, l, t+ht)
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="start">%s</text><text x="%d" y="%d" text-anchor="end">%s</text><text x="%d" y="%d" text-anchor="middle">%s</text>`,
		l, t+ht+14, num(x0, xd), l+wd, t+ht+14, num(x1, xd), l+wd/2, t+ht+26, esc(xl))
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s</text><text x="%d" y="%d" text-anchor="end">%s</text><text x="%d" y="%d" text-anchor="end">%s</text>`,
		l-4, t+ht, num(y0, 2), l-4, t+10, num(y1, 2), l-4, t+ht/2, esc(yl))
}

const fitJS = `var A=q(r,"input[id$='-a']"),B=q(r,"input[id$='-b']"),S=q(r,"input[id$='-s']"),out=q(r,"output[id$='-ab']"),ln=q(r,"line.fit"),d=D.d,x=D.x,timer=null,play=q(r,"button[id$='-play']");
function sx(v){return d[0]+(v-x[0])/(x[1]-x[0])*d[2];}function sy(v){return d[1]+(x[3]-v)/(x[3]-x[2])*d[3];}
function mse(a,b){var s=0;D.p.forEach(function(p){var e=a*p[0]+b-p[1];s+=e*e;});return s/D.p.length;}
function clip(a,b){if(a===0)return b<x[2]||b>x[3]?[x[0],x[0]]:[x[0],x[1]];var p=(x[2]-b)/a,q=(x[3]-b)/a,lo=Math.max(x[0],Math.min(p,q)),hi=Math.min(x[1],Math.max(p,q));return lo>hi?[x[0],x[0]]:[lo,hi];}
function draw(a,b){var c=clip(a,b),ya=a*c[0]+b,yb=a*c[1]+b;if(c[0]===c[1]){ya=x[2];yb=x[2];}ln.setAttribute("x1",sx(c[0]).toFixed(1));ln.setAttribute("y1",sy(ya).toFixed(1));ln.setAttribute("x2",sx(c[1]).toFixed(1));ln.setAttribute("y2",sy(yb).toFixed(1));
var kn=q(r,"circle.knob"),k=D.k;kn.setAttribute("cx",(d[8]+(a-k[0])/(k[1]-k[0])*d[10]).toFixed(1));kn.setAttribute("cy",(d[9]+(k[3]-b)/(k[3]-k[2])*d[10]).toFixed(1));
out.textContent="a = "+fmtN(a,3)+", b = "+fmtN(b,3)+", loss (MSE) = "+fmtN(mse(a,b),4);}
function knobs(){draw(+A.value,+B.value);}
A.addEventListener("input",knobs);B.addEventListener("input",knobs);
if(S){var n=D.s.length,g=D.g,mk=q(r,"circle.mark");
function at(i){i=Math.max(0,Math.min(n-1,i));S.value=i;var s=D.s[i];A.value=s[1];B.value=s[2];draw(s[1],s[2]);
mk.setAttribute("cx",(d[4]+(s[0]-g.f)/(g.l-g.f)*d[6]).toFixed(1));mk.setAttribute("cy",(d[5]+(1-s[3]/g.m)*d[7]).toFixed(1));
q(r,"output[id$='-sv']").textContent="step "+s[0]+" of "+D.s[n-1][0];if(i===n-1)stop();}
function stop(){if(timer){clearInterval(timer);timer=null;}play.textContent="Play";play.setAttribute("aria-pressed","false");}
S.addEventListener("input",function(){stop();at(+S.value);});
q(r,"button[id$='-next']").addEventListener("click",function(){stop();at(+S.value+1);});
q(r,"button[id$='-back']").addEventListener("click",function(){stop();at(+S.value-1);});
q(r,"button[id$='-reset']").addEventListener("click",function(){stop();at(0);});
play.setAttribute("aria-pressed","false");
play.addEventListener("click",function(){if(timer){stop();return;}if(+S.value>=n-1)at(0);play.textContent="Pause";play.setAttribute("aria-pressed","true");timer=setInterval(function(){at(+S.value+1);},Math.max(30,3000/n));});}`

// Text renders the fit as a small table.
func (f FitPlot) Text() (string, error) {
	steps, err := f.check()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	title := f.Title
	if title == "" {
		title = "Two knobs, fitted to examples: y = a·x + b"
	}
	fmt.Fprintf(&b, "%s (%d points)\n", title, len(f.Points))
	if len(steps) == 0 {
		fmt.Fprintf(&b, "a = %s, b = %s, loss (MSE) = %s\n", num(f.A, 3), num(f.B, 3), num(llm.MSE(f.Points, f.A, f.B), 4))
	} else {
		fmt.Fprintf(&b, "%6s %10s %10s %12s\n", "step", "a", "b", "loss (MSE)")
		for _, i := range sampleIdx(len(steps), 6) {
			s := steps[i]
			fmt.Fprintf(&b, "%6d %10s %10s %12s\n", s.Step, num(s.A, 3), num(s.B, 3), num(s.Loss, 4))
		}
	}
	oa, ob := llm.LeastSquares(f.Points)
	fmt.Fprintf(&b, "least squares: a = %s, b = %s, loss = %s\n", num(oa, 3), num(ob, 3), num(llm.MSE(f.Points, oa, ob), 4))
	return b.String(), nil
}
