package widgets

import (
	"fmt"
	"strings"
)

// Count is a named group of numbers: a weight tensor or component, or an
// activation. N is the number of values; when 0 it is the product of
// Shape.
type Count struct {
	Name  string
	Shape []int
	N     int64
}

func (c Count) n() (int64, error) {
	if c.N < 0 {
		return 0, fmt.Errorf("%q: count %d: want ≥ 0", c.Name, c.N)
	}
	if c.N > 0 || len(c.Shape) == 0 {
		return c.N, nil
	}
	n := int64(1)
	for _, d := range c.Shape {
		if d < 0 {
			return 0, fmt.Errorf("%q: shape %v: negative dimension", c.Name, c.Shape)
		}
		if d > 0 && n > (1<<62)/int64(d) {
			return 0, fmt.Errorf("%q: shape %v: too many values", c.Name, c.Shape)
		}
		n *= int64(d)
	}
	return n, nil
}

func shapeStr(s []int) string {
	if len(s) == 0 {
		return ""
	}
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = commas(int64(d))
	}
	return "[" + strings.Join(p, " × ") + "]"
}

// WeightsVsActivations puts the two kinds of numbers side by side: the
// parameter counts of the loaded model by component (frozen, the same for
// every request) and the sizes of the activations of the last forward pass
// (computed fresh for this prompt, then discarded). It has no script: the
// tables and bars are the whole view.
type WeightsVsActivations struct {
	Title       string
	Weights     []Count // e.g. {"embed_tokens", [248320, 1024], 0}, or one per component
	Activations []Count // e.g. {"hidden states", [5, 1024], 0} per captured activation
	Tokens      int     // tokens in that forward pass, for the caption (optional)
}

func (w WeightsVsActivations) totals() (wn, an []int64, wt, at int64, err error) {
	if len(w.Weights) == 0 {
		return nil, nil, 0, 0, fmt.Errorf("widgets: WeightsVsActivations: no weights")
	}
	if len(w.Activations) == 0 {
		return nil, nil, 0, 0, fmt.Errorf("widgets: WeightsVsActivations: no activations")
	}
	for _, g := range []struct {
		what string
		cs   []Count
		ns   *[]int64
		t    *int64
	}{{"weight", w.Weights, &wn, &wt}, {"activation", w.Activations, &an, &at}} {
		for i, c := range g.cs {
			n, err := c.n()
			if err != nil {
				return nil, nil, 0, 0, fmt.Errorf("widgets: WeightsVsActivations: %s %d %w", g.what, i, err)
			}
			*g.ns = append(*g.ns, n)
			*g.t += n
		}
	}
	return wn, an, wt, at, nil
}

// HTML renders the two panels.
func (w WeightsVsActivations) HTML() (string, error) {
	wn, an, wt, at, err := w.totals()
	if err != nil {
		return "", err
	}
	id := newID()
	title := w.Title
	if title == "" {
		title = "Two kinds of numbers: weights vs activations"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-wva" id="%s">%s<h4>%s</h4>`, id, style, esc(title))
	panel := func(head, sub string, cs []Count, ns []int64, total int64) {
		var m int64 = 1
		for _, n := range ns {
			m = max(m, n)
		}
		fmt.Fprintf(&b, `<table><caption style="text-align:left"><b>%s</b> — %s</caption><thead><tr><th scope="col">name</th><th scope="col">shape</th><th scope="col">numbers</th><th scope="col">share</th></tr></thead><tbody>`, esc(head), esc(sub))
		for i, c := range cs {
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`, esc(c.Name), shapeStr(c.Shape), commas(ns[i]), bar(float64(ns[i])/float64(m), 140))
		}
		fmt.Fprintf(&b, `<tr class="sum"><th scope="row">total</th><td></td><td class="total">%s</td><td></td></tr></tbody></table>`, commas(total))
	}
	panel("Weights", "❄ frozen: learned once, read-only at inference, identical for every request", w.Weights, wn, wt)
	sub := "↻ computed fresh for your prompt, discarded after the forward pass"
	if w.Tokens > 0 {
		sub = fmt.Sprintf("↻ computed fresh for your %d-token prompt, discarded after the forward pass", w.Tokens)
	}
	panel("Activations", sub, w.Activations, an, at)
	ratio := ""
	if at > 0 {
		ratio = fmt.Sprintf(" The weights outnumber these activations %s to 1.", num(float64(wt)/float64(at), 1))
	}
	fmt.Fprintf(&b, `<p class="note">%s weights, %s activation values.%s Bars compare rows within a table.</p></div>`, commas(wt), commas(at), ratio)
	return b.String(), nil
}

// Text renders both tables.
func (w WeightsVsActivations) Text() (string, error) {
	wn, an, wt, at, err := w.totals()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	title := w.Title
	if title == "" {
		title = "Two kinds of numbers: weights vs activations"
	}
	b.WriteString(title + "\n")
	for _, g := range []struct {
		head string
		cs   []Count
		ns   []int64
		t    int64
	}{{"weights (frozen)", w.Weights, wn, wt}, {"activations (fresh per prompt)", w.Activations, an, at}} {
		fmt.Fprintf(&b, "%s\n", g.head)
		for i, c := range g.cs {
			b.WriteString(row([]string{" ", c.Name, shapeStr(c.Shape), commas(g.ns[i])}, 1, -28, -22, 16))
		}
		b.WriteString(row([]string{" ", "total", "", commas(g.t)}, 1, -28, -22, 16))
	}
	return b.String(), nil
}
