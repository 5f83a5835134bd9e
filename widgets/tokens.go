package widgets

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/how-llms-work/course/llm"
)

// Chip is one token of a [TokenChips] view.
type Chip struct {
	ID      int
	Piece   string // the token as text; bytes of an unfinished character as <0xF0> (tokenizer.Piece)
	Special bool   // an added token such as <|im_end|>, drawn apart
}

// TokenChips shows a text cut into tokens: one chip per token with its id
// under it, a leading space drawn as ·, a newline as ↵ and a tab as →,
// special tokens with a dashed border, byte pieces (<0xF0>) in red, and the
// footer "N tokens · M characters · ratio". With scripts on, a button hides
// or shows the ids.
type TokenChips struct {
	Title  string
	Source string // the text that was encoded: its characters are the footer's M
	Chips  []Chip
	Note   string
}

// Tokens encodes text with tok and returns its chips.
func Tokens(tok *llm.Tokenizer, text string) TokenChips {
	ids := tok.Encode(text)
	tc := TokenChips{Source: text, Chips: make([]Chip, len(ids))}
	for i, id := range ids {
		tc.Chips[i] = Chip{ID: id, Piece: tok.Piece(id), Special: tok.IsAdded(id)}
	}
	return tc
}

// maxChips bounds the chips of one view (an output stays small).
const maxChips = 2000

func (tc TokenChips) check() error {
	if len(tc.Chips) > maxChips {
		return fmt.Errorf("widgets: TokenChips: %d tokens: want at most %d (show a shorter text)", len(tc.Chips), maxChips)
	}
	if !utf8.ValidString(tc.Source) {
		return fmt.Errorf("widgets: TokenChips: the text is not valid UTF-8")
	}
	return nil
}

// Ratio returns the characters per token of the view (0 with no tokens).
func (tc TokenChips) Ratio() float64 {
	if len(tc.Chips) == 0 {
		return 0
	}
	return float64(utf8.RuneCountInString(tc.Source)) / float64(len(tc.Chips))
}

// Footer is the line under the chips: "N tokens · M characters · R chars/token".
func (tc TokenChips) Footer() string {
	n, m := len(tc.Chips), utf8.RuneCountInString(tc.Source)
	s := fmt.Sprintf("%s %s · %s %s", commas(int64(n)), plural(n, "token"), commas(int64(m)), plural(m, "character"))
	if n > 0 {
		s += fmt.Sprintf(" · %.2f chars/token", tc.Ratio())
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// chipLabel shows a token with its white space made visible: · for a space,
// ↵ for a newline, → for a tab, ⏎ for a carriage return.
func chipLabel(piece string) string {
	r := strings.NewReplacer(" ", "·", "\n", "↵", "\t", "→", "\r", "⏎")
	s := r.Replace(piece)
	var b strings.Builder
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
		} else {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "∅"
	}
	return b.String()
}

// HTML renders the chips.
func (tc TokenChips) HTML() (string, error) {
	if err := tc.check(); err != nil {
		return "", err
	}
	id := newID()
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-chips" id="%s">%s%s`, id, style, chipStyle)
	if tc.Title != "" {
		fmt.Fprintf(&b, `<h4>%s</h4>`, esc(tc.Title))
	}
	b.WriteString(`<div class="ctl"><button type="button" aria-pressed="true">ids</button></div><div class="chips">`)
	for i, c := range tc.Chips {
		cls := fmt.Sprintf("chip c%d", i%3)
		if c.Special {
			cls += " special"
		}
		if strings.HasPrefix(c.Piece, "<0x") {
			cls += " byte"
		}
		fmt.Fprintf(&b, `<span class="%s"><span class="t">%s</span><span class="id">%d</span></span>`, cls, esc(chipLabel(c.Piece)), c.ID)
	}
	fmt.Fprintf(&b, `</div><p class="foot">%s</p>`, esc(tc.Footer()))
	if tc.Note != "" {
		fmt.Fprintf(&b, `<p class="note">%s</p>`, esc(tc.Note))
	}
	b.WriteString(script(id, "0", chipsJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

const chipStyle = `<style>
.llmw-chips .chips{display:flex;flex-wrap:wrap;gap:3px;margin:4px 0}
.llmw-chips .chip{display:inline-flex;flex-direction:column;align-items:center;border-radius:4px;padding:1px 4px;font-family:var(--jp-code-font-family,monospace);border:1px solid transparent}
.llmw-chips .chip .t{white-space:pre}
.llmw-chips .chip .id{font-size:10px;opacity:.7}
.llmw-chips .c0{background:rgba(59,130,246,.22)}.llmw-chips .c1{background:rgba(16,185,129,.22)}.llmw-chips .c2{background:rgba(245,158,11,.25)}
.llmw-chips .byte{background:rgba(239,68,68,.2)}
.llmw-chips .special{background:transparent;border:1px dashed currentColor;font-weight:bold}
.llmw-chips.noids .id{display:none}
.llmw-chips .foot{margin:4px 0;font-variant-numeric:tabular-nums}
</style>`

const chipsJS = `var btn=q(r,"button");btn.addEventListener("click",function(){var on=btn.getAttribute("aria-pressed")==="true";btn.setAttribute("aria-pressed",on?"false":"true");r.classList.toggle("noids",on);});`

// Text renders the chips as one line of [piece|id] cells and the footer.
func (tc TokenChips) Text() (string, error) {
	if err := tc.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	if tc.Title != "" {
		b.WriteString(tc.Title + "\n")
	}
	for i, c := range tc.Chips {
		if i > 0 {
			b.WriteByte(' ')
		}
		open, end := "[", "]"
		if c.Special {
			open, end = "[[", "]]"
		}
		fmt.Fprintf(&b, "%s%s|%d%s", open, chipLabel(c.Piece), c.ID, end)
	}
	b.WriteString("\n" + tc.Footer() + "\n")
	if tc.Note != "" {
		b.WriteString(tc.Note + "\n")
	}
	return b.String(), nil
}
