package widgets

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// Clocks draws rotary pairs as clock hands: pair j of a query or key is
// turned by m·ω_j radians at token position m, with ω_j = θ^(−2j/Dim), so
// a fast pair (j = 0, one radian per token) spins while a slow one barely
// leaves 3 o'clock. Sliders set the position m and the base θ; a button
// sweeps m from 0 to MaxPosition. Below, a strip gives each pair's turns at
// a few far positions (how well it tells them apart). Without JavaScript
// the clocks and the strip show the initial position and θ.
type Clocks struct {
	Title string
	Rope  llm.Rope // the rotated dims and the initial θ (Model.Rope)
	Pairs []int    // the pairs to draw, e.g. 0 (fastest) and 28 (slow)
	// Position is the initial m; MaxPosition the slider's end (0: 100).
	Position, MaxPosition int
	// Marks are the positions of the strip (nil: 1, 16, 256, 4096, 65536).
	Marks []int
	Note  string
}

// Angle returns pair j's angle in radians at position m for base theta:
// m·theta^(−2j/Dim), in float64 as the widget's script computes it.
func (c Clocks) Angle(j, m int, theta float64) float64 {
	return float64(m) * math.Pow(theta, -2*float64(j)/float64(c.Rope.Dim))
}

func (c Clocks) maxPos() int {
	if c.MaxPosition == 0 {
		return 100
	}
	return c.MaxPosition
}

func (c Clocks) marks() []int {
	if c.Marks == nil {
		return []int{1, 16, 256, 4096, 65536}
	}
	return c.Marks
}

// thetaRange is the θ slider's span in log10: 1e3 … 1e7, widened to hold θ.
func (c Clocks) thetaRange() (lo, hi float64) {
	t := math.Log10(c.Rope.Theta)
	return min(3, math.Floor(t)), max(7, math.Ceil(t))
}

func (c Clocks) check() error {
	r := c.Rope
	if r.Dim <= 0 || r.Dim%2 != 0 || !(r.Theta > 1) || math.IsInf(r.Theta, 0) {
		return fmt.Errorf("widgets: Clocks: rope of %d dims, θ = %v: want an even number of dims and θ > 1 (use Model.Rope)", r.Dim, r.Theta)
	}
	if len(c.Pairs) == 0 || len(c.Pairs) > 6 {
		return fmt.Errorf("widgets: Clocks: %d pairs: want 1 to 6", len(c.Pairs))
	}
	for _, j := range c.Pairs {
		if j < 0 || j >= r.Dim/2 {
			return fmt.Errorf("widgets: Clocks: pair %d: the rope has pairs 0 to %d", j, r.Dim/2-1)
		}
	}
	if c.MaxPosition < 0 || c.Position < 0 || c.Position > c.maxPos() || c.maxPos() > 1<<20 {
		return fmt.Errorf("widgets: Clocks: position %d, max %d: want 0 ≤ position ≤ max ≤ %d", c.Position, c.maxPos(), 1<<20)
	}
	if len(c.marks()) > 8 {
		return fmt.Errorf("widgets: Clocks: %d marks: want at most 8", len(c.marks()))
	}
	for _, m := range c.marks() {
		if m < 0 {
			return fmt.Errorf("widgets: Clocks: mark %d: want positions ≥ 0", m)
		}
	}
	return nil
}

// thetaLabel writes θ as the script does: "1e7", or "3.16e5" between powers of ten.
func thetaLabel(theta float64) string {
	t := math.Log10(theta)
	if r := math.Round(t); math.Abs(t-r) < 1e-9 {
		return "1e" + strconv.Itoa(int(r))
	}
	f := math.Floor(t)
	return strconv.FormatFloat(math.Pow(10, t-f), 'f', 2, 64) + "e" + strconv.Itoa(int(f))
}

const clockR, clockBox = 48, 120

// hand returns the end of a hand at angle phi (counter-clockwise from 3 o'clock).
func hand(phi float64) (x, y float64) {
	return clockBox/2 + clockR*math.Cos(phi), clockBox/2 - clockR*math.Sin(phi)
}

// readout is the line under clock j: its angle at m and its speed.
func (c Clocks) readout(j, m int, theta float64) string {
	phi := c.Angle(j, m, theta)
	w := c.Angle(j, 1, theta)
	return fmt.Sprintf("m·ω = %s rad = %s turns · ω = %s rad/token · one turn every %s tokens",
		num(phi, 3), num(phi/(2*math.Pi), 3), num(w, 3), num(2*math.Pi/w, 1))
}

func (c Clocks) title() string {
	if c.Title == "" {
		return "Rotary pairs as clock hands"
	}
	return c.Title
}

// HTML renders the clocks.
func (c Clocks) HTML() (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	id := newID()
	lo, hi := c.thetaRange()
	lt := math.Log10(c.Rope.Theta)
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-clocks" id="%s">%s<h4>%s</h4>`, id, style, esc(c.title()))
	w.WriteString(idf(id, `<div class="ctl"><label for="{id}-m">Token position m</label><input type="range" id="{id}-m" min="0" max="%d" step="1" value="%d"><output id="{id}-mv">m = %d</output>`,
		c.maxPos(), c.Position, c.Position))
	w.WriteString(idf(id, `<button type="button" id="{id}-sweep">Sweep m</button></div>`))
	w.WriteString(idf(id, `<div class="ctl"><label for="{id}-t">Base θ (log₁₀)</label><input type="range" id="{id}-t" min="%g" max="%g" step="0.1" value="%s"><output id="{id}-tv">θ = %s</output></div>`,
		lo, hi, strconv.FormatFloat(lt, 'f', -1, 64), thetaLabel(c.Rope.Theta)))
	w.WriteString(`<div style="display:flex;flex-wrap:wrap;gap:12px">`)
	for k, j := range c.Pairs {
		x, y := hand(c.Angle(j, c.Position, c.Rope.Theta))
		fmt.Fprintf(&w, `<figure style="margin:0;max-width:220px"><svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="pair %d as a clock hand">`, clockBox, clockBox, j)
		fmt.Fprintf(&w, `<circle cx="%d" cy="%d" r="%d" fill="none" stroke="currentColor" stroke-opacity="0.4"></circle>`, clockBox/2, clockBox/2, clockR)
		fmt.Fprintf(&w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="currentColor" stroke-opacity="0.3" stroke-dasharray="3 3"></line>`, clockBox/2, clockBox/2, clockBox/2+clockR, clockBox/2)
		fmt.Fprintf(&w, `<line class="hand" data-k="%d" x1="%d" y1="%d" x2="%.2f" y2="%.2f" stroke="%s" stroke-width="3" stroke-linecap="round"></line>`, k, clockBox/2, clockBox/2, x, y, palette[k%len(palette)])
		fmt.Fprintf(&w, `<circle cx="%d" cy="%d" r="3" fill="currentColor"></circle></svg>`, clockBox/2, clockBox/2)
		fmt.Fprintf(&w, `<figcaption><b>pair %d</b> (dims %d and %d)<br><span class="ro" data-k="%d">%s</span></figcaption></figure>`,
			j, j, j+c.Rope.Dim/2, k, esc(c.readout(j, c.Position, c.Rope.Theta)))
	}
	w.WriteString(`</div><p class="note">The dashed line is position 0 (no rotation); the hand turns counter-clockwise as m grows.</p>`)
	w.WriteString(`<table><caption>Turns (m·ω / 2π) at far positions, θ = <span class="tl">` + thetaLabel(c.Rope.Theta) + `</span></caption><thead><tr><th scope="col">pair</th>`)
	for _, m := range c.marks() {
		fmt.Fprintf(&w, `<th scope="col">m = %s</th>`, commas(int64(m)))
	}
	w.WriteString(`</tr></thead><tbody>`)
	for k, j := range c.Pairs {
		fmt.Fprintf(&w, `<tr><td>pair %d</td>`, j)
		for i, m := range c.marks() {
			fmt.Fprintf(&w, `<td class="turn" data-k="%d" data-i="%d">%s</td>`, k, i, num(c.Angle(j, m, c.Rope.Theta)/(2*math.Pi), 3))
		}
		w.WriteString(`</tr>`)
	}
	w.WriteString(`</tbody></table>`)
	if c.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(c.Note))
	}
	data := map[string]any{"dim": c.Rope.Dim, "pairs": c.Pairs, "marks": c.marks(), "R": clockR, "C": clockBox / 2}
	w.WriteString(script(id, jsonData(data), clocksJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

const clocksJS = `var m=q(r,"input[id$='-m']"),t=q(r,"input[id$='-t']"),mv=q(r,"output[id$='-mv']"),tv=q(r,"output[id$='-tv']"),sw=q(r,"button[id$='-sweep']"),timer=null;
function tl(x){var e=Math.round(x);if(Math.abs(x-e)<1e-9)return "1e"+e;var f=Math.floor(x);return Math.pow(10,x-f).toFixed(2)+"e"+f;}
function draw(){var M=+m.value,T=Math.pow(10,+t.value);mv.textContent="m = "+M;tv.textContent="θ = "+tl(+t.value);q(r,".tl").textContent=tl(+t.value);
D.pairs.forEach(function(j,k){var w=Math.pow(T,-2*j/D.dim),phi=M*w,h=q(r,"line.hand[data-k='"+k+"']");
h.setAttribute("x2",(D.C+D.R*Math.cos(phi)).toFixed(2));h.setAttribute("y2",(D.C-D.R*Math.sin(phi)).toFixed(2));
q(r,".ro[data-k='"+k+"']").textContent="m·ω = "+fmtN(phi,3)+" rad = "+fmtN(phi/(2*Math.PI),3)+" turns · ω = "+fmtN(w,3)+" rad/token · one turn every "+fmtN(2*Math.PI/w,1)+" tokens";
D.marks.forEach(function(p,i){q(r,"td.turn[data-k='"+k+"'][data-i='"+i+"']").textContent=fmtN(p*w/(2*Math.PI),3);});});}
m.addEventListener("input",draw);t.addEventListener("input",draw);
sw.addEventListener("click",function(){if(timer){clearInterval(timer);timer=null;sw.textContent="Sweep m";return;}var start=Date.now(),top=+m.max;sw.textContent="Stop";
timer=setInterval(function(){var f=Math.min(1,(Date.now()-start)/6000);m.value=String(Math.round(f*top));draw();if(f>=1){clearInterval(timer);timer=null;sw.textContent="Sweep m";}},50);});
draw();`

// Text renders the clocks as a table of angles at the initial position.
func (c Clocks) Text() (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (θ = %s, %d rotated dims, m = %d)\n", c.title(), thetaLabel(c.Rope.Theta), c.Rope.Dim, c.Position)
	for _, j := range c.Pairs {
		fmt.Fprintf(&b, "pair %d: %s\n", j, c.readout(j, c.Position, c.Rope.Theta))
	}
	cells := []string{"turns at"}
	widths := []int{-9}
	for _, m := range c.marks() {
		cells = append(cells, "m = "+commas(int64(m)))
		widths = append(widths, 12)
	}
	b.WriteString(row(cells, widths...))
	for _, j := range c.Pairs {
		cells := []string{fmt.Sprintf("pair %d", j)}
		for _, m := range c.marks() {
			cells = append(cells, num(c.Angle(j, m, c.Rope.Theta)/(2*math.Pi), 3))
		}
		b.WriteString(row(cells, widths...))
	}
	return b.String(), nil
}
