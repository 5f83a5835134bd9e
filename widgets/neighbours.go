package widgets

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// Neighbour is one token near a query vector: llm.Neighbour.
type Neighbour = llm.Neighbour

// NeighbourList is the nearest tokens of one query, best first. An item
// whose ID is negative (a list recorded elsewhere, ids unknown) shows "–"
// for its id.
type NeighbourList struct {
	Query string      // what was searched for: " king", "king − man + woman"
	Note  string      // optional: where the list comes from ("recorded with Qwen3.5-0.8B")
	Items []Neighbour // the neighbours, best first
}

// Neighbours shows the nearest tokens of one or more queries as tables of
// cosine similarities with bars. With several lists, a row of buttons
// picks the one shown; without JavaScript every list is shown.
type Neighbours struct {
	Title string
	Lists []NeighbourList

	err error // why FromNearest could not fill the lists
}

func (n Neighbours) check() error {
	if n.err != nil {
		return n.err
	}
	if len(n.Lists) == 0 {
		return fmt.Errorf("widgets: Neighbours: no lists")
	}
	if len(n.Lists) > 50 {
		return fmt.Errorf("widgets: Neighbours: %d lists: want at most 50", len(n.Lists))
	}
	for i, l := range n.Lists {
		if len(l.Items) == 0 {
			return fmt.Errorf("widgets: Neighbours: list %d (%q) is empty", i, l.Query)
		}
		if err := tooMany(fmt.Sprintf("widgets: Neighbours: list %d (%q)", i, l.Query), len(l.Items)); err != nil {
			return err
		}
		for j, it := range l.Items {
			c := float64(it.Cosine)
			if err := finite(fmt.Sprintf("widgets: Neighbours: list %q item %d (%q) cosine", l.Query, j, it.Piece), c); err != nil {
				return err
			}
			if c < -1.0001 || c > 1.0001 {
				return fmt.Errorf("widgets: Neighbours: list %q item %d (%q): cosine %g outside [-1, 1]", l.Query, j, it.Piece, c)
			}
		}
	}
	return nil
}

func (n Neighbours) title() string {
	if n.Title == "" {
		return "Nearest tokens by cosine similarity"
	}
	return n.Title
}

// HTML renders the lists.
func (n Neighbours) HTML() (string, error) {
	if err := n.check(); err != nil {
		return "", err
	}
	id := newID()
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-neighbours" id="%s">%s<h4>%s</h4>`, id, style, esc(n.title()))
	if len(n.Lists) > 1 {
		w.WriteString(`<div class="ctl">`)
		for i, l := range n.Lists {
			w.WriteString(idf(id, `<button type="button" id="{id}-q%d" aria-pressed="%t">%s</button>`, i, i == 0, esc(visible(l.Query))))
		}
		w.WriteString(`</div>`)
	}
	for i, l := range n.Lists {
		cls := "stage"
		if i == 0 {
			cls += " on"
		}
		fmt.Fprintf(&w, `<div class="%s" data-s="%d"><p><b>%s</b>`, cls, i, esc(visible(l.Query)))
		if l.Note != "" {
			fmt.Fprintf(&w, ` <span class="note">%s</span>`, esc(l.Note))
		}
		w.WriteString(`</p><table><thead><tr><th scope="col">#</th><th scope="col">token</th><th scope="col">id</th><th scope="col">cosine</th><th scope="col"></th></tr></thead><tbody>`)
		for j, it := range l.Items {
			bw := max(0, float64(it.Cosine)) * 120
			fmt.Fprintf(&w, `<tr><td>%d</td><td><span class="tok">%s</span></td><td>%s</td><td>%s</td><td><svg width="124" height="12" viewBox="0 0 124 12" aria-hidden="true"><rect class="bar" x="0" y="1" width="%.1f" height="10"></rect></svg></td></tr>`,
				j+1, esc(visible(it.Piece)), idText(it.ID), num(float64(it.Cosine), 3), bw)
		}
		w.WriteString(`</tbody></table></div>`)
	}
	if len(n.Lists) > 1 {
		w.WriteString(script(id, jsonData(len(n.Lists)), `var st=qa(r,".stage"),bs=qa(r,"button[id*='-q']");
bs.forEach(function(b,i){b.addEventListener("click",function(){st.forEach(function(s,j){s.classList.toggle("on",j===i);});bs.forEach(function(c,j){c.setAttribute("aria-pressed",j===i?"true":"false");});});});`))
	}
	w.WriteString(`</div>`)
	return w.String(), nil
}

// Text renders every list as a small table.
func (n Neighbours) Text() (string, error) {
	if err := n.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(n.title() + "\n")
	for _, l := range n.Lists {
		fmt.Fprintf(&b, "%s", visible(l.Query))
		if l.Note != "" {
			fmt.Fprintf(&b, " (%s)", l.Note)
		}
		b.WriteString("\n")
		for j, it := range l.Items {
			b.WriteString(row([]string{fmt.Sprint(j + 1), visible(it.Piece), idText(it.ID), num(float64(it.Cosine), 3)}, 4, -16, 8, 7))
		}
	}
	return b.String(), nil
}

// recordedNote labels the lists recorded with the real model.
const recordedNote = "recorded with Qwen3.5-0.8B"

// FromNearest shows, for each word (with its leading space: " king"), the
// k tokens of the whole vocabulary whose embedding rows are nearest to it
// by cosine, leaving out the word's own tokens. A word the vocabulary cuts
// into several tokens is looked up by the mean of their rows, and its note
// says so. Where neighbours of the word were recorded with Qwen3.5-0.8B,
// that list follows the model's own, labelled. It cannot fail: an error
// (a word with no tokens) is reported when the widget is shown.
func FromNearest(e *llm.Embeddings, k int, words ...string) Neighbours {
	n := Neighbours{Title: "Nearest tokens by cosine, whole vocabulary · " + e.Model().Name}
	for _, w := range words {
		word, err := e.Word(w)
		var items []llm.Neighbour
		if err == nil {
			items, err = e.Nearest(word.Vec, k, word.IDs...)
		}
		if err != nil {
			return Neighbours{err: fmt.Errorf("widgets: FromNearest: %w", err)}
		}
		note := fmt.Sprintf("%s: %d token(s) %q", e.Model().Name, len(word.IDs), word.Pieces)
		n.Lists = append(n.Lists, NeighbourList{Query: w, Note: note, Items: items})
		if rec := llm.RecordedNearest(w); rec != nil {
			n.Lists = append(n.Lists, NeighbourList{Query: w, Note: recordedNote, Items: rec})
		}
	}
	return n
}

// FromAnalogies shows the nearest tokens of each analogy the model could
// answer, followed by the answers recorded with Qwen3.5-0.8B (for every
// analogy that has one, answered here or not).
func FromAnalogies(as []llm.Analogy) Neighbours {
	n := Neighbours{Title: "a − b + c: nearest tokens (a, b, c left out)"}
	var recorded []NeighbourList
	for _, a := range as {
		q := strings.ReplaceAll(a.Query, "-", "−")
		if a.Err == nil && len(a.Nearest) > 0 {
			n.Lists = append(n.Lists, NeighbourList{Query: q, Note: a.Model, Items: a.Nearest})
		}
		if a.Recorded != nil {
			recorded = append(recorded, NeighbourList{Query: q, Note: recordedNote, Items: a.Recorded})
		}
	}
	n.Lists = append(n.Lists, recorded...)
	return n
}

// idText shows a token id, or "–" for an unknown (negative) one.
func idText(id int) string {
	if id < 0 {
		return "–"
	}
	return fmt.Sprint(id)
}
