package widgets

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// TraceStep is one turn of the generation loop: the candidates the forward
// pass scored highest (Piece and Prob are shown) and the token that was
// sampled and appended. From an llm trace it is a field copy per step.
//
// Prob is the model's own probability (softmax at temperature 1). Where the
// candidates also carry PSamp, the probability under the sampler's settings
// (temperature, top-k, top-p), as the candidates of an llm trace do, the
// view shows both, since the token was drawn with PSamp, not with Prob.
type TraceStep struct {
	Candidates []Candidate
	Chosen     Candidate
	Forced     bool // the token was imposed (llm.Force, Branch), not chosen by the sampler
}

// verb says how the step's token was chosen.
func (st TraceStep) verb() string {
	if st.Forced {
		return "forced"
	}
	return "sampled"
}

// TraceView animates the generation loop: the token strip growing step by
// step, each step's candidate bars, and the loop's pseudocode with the
// active line highlighted in sync. Play, Pause, Step, Back and Reset are
// buttons (keyboard-operable). Without JavaScript it shows the final strip
// and every step's candidates.
type TraceView struct {
	Title  string
	Prompt []string // prompt token pieces
	Steps  []TraceStep
}

// TraceCode returns the pseudocode TraceView highlights, one line per entry.
func TraceCode() []string { return append([]string(nil), traceCode[:]...) }

var traceCode = [...]string{
	"tokens := tokenize(prompt)",
	"for !done(tokens) {",
	"    logits := model(tokens)       // one forward pass",
	"    next := sample(logits)        // pick one token",
	"    tokens = append(tokens, next) // append, then repeat",
	"}",
}

// TraceLine returns the index in TraceCode() of the line active at tick t of
// a TraceView of n steps, and a description of that moment. Tick 0 is the
// tokenization; ticks 1+3s, 2+3s and 3+3s are the forward pass, the sampling
// and the append of step s; tick 3n+1 is the end of the loop.
func TraceLine(t, n int) (line int, what string) {
	switch {
	case t <= 0:
		return 0, "tokenize the prompt"
	case t > 3*n:
		return 1, "done: the loop stops (length limit or stop token)"
	}
	s, ph := (t-1)/3, (t-1)%3
	switch ph {
	case 0:
		return 2, fmt.Sprintf("step %d of %d · forward pass: a score for every token", s+1, n)
	case 1:
		return 3, fmt.Sprintf("step %d of %d · sample: pick one token", s+1, n)
	}
	return 4, fmt.Sprintf("step %d of %d · append the token, then repeat", s+1, n)
}

func (tv TraceView) check() error {
	if len(tv.Prompt) == 0 {
		return fmt.Errorf("widgets: TraceView: empty prompt")
	}
	if len(tv.Steps) == 0 {
		return fmt.Errorf("widgets: TraceView: no steps")
	}
	if len(tv.Prompt)+len(tv.Steps) > 4*maxRows {
		return fmt.Errorf("widgets: TraceView: %d prompt tokens and %d steps: want at most %d in all", len(tv.Prompt), len(tv.Steps), 4*maxRows)
	}
	for s, st := range tv.Steps {
		if len(st.Candidates) > maxRows/10 {
			return fmt.Errorf("widgets: TraceView: step %d: %d candidates: want at most %d (the top few)", s, len(st.Candidates), maxRows/10)
		}
		for _, p := range []float32{st.Chosen.Prob, st.Chosen.PSamp} {
			if err := probOK(fmt.Sprintf("widgets: TraceView: step %d: chosen %q prob", s, st.Chosen.Piece), p); err != nil {
				return err
			}
		}
		for i, c := range st.Candidates {
			for _, p := range []float32{c.Prob, c.PSamp} {
				if err := probOK(fmt.Sprintf("widgets: TraceView: step %d: candidate %d (%q) prob", s, i, c.Piece), p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func probOK[F llm.Float](what string, p F) error {
	if q := float64(p); math.IsNaN(q) || q < 0 || q > 1 {
		return fmt.Errorf("%s is %v: want a probability in [0, 1]", what, p)
	}
	return nil
}

// HTML renders the loop view.
func (tv TraceView) HTML() (string, error) {
	if err := tv.check(); err != nil {
		return "", err
	}
	id := newID()
	title := tv.Title
	if title == "" {
		title = "The generation loop"
	}
	n := len(tv.Steps)
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-trace" id="%s">%s<h4>%s</h4><div class="strip" aria-label="tokens so far">`, id, style, esc(title))
	for _, p := range tv.Prompt {
		fmt.Fprintf(&b, `<span class="tok">%s</span>`, esc(visible(p)))
	}
	for s, st := range tv.Steps {
		fmt.Fprintf(&b, `<span class="tok new" data-step="%d">%s</span>`, s, esc(visible(st.Chosen.Piece)))
	}
	b.WriteString(`</div><div class="ctl">`)
	for _, bt := range [][2]string{{"back", "◀ Back"}, {"step", "Step ▶"}, {"play", "Play"}, {"reset", "Reset"}} {
		b.WriteString(idf(id, `<button type="button" id="{id}-%s">%s</button>`, bt[0], bt[1]))
	}
	b.WriteString(idf(id, `<output id="{id}-status" aria-live="polite">%s</output></div>`, esc(fmt.Sprintf("%d steps generated", n))))
	b.WriteString(`<pre aria-label="generation loop pseudocode">`)
	for i, l := range traceCode {
		fmt.Fprintf(&b, `<span data-line="%d">%s</span>`, i, esc(l))
	}
	b.WriteString(`</pre>`)
	mode := tv.mode()
	for s, st := range tv.Steps {
		fmt.Fprintf(&b, `<div class="stage" data-step="%d"><p>Step %d · forward pass → a score for every token<span class="said">; %s <span class="tok">%s</span> (%s)</span></p><table>`,
			s, s+1, st.verb(), esc(visible(st.Chosen.Piece)), esc(st.said(mode)))
		if mode == sampledMode {
			b.WriteString(`<thead><tr><th>token</th><th>p at T = 1</th><th></th><th>p as sampled</th><th></th></tr></thead>`)
		}
		b.WriteString(`<tbody>`)
		for _, c := range st.Candidates {
			cls, mark := "", ""
			if c.Piece == st.Chosen.Piece && c.ID == st.Chosen.ID {
				cls, mark = ` class="pick"`, "← sampled"
			}
			fmt.Fprintf(&b, `<tr%s><td><span class="tok">%s</span></td><td>%s</td><td>%s</td>`, cls, esc(visible(c.Piece)), num(c.Prob, 3), bar(c.Prob, 160))
			if mode == sampledMode {
				fmt.Fprintf(&b, `<td class="ps">%s</td>`, num(c.PSamp, 3))
			}
			fmt.Fprintf(&b, `<td class="mark">%s</td></tr>`, mark)
		}
		b.WriteString(`</tbody></table></div>`)
	}
	b.WriteString(script(id, jsonData(map[string]any{"n": n}), traceJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

// traceJS mirrors TraceLine.
const traceJS = `var n=D.n,t=0,timer=null,st=q(r,"output"),play=q(r,"button[id$='-play']");
function line(t){if(t<=0)return[0,"tokenize the prompt"];if(t>3*n)return[1,"done: the loop stops (length limit or stop token)"];
var s=Math.floor((t-1)/3),ph=(t-1)%3,h="step "+(s+1)+" of "+n+" · ";
return ph===0?[2,h+"forward pass: a score for every token"]:ph===1?[3,h+"sample: pick one token"]:[4,h+"append the token, then repeat"];}
function show(){var L=line(t),s=t<=0?-1:Math.min(Math.floor((t-1)/3),n-1),ph=t<=0?-1:t>3*n?2:(t-1)%3;
qa(r,"pre span").forEach(function(e){var on=+e.getAttribute("data-line")===L[0];e.classList.toggle("active",on);if(on)e.setAttribute("aria-current","step");else e.removeAttribute("aria-current");});
qa(r,".strip .new").forEach(function(e){var k=+e.getAttribute("data-step");e.hidden=!(k<s||k===s&&ph===2);});
qa(r,".stage").forEach(function(e){e.classList.toggle("on",+e.getAttribute("data-step")===s);});
qa(r,".stage tr.pick").forEach(function(e){e.classList.toggle("active",ph>=1);});
qa(r,".stage .said").forEach(function(e){e.hidden=ph<1;});
st.textContent=L[1];}
function go(d){t=Math.max(0,Math.min(3*n+1,t+d));show();if(t===3*n+1)stop();}
function stop(){if(timer){clearInterval(timer);timer=null;}play.textContent="Play";play.setAttribute("aria-pressed","false");}
q(r,"button[id$='-step']").addEventListener("click",function(){stop();go(1);});
q(r,"button[id$='-back']").addEventListener("click",function(){stop();go(-1);});
q(r,"button[id$='-reset']").addEventListener("click",function(){stop();t=0;show();});
play.setAttribute("aria-pressed","false");
play.addEventListener("click",function(){if(timer){stop();return;}if(t>=3*n+1)t=0;play.textContent="Pause";play.setAttribute("aria-pressed","true");timer=setInterval(function(){go(1);},900);});
show();`

// Text renders the loop as a strip and a per-step table.
func (tv TraceView) Text() (string, error) {
	if err := tv.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	title := tv.Title
	if title == "" {
		title = "The generation loop"
	}
	b.WriteString(title + "\n")
	for _, p := range tv.Prompt {
		b.WriteString("[" + visible(p) + "]")
	}
	b.WriteString(" →")
	for _, st := range tv.Steps {
		b.WriteString(" [" + visible(st.Chosen.Piece) + "]")
	}
	b.WriteString("\n")
	mode := tv.mode()
	if mode == sampledMode {
		b.WriteString("each candidate: p at T = 1 → p as sampled\n")
	}
	for s, st := range tv.Steps {
		fmt.Fprintf(&b, "step %d: %s %s (%s) from", s+1, st.verb(), visible(st.Chosen.Piece), st.said(mode))
		for _, c := range st.Candidates {
			fmt.Fprintf(&b, " %s %s", visible(c.Piece), num(c.Prob, 3))
			if mode == sampledMode {
				fmt.Fprintf(&b, "→%s", num(c.PSamp, 3))
			}
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// traceMode says which probabilities a TraceView has to show.
type traceMode int

const (
	plainMode   traceMode = iota // no sampler probabilities (a view built by hand): Prob only
	greedyMode                   // every PSamp is 0 or 1: greedy decoding took the top token
	sampledMode                  // the sampler drew at random: Prob and PSamp side by side
)

// mode finds what the steps carry: no PSamp at all, a greedy sampler's (each
// 0 or 1), or a random sampler's.
func (tv TraceView) mode() traceMode {
	mode := plainMode
	for _, st := range tv.Steps {
		for _, c := range append([]Candidate{st.Chosen}, st.Candidates...) {
			switch {
			case c.PSamp > 0 && c.PSamp < 1:
				return sampledMode
			case c.PSamp == 1:
				mode = greedyMode
			}
		}
	}
	return mode
}

// said is the caption of the chosen token: its probability at T = 1 and, for
// a random sampler, the probability it was drawn with. That one is the
// chosen token's PSamp when set, else that of its row among the candidates;
// a token drawn from outside the candidates (the top few by logit) had at
// most the smallest candidate's, since temperature, top-k and top-p keep
// the order of the logits.
func (st TraceStep) said(mode traceMode) string {
	p := num(st.Chosen.Prob, 3)
	if st.Forced {
		return "p = " + p + " at T = 1; imposed, not drawn"
	}
	switch mode {
	case plainMode:
		return "p = " + p
	case greedyMode:
		return "p = " + p + " at T = 1; greedy takes the top token"
	}
	if st.Chosen.PSamp > 0 {
		return fmt.Sprintf("p = %s at T = 1, %s as sampled", p, num(st.Chosen.PSamp, 3))
	}
	least := float32(1)
	for _, c := range st.Candidates {
		if c.ID == st.Chosen.ID && c.Piece == st.Chosen.Piece {
			return fmt.Sprintf("p = %s at T = 1, %s as sampled", p, num(c.PSamp, 3))
		}
		least = min(least, c.PSamp)
	}
	if len(st.Candidates) == 0 {
		return "p = " + p + " at T = 1"
	}
	return fmt.Sprintf("p = %s at T = 1; not in the top %d, so at most %s as sampled", p, len(st.Candidates), num(least, 3))
}
