package widgets

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// NeuronPanel shows what excites a few MLP neurons: for each, the contexts
// of its strongest activations, every token shaded by the neuron's
// activation there (orange for positive, blue for negative, relative to the
// neuron's peak) and the peak token outlined, with its value. With scripts
// on, one button per neuron shows its card; without, every card is shown.
type NeuronPanel struct {
	Title   string
	Neurons []NeuronCard
	Note    string
}

// NeuronCard is one neuron of a [NeuronPanel].
type NeuronCard struct {
	Name     string // e.g. "layer 3 · unit 117"
	Note     string // e.g. "20 of its top 20 tokens are digits"
	Contexts []llm.Context
}

// maxContextTokens bounds one context's length.
const maxContextTokens = 64

func (p NeuronPanel) check() error {
	if len(p.Neurons) == 0 {
		return fmt.Errorf("widgets: NeuronPanel: no neurons")
	}
	if len(p.Neurons) > 32 {
		return fmt.Errorf("widgets: NeuronPanel: %d neurons: want at most 32", len(p.Neurons))
	}
	rows := 0
	for i, c := range p.Neurons {
		if len(c.Contexts) == 0 {
			return fmt.Errorf("widgets: NeuronPanel: neuron %d (%s) has no contexts", i, c.Name)
		}
		rows += len(c.Contexts)
		for j, x := range c.Contexts {
			if len(x.Pieces) == 0 || len(x.Pieces) != len(x.Acts) || len(x.Pieces) > maxContextTokens {
				return fmt.Errorf("widgets: NeuronPanel: %s context %d: %d pieces, %d activations: want the same number, 1 to %d", c.Name, j, len(x.Pieces), len(x.Acts), maxContextTokens)
			}
			if x.Peak < 0 || x.Peak >= len(x.Pieces) {
				return fmt.Errorf("widgets: NeuronPanel: %s context %d: peak %d outside its %d tokens", c.Name, j, x.Peak, len(x.Pieces))
			}
			for _, a := range x.Acts {
				if err := finite(fmt.Sprintf("widgets: NeuronPanel: %s context %d: an activation", c.Name, j), a); err != nil {
					return err
				}
			}
		}
	}
	return tooMany("widgets: NeuronPanel", rows)
}

// scale is the largest |activation| over a card's contexts (1 if all are 0).
func (c NeuronCard) scale() float64 {
	s := 0.0
	for _, x := range c.Contexts {
		for _, a := range x.Acts {
			s = math.Max(s, math.Abs(float64(a)))
		}
	}
	if s == 0 {
		return 1
	}
	return s
}

// HTML renders the panel.
func (p NeuronPanel) HTML() (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	id := newID()
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-neurons" id="%s">%s<style>#%[1]s .ctx .tok{margin:0;border-radius:2px}#%[1]s .ctx .peak{outline:2px solid currentColor;font-weight:bold}#%[1]s td.ctx{text-align:left}</style>`, id, style)
	if p.Title != "" {
		fmt.Fprintf(&b, `<h4>%s</h4>`, esc(p.Title))
	}
	b.WriteString(`<div class="ctl">`)
	for i, c := range p.Neurons {
		fmt.Fprintf(&b, `<button type="button" data-n="%d" aria-pressed="%t">%s</button>`, i, i == 0, esc(c.Name))
	}
	b.WriteString(`</div>`)
	for i, c := range p.Neurons {
		on := ""
		if i == 0 {
			on = " on"
		}
		fmt.Fprintf(&b, `<div class="stage%s" data-n="%d"><h5>%s</h5>`, on, i, esc(c.Name))
		if c.Note != "" {
			fmt.Fprintf(&b, `<p class="note">%s</p>`, esc(c.Note))
		}
		b.WriteString(`<table><thead><tr><th scope="col">activation</th><th scope="col">context (the token it fired on outlined)</th></tr></thead><tbody>`)
		s := c.scale()
		for _, x := range c.Contexts {
			fmt.Fprintf(&b, `<tr><td>%s</td><td class="ctx">`, num(x.Acts[x.Peak], 2))
			for j, piece := range x.Pieces {
				a := float64(x.Acts[j])
				color := "245,158,11"
				if a < 0 {
					color = "59,130,246"
				}
				cls := "tok"
				if j == x.Peak {
					cls += " peak"
				}
				fmt.Fprintf(&b, `<span class="%s" style="background:rgba(%s,%.2f)" title="%s">%s</span>`, cls, color, math.Abs(a)/s*0.85, num(a, 2), esc(visible(piece)))
			}
			b.WriteString(`</td></tr>`)
		}
		b.WriteString(`</tbody></table></div>`)
	}
	if p.Note != "" {
		fmt.Fprintf(&b, `<p class="note">%s</p>`, esc(p.Note))
	}
	b.WriteString(script(id, "0", neuronsJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

const neuronsJS = `var bs=qa(r,".ctl button"),cards=qa(r,".stage");bs.forEach(function(btn){btn.addEventListener("click",function(){var n=btn.getAttribute("data-n");
bs.forEach(function(x){x.setAttribute("aria-pressed",x===btn?"true":"false");});cards.forEach(function(c){c.classList.toggle("on",c.getAttribute("data-n")===n);});});});`

// Text renders the panel as lines: each context with the peak token in
// [brackets] and its activation.
func (p NeuronPanel) Text() (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	if p.Title != "" {
		b.WriteString(p.Title + "\n")
	}
	for _, c := range p.Neurons {
		b.WriteString(c.Name)
		if c.Note != "" {
			b.WriteString(" — " + c.Note)
		}
		b.WriteString("\n")
		for _, x := range c.Contexts {
			var s strings.Builder
			for j, piece := range x.Pieces {
				if j == x.Peak {
					s.WriteString("[" + visible(piece) + "]")
				} else {
					s.WriteString(visible(piece))
				}
			}
			fmt.Fprintf(&b, "  %8s  %s\n", num(x.Acts[x.Peak], 2), s.String())
		}
	}
	if p.Note != "" {
		b.WriteString(p.Note + "\n")
	}
	return b.String(), nil
}

// contextWidth is how many tokens a card shows on either side of a peak.
const contextWidth = 8

// FromNeurons makes a panel of the given neurons from a record: each card
// the k contexts of the neuron's highest activations.
func FromNeurons(rec *llm.Neurons, k int, us ...llm.Neuron) (NeuronPanel, error) {
	what := fmt.Sprintf("%d neurons", len(us))
	if len(us) == 1 {
		what = "1 neuron"
	}
	p := NeuronPanel{Title: fmt.Sprintf("Top %d contexts of %s, over %d tokens", k, what, rec.Len())}
	for _, u := range us {
		ctx, err := rec.TopContexts(u, k, contextWidth, contextWidth)
		if err != nil {
			return NeuronPanel{}, fmt.Errorf("widgets: FromNeurons: %w", err)
		}
		p.Neurons = append(p.Neurons, NeuronCard{Name: u.String(), Contexts: ctx})
	}
	return p, p.check()
}

// FromSearch makes a panel of the neurons a search found (llm.Neurons.Search
// for pattern), each card noting how cleanly the neuron picks out the
// pattern.
func FromSearch(rec *llm.Neurons, pattern llm.Pattern, found []llm.NeuronScore, k int) (NeuronPanel, error) {
	var us []llm.Neuron
	for _, s := range found {
		us = append(us, s.Neuron)
	}
	p, err := FromNeurons(rec, k, us...)
	if err != nil {
		return NeuronPanel{}, err
	}
	p.Title = fmt.Sprintf("Neurons that fire on %s (%d of %d tokens match)", pattern.Name, rec.Matches(pattern), rec.Len())
	top := min(llm.SearchTop, rec.Matches(pattern))
	for i, s := range found {
		p.Neurons[i].Note = fmt.Sprintf("%.0f of its top %d tokens are %s; mean activation %s on them, %s elsewhere (%.1f standard deviations apart)",
			s.Precision*float64(top), top, pattern.Name, num(s.OnMatch, 2), num(s.Elsewhere, 2), s.Separation)
	}
	return p, nil
}

// MustFromSearch is FromSearch for notebook cells: it panics with its error.
func MustFromSearch(rec *llm.Neurons, pattern llm.Pattern, found []llm.NeuronScore, k int) NeuronPanel {
	p, err := FromSearch(rec, pattern, found, k)
	if err != nil {
		panic(err)
	}
	return p
}

// MustFromNeurons is FromNeurons for notebook cells: it panics with its error.
func MustFromNeurons(rec *llm.Neurons, k int, us ...llm.Neuron) NeuronPanel {
	p, err := FromNeurons(rec, k, us...)
	if err != nil {
		panic(err)
	}
	return p
}

// MustRecordNeurons runs m.RecordNeurons with a progress bar.
func MustRecordNeurons(m *llm.Model, texts []string, maxTokens int) *llm.Neurons {
	bar := NewProgress("MLP activations, tokens", int64(maxTokens))
	rec := m.MustRecordNeurons(texts, maxTokens, func(done, total int) {
		bar.Total = int64(total)
		bar.Set(int64(done))
	})
	bar.Finish()
	return rec
}

// ActivationCurves charts SiLU(z) = z·σ(z), its gate σ(z) and ReLU(z) for
// z from lo to hi in n points.
func ActivationCurves(lo, hi float64, n int) (LineChart, error) {
	if n < 2 || !(hi > lo) {
		return LineChart{}, fmt.Errorf("widgets: ActivationCurves: [%g, %g] in %d points: want lo < hi and at least 2 points", lo, hi, n)
	}
	c := LineChart{Title: "SiLU(z) = z·σ(z), its gate σ(z), and ReLU(z)", YLabel: "value",
		Series: []Series{{Name: "SiLU(z)"}, {Name: "σ(z)"}, {Name: "ReLU(z)"}}}
	for i := range n {
		z := lo + (hi-lo)*float64(i)/float64(n-1)
		c.X = append(c.X, fmt.Sprintf("%g", math.Round(z*100)/100))
		c.Series[0].Values = append(c.Series[0].Values, llm.SiLU(z))
		c.Series[1].Values = append(c.Series[1].Values, llm.Sigmoid(z))
		c.Series[2].Values = append(c.Series[2].Values, llm.ReLU(z))
	}
	return c, c.check()
}

// MLPStrip draws every layer's MLP write next to the layer's output (L2
// norms over the pass, from llm.Pass.MLPShares), one row per layer, its
// label carrying the ratio.
func MLPStrip(title string, shares []llm.MLPShare) (Bars, error) {
	bs := Bars{Title: title, Series: []string{"MLP output ‖·‖", "layer output ‖·‖"}, Digits: 1,
		Note: "L2 norm over every position of the pass. The percentage is MLP output / layer output."}
	for _, s := range shares {
		bs.Rows = append(bs.Rows, BarRow{Label: fmt.Sprintf("layer %d (%s) · %.0f%%", s.Layer, kindOf(s.Type), 100*s.Ratio),
			Values: []float64{s.Out, s.Output}})
	}
	return bs, bs.check()
}

// MustMLPStrip is MLPStrip for notebook cells: it panics with its error.
func MustMLPStrip(title string, shares []llm.MLPShare) Bars {
	b, err := MLPStrip(title, shares)
	if err != nil {
		panic(err)
	}
	return b
}

// kindOf is a layer type in a word.
func kindOf(t llm.LayerType) string {
	if t == llm.FullAttention {
		return "full"
	}
	return "DeltaNet"
}

// KnockoutBars draws, per knockout, how far the next-token distribution
// moved (KL in nats), each row labelled with the top token before → after.
func KnockoutBars(title string, ks []llm.Knockout) (Bars, error) {
	bs := Bars{Title: title, Unit: "nats (KL divergence)", Digits: 3}
	for _, k := range ks {
		bs.Rows = append(bs.Rows, BarRow{Label: fmt.Sprintf("without %s: %q → %q", k.What, k.Top.Piece, k.After.Piece), Values: []float64{k.KL}})
	}
	return bs, bs.check()
}

// MustKnockoutBars is KnockoutBars for notebook cells: it panics with its error.
func MustKnockoutBars(title string, ks []llm.Knockout) Bars {
	b, err := KnockoutBars(title, ks)
	if err != nil {
		panic(err)
	}
	return b
}
