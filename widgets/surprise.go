package widgets

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// SurpriseMap shows a text with every token shaded by how surprised the
// model was to see it: its next-token loss −ln p, darker for higher. The
// first token has no loss (nothing came before it). Hovering or focusing a
// token shows its loss, its probability and the model's own first guess at
// that position; without scripts each token carries the same in its
// tooltip, and a table lists the most surprising tokens.
type SurpriseMap struct {
	Title     string
	Pieces    []string  // every token of the text
	Loss      []float64 // len(Pieces)−1: the loss of Pieces[i+1], nats
	Guess     []string  // the model's first choice where Pieces[i+1] was due (optional)
	GuessProb []float64 // its probability (optional, with Guess)
	// Max is the loss shaded darkest; 0 means the largest loss shown.
	Max  float64
	Note string
}

// FromLosses makes the surprise map of a text scored by llm.Model.Loss.
func FromLosses(l *llm.Losses, title string) SurpriseMap {
	s := SurpriseMap{Title: title, Pieces: l.Pieces}
	for _, t := range l.Tokens {
		s.Loss = append(s.Loss, t.Loss)
		s.Guess = append(s.Guess, t.GuessPiece)
		s.GuessProb = append(s.GuessProb, t.GuessProb)
	}
	if len(l.Tokens) > 0 {
		s.Note = fmt.Sprintf("mean loss %s nats over %d predicted tokens · perplexity %s · uniform guessing over %s tokens would cost ln %s = %s nats",
			num(l.Mean(), 3), len(l.Tokens), num(l.Perplexity(), 1), commas(int64(l.Vocab)), commas(int64(l.Vocab)), num(math.Log(float64(l.Vocab)), 2))
	}
	return s
}

func (s SurpriseMap) check() error {
	if len(s.Pieces) < 2 {
		return fmt.Errorf("widgets: SurpriseMap: %d tokens, want at least 2", len(s.Pieces))
	}
	if len(s.Pieces) > 4*maxRows {
		return tooMany("SurpriseMap tokens", len(s.Pieces))
	}
	if len(s.Loss) != len(s.Pieces)-1 {
		return fmt.Errorf("widgets: SurpriseMap: %d losses for %d tokens, want one per token after the first", len(s.Loss), len(s.Pieces))
	}
	if (s.Guess != nil && len(s.Guess) != len(s.Loss)) || len(s.GuessProb) != len(s.Guess) {
		return fmt.Errorf("widgets: SurpriseMap: %d guesses and %d guess probabilities for %d losses", len(s.Guess), len(s.GuessProb), len(s.Loss))
	}
	for i, l := range s.Loss {
		if err := finite(fmt.Sprintf("widgets: SurpriseMap: loss of token %d", i+1), l); err != nil {
			return err
		}
		if l < 0 {
			return fmt.Errorf("widgets: SurpriseMap: loss of token %d is %g: a loss is ≥ 0", i+1, l)
		}
	}
	if err := finite("widgets: SurpriseMap: Max", s.Max); err != nil || s.Max < 0 {
		return fmt.Errorf("widgets: SurpriseMap: Max %g: want a finite number ≥ 0", s.Max)
	}
	return nil
}

// Scale returns the loss that is shaded darkest.
func (s SurpriseMap) Scale() float64 {
	if s.Max > 0 {
		return s.Max
	}
	return max(slices.Max(s.Loss), 1e-9)
}

// describe is the line shown for token i+1.
func (s SurpriseMap) describe(i int) string {
	d := fmt.Sprintf("%s: loss %s nats, p = %s", visible(s.Pieces[i+1]), num(s.Loss[i], 2), num(math.Exp(-s.Loss[i]), 3))
	if s.Guess != nil {
		d += fmt.Sprintf(" · the model's first guess: %s (p = %s)", visible(s.Guess[i]), num(s.GuessProb[i], 3))
	}
	return d
}

// HTML renders the map.
func (s SurpriseMap) HTML() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	id := newID()
	scale := s.Scale()
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-surprise" id="%s">%s%s<h4>%s</h4><p class="text">`, id, style, surpriseStyle, esc(s.title()))
	fmt.Fprintf(&b, `<span class="tok first" title="first token: nothing to predict it from">%s</span>`, esc(visible(s.Pieces[0])))
	for i, l := range s.Loss {
		a := math.Min(1, l/scale)
		fmt.Fprintf(&b, `<span class="tok s" tabindex="0" data-i="%d" style="background:rgba(220,38,38,%.2f)" title="%s">%s</span>`,
			i, 0.85*a, esc(s.describe(i)), esc(visible(s.Pieces[i+1])))
	}
	b.WriteString(idf(id, `</p><p class="ctl"><output id="{id}-out" aria-live="polite">hover over or focus a token</output></p>`))
	fmt.Fprintf(&b, `<p class="note">shading: 0 nats (white) to %s nats (darkest)</p>`, num(scale, 2))
	b.WriteString(`<table><thead><tr><th scope="col">most surprising</th><th scope="col">loss (nats)</th><th scope="col">p</th>`)
	if s.Guess != nil {
		b.WriteString(`<th scope="col">model's guess</th><th scope="col">its p</th>`)
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, i := range s.worst(5) {
		fmt.Fprintf(&b, `<tr><td><span class="tok">%s</span></td><td>%s</td><td>%s</td>`, esc(visible(s.Pieces[i+1])), num(s.Loss[i], 2), num(math.Exp(-s.Loss[i]), 3))
		if s.Guess != nil {
			fmt.Fprintf(&b, `<td><span class="tok">%s</span></td><td>%s</td>`, esc(visible(s.Guess[i])), num(s.GuessProb[i], 3))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	if s.Note != "" {
		fmt.Fprintf(&b, `<p class="note">%s</p>`, esc(s.Note))
	}
	b.WriteString(script(id, "0", surpriseJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

// worst returns the indices of the k highest losses, highest first.
func (s SurpriseMap) worst(k int) []int {
	idx := make([]int, len(s.Loss))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case s.Loss[a] > s.Loss[b]:
			return -1
		case s.Loss[a] < s.Loss[b]:
			return 1
		}
		return 0
	})
	return idx[:min(k, len(idx))]
}

func (s SurpriseMap) title() string {
	if s.Title == "" {
		return "Surprise map: each token shaded by its loss"
	}
	return s.Title
}

const surpriseStyle = `<style>
.llmw-surprise .text{line-height:2;margin:4px 0}
.llmw-surprise .tok.s{cursor:help}
.llmw-surprise .tok.on{outline:2px solid var(--llmw-accent,#3b82f6)}
.llmw-surprise output{font-variant-numeric:tabular-nums}
</style>`

const surpriseJS = `var out=q(r,"output");
qa(r,"span.tok.s").forEach(function(t){function show(){qa(r,"span.tok.on").forEach(function(o){o.classList.remove("on");});t.classList.add("on");out.textContent=t.getAttribute("title");}
t.addEventListener("mouseenter",show);t.addEventListener("focus",show);t.addEventListener("click",show);});`

// Text renders the text with each token's loss after it, and the most
// surprising tokens.
func (s SurpriseMap) Text() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(s.title() + "\n")
	b.WriteString(visible(s.Pieces[0]))
	for i, l := range s.Loss {
		fmt.Fprintf(&b, " %s(%s)", visible(s.Pieces[i+1]), num(l, 1))
	}
	b.WriteString("\nmost surprising:\n")
	for _, i := range s.worst(5) {
		b.WriteString("  " + s.describe(i) + "\n")
	}
	if s.Note != "" {
		b.WriteString(s.Note + "\n")
	}
	return b.String(), nil
}
