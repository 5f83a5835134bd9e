package widgets

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// MergeStepper replays byte-pair encoding on one word, one merge per step:
// the word starts as one token per byte, and each step joins the adjacent
// pair whose rule comes first in the tokenizer's merge list (the lowest
// rank). The table lists every step (readable with scripts off); with
// scripts on, Back / Step / Play / Reset walk through it, showing the
// word's tokens at the current step with the new token highlighted.
type MergeStepper struct {
	Title string
	Start []string    // the word's tokens before any merge: one per byte
	Steps []MergeView // one per merge, in the order BPE applies them
	Note  string
}

// MergeView is one step of a [MergeStepper].
type MergeView struct {
	Rank        int      // the rule's rank in the merge list
	Left, Right string   // the two tokens joined
	Result      string   // the token they became
	ResultID    int      // its id
	Tokens      []string // the word's tokens after the merge
	At          int      // index in Tokens of the new token
}

// Merges replays tok's merges on word (give a word with its leading space,
// " unbelievable", to see what Encode does to it in a sentence).
func Merges(tok *llm.Tokenizer, word string) MergeStepper {
	bytes, steps := tok.Merges(word)
	ms := MergeStepper{Title: fmt.Sprintf("BPE on %q, merge by merge", word), Start: tok.Pieces(bytes)}
	for _, st := range steps {
		ms.Steps = append(ms.Steps, MergeView{
			Rank: st.Rank, Left: tok.Piece(st.Left), Right: tok.Piece(st.Right),
			Result: tok.Piece(st.ID), ResultID: st.ID, Tokens: tok.Pieces(st.IDs), At: st.At,
		})
	}
	return ms
}

func (ms MergeStepper) check() error {
	if len(ms.Start) == 0 {
		return fmt.Errorf("widgets: MergeStepper: no tokens to start from")
	}
	if len(ms.Start) > maxChips || len(ms.Steps) >= len(ms.Start) {
		return fmt.Errorf("widgets: MergeStepper: %d steps from %d tokens: want fewer steps than tokens, at most %d tokens", len(ms.Steps), len(ms.Start), maxChips)
	}
	for i, s := range ms.Steps {
		if len(s.Tokens) != len(ms.Start)-i-1 || s.At < 0 || s.At >= len(s.Tokens) {
			return fmt.Errorf("widgets: MergeStepper: step %d has %d tokens (want %d) and new token at %d", i, len(s.Tokens), len(ms.Start)-i-1, s.At)
		}
	}
	return nil
}

// Final returns the word's tokens after the last merge.
func (ms MergeStepper) Final() []string {
	if len(ms.Steps) == 0 {
		return ms.Start
	}
	return ms.Steps[len(ms.Steps)-1].Tokens
}

func tokenSpans(toks []string, at int) string {
	var b strings.Builder
	for i, t := range toks {
		cls := "tok"
		if i == at {
			cls += " new"
		}
		fmt.Fprintf(&b, `<span class="%s">%s</span>`, cls, esc(chipLabel(t)))
	}
	return b.String()
}

// HTML renders the stepper.
func (ms MergeStepper) HTML() (string, error) {
	if err := ms.check(); err != nil {
		return "", err
	}
	id := newID()
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-merges" id="%s">%s`, id, style)
	title := ms.Title
	if title == "" {
		title = "BPE, merge by merge"
	}
	fmt.Fprintf(&b, `<h4>%s</h4>`, esc(title))
	b.WriteString(`<div class="ctl"><button type="button">Back</button><button type="button">Step</button><button type="button">Play</button><button type="button">Reset</button><output>`)
	fmt.Fprintf(&b, `%d merges: %d bytes → %d tokens</output></div>`, len(ms.Steps), len(ms.Start), len(ms.Final()))
	b.WriteString(`<table><thead><tr><th scope="col">step</th><th scope="col">rank</th><th scope="col">merge</th><th scope="col">tokens after the step</th></tr></thead><tbody>`)
	fmt.Fprintf(&b, `<tr class="pick" data-s="0"><td>0</td><td>–</td><td>one token per byte</td><td style="text-align:left">%s</td></tr>`, tokenSpans(ms.Start, -1))
	for i, s := range ms.Steps {
		fmt.Fprintf(&b, `<tr class="pick" data-s="%d"><td>%d</td><td>%d</td><td><span class="tok">%s</span> + <span class="tok">%s</span> → <span class="tok new">%s</span></td><td style="text-align:left">%s</td></tr>`,
			i+1, i+1, s.Rank, esc(chipLabel(s.Left)), esc(chipLabel(s.Right)), esc(chipLabel(s.Result)), tokenSpans(s.Tokens, s.At))
	}
	b.WriteString(`</tbody></table>`)
	if ms.Note != "" {
		fmt.Fprintf(&b, `<p class="note">%s</p>`, esc(ms.Note))
	}
	b.WriteString(script(id, fmt.Sprint(len(ms.Steps)), mergesJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

// mergesJS shows the rows up to the current step, the current one active.
const mergesJS = `var s=0,timer=null,bs=qa(r,"button"),out=q(r,"output"),rows=qa(r,"tbody tr");
function show(){rows.forEach(function(tr){var k=+tr.getAttribute("data-s");tr.hidden=k>s;tr.classList.toggle("active",k===s);});out.textContent="step "+s+" of "+D;}
function stop(){if(timer){clearInterval(timer);timer=null;bs[2].textContent="Play";}}
bs[0].addEventListener("click",function(){stop();if(s>0)s--;show();});
bs[1].addEventListener("click",function(){stop();if(s<D)s++;show();});
bs[2].addEventListener("click",function(){if(timer){stop();return;}if(s>=D)s=0;bs[2].textContent="Pause";show();timer=setInterval(function(){if(s>=D){stop();return;}s++;show();},700);});
bs[3].addEventListener("click",function(){stop();s=0;show();});show();`

// Text renders the steps as lines.
func (ms MergeStepper) Text() (string, error) {
	if err := ms.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	title := ms.Title
	if title == "" {
		title = "BPE, merge by merge"
	}
	b.WriteString(title + "\n")
	line := func(toks []string) string {
		out := make([]string, len(toks))
		for i, t := range toks {
			out[i] = chipLabel(t)
		}
		return strings.Join(out, " | ")
	}
	fmt.Fprintf(&b, "step  0  bytes                          %s\n", line(ms.Start))
	for i, s := range ms.Steps {
		m := fmt.Sprintf("rank %d: %s + %s → %s", s.Rank, chipLabel(s.Left), chipLabel(s.Right), chipLabel(s.Result))
		fmt.Fprintf(&b, "step %2d  %-30s %s\n", i+1, m, line(s.Tokens))
	}
	if ms.Note != "" {
		b.WriteString(ms.Note + "\n")
	}
	return b.String(), nil
}
