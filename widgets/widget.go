package widgets

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/how-llms-work/course/llm"
)

// A Widget is anything this package can draw: it renders itself as one
// self-contained HTML fragment and as a plain-text form for terminals,
// logs and CI.
type Widget interface {
	// HTML returns the widget as one self-contained HTML fragment, or an
	// error naming what in the input is wrong.
	HTML() (string, error)
	// Text returns a readable plain-text form (a small table).
	Text() (string, error)
}

// Show displays w: in a GoNB notebook as one output carrying the HTML and,
// for frontends that show no HTML (jupyter console, text exports), the
// plain-text form; anywhere else the plain-text form on standard output.
func Show(w Widget) error {
	if gonbui.IsNotebook {
		h, err := w.HTML()
		if err != nil {
			return err
		}
		t, err := w.Text()
		if err != nil {
			return err
		}
		gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{
			protocol.MIMETextHTML:  h,
			protocol.MIMETextPlain: t,
		}})
		if err := gonbui.Error(); err != nil {
			return fmt.Errorf("widgets: display in the notebook: %w", err)
		}
		flush()
		return nil
	}
	return Fprint(os.Stdout, w)
}

// flush waits (briefly) until GoNB has taken every display sent so far.
// GoNB v0.11.3 closes a cell program's display pipe when the program
// exits, so a display sent just before the end of a cell can be lost
// without this. The wait is bounded: a kernel that never acknowledges
// costs two seconds, never a hang.
func flush() {
	done := make(chan struct{})
	go func() {
		gonbui.Sync()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}

// MustShow is Show for notebook cells: it panics on error.
func MustShow(w Widget) {
	if err := Show(w); err != nil {
		panic(err)
	}
}

// Fprint writes the plain-text form of w to out.
func Fprint(out io.Writer, w Widget) error {
	t, err := w.Text()
	if err != nil {
		return err
	}
	if !strings.HasSuffix(t, "\n") {
		t += "\n"
	}
	_, err = io.WriteString(out, t)
	return err
}

// Page joins rendered widgets into one standalone HTML document, for saving
// to a file or opening in a browser. The page loads nothing from elsewhere.
func Page(title string, ws ...Widget) (string, error) {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
	b.WriteString(esc(title))
	b.WriteString("</title></head>\n<body>\n")
	for i, w := range ws {
		h, err := w.HTML()
		if err != nil {
			return "", fmt.Errorf("widgets: page %q: widget %d: %w", title, i, err)
		}
		b.WriteString(h)
		b.WriteString("\n")
	}
	b.WriteString("</body></html>\n")
	return b.String(), nil
}

// newID returns a fresh element id for one rendering. It comes from
// crypto/rand so that many widgets, rendered by separate cell processes,
// can share one page without clashing.
func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return "llmw-" + hex.EncodeToString(b[:])
}

// esc escapes text for HTML element content and quoted attributes.
func esc(s string) string { return html.EscapeString(s) }

// jsonData encodes v for embedding inside a <script> element: encoding/json
// escapes <, > and & so the data cannot close the script.
func jsonData(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only finite numbers, strings and slices reach here (validated before).
		panic(fmt.Sprintf("widgets: internal error encoding data: %v", err))
	}
	return string(b)
}

// finite reports an error when v is NaN or infinite.
func finite[F llm.Float](what string, v F) error {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return fmt.Errorf("%s is %v: want a finite number", what, v)
	}
	return nil
}

// num formats v the way the widgets' JavaScript does (fmtN in baseJS):
// fixed with d decimals for ordinary magnitudes, exponent form otherwise.
func num[F llm.Float](x F, d int) string {
	v := float64(x)
	a := math.Abs(v)
	if v != 0 && (a >= 1e6 || a < 0.5*math.Pow(10, -float64(d))) {
		return strconv.FormatFloat(v, 'e', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// visible shows a token piece with its spaces made visible (a leading space
// is part of most tokens) and control characters escaped.
func visible(piece string) string {
	var b strings.Builder
	for _, r := range piece {
		switch {
		case r == ' ':
			b.WriteRune('·')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "∅"
	}
	return b.String()
}

// commas formats n with thousands separators: 248320 → "248,320".
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// style is the one small stylesheet every widget carries. It is scoped to
// the .llmw class, takes its colors from the surrounding theme (JupyterLab's
// CSS variables with currentColor fallbacks) so it reads in light and dark
// themes, and only refines a layout that works without it (a sanitizer may
// drop it).
const style = `<style>
.llmw{font:13px/1.4 var(--jp-content-font-family,system-ui,sans-serif);color:var(--jp-content-font-color1,currentColor);border:1px solid var(--jp-border-color2,rgba(128,128,128,.4));border-radius:6px;padding:8px 10px;margin:6px 0;max-width:720px}
.llmw h4{margin:0 0 6px;font-size:14px}
.llmw table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:4px 0}
.llmw th,.llmw td{padding:2px 8px;text-align:right;border-bottom:1px solid rgba(128,128,128,.25)}
.llmw th:first-child,.llmw td:first-child{text-align:left}
.llmw .tok{font-family:var(--jp-code-font-family,monospace);background:rgba(128,128,128,.15);border-radius:3px;padding:0 3px;margin:1px;display:inline-block;white-space:pre}
.llmw .new{background:rgba(59,130,246,.3)}
.llmw .bar{fill:var(--llmw-accent,#3b82f6)}
.llmw .cut{opacity:.35}
.llmw .note{opacity:.75;font-size:12px;margin:4px 0}
.llmw .ctl{margin:6px 0;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.llmw input[type=range]{display:inline-block;width:160px;margin:0;vertical-align:middle}
.llmw label{font-weight:normal;margin:0;display:inline}
.llmw fieldset{border:1px solid rgba(128,128,128,.4);border-radius:4px;padding:4px 8px;margin:6px 0;min-width:0}
.llmw legend{font-size:inherit;width:auto;border:0;margin:0;padding:0 4px;color:inherit}
.llmw summary{display:list-item;cursor:pointer}
.llmw button{font:inherit;padding:2px 10px;color:inherit;background:rgba(128,128,128,.15);border:1px solid rgba(128,128,128,.5);border-radius:4px;cursor:pointer}
.llmw button:focus-visible,.llmw input:focus-visible{outline:2px solid var(--llmw-accent,#3b82f6)}
.llmw button[aria-pressed=true]{background:rgba(59,130,246,.35)}
.llmw pre{margin:4px 0;font-family:var(--jp-code-font-family,monospace)}
.llmw pre span{display:block;padding:0 4px}
.llmw pre span.active{background:rgba(250,204,21,.35);outline:1px solid rgba(250,204,21,.8)}
.llmw tr.pick.active{background:rgba(250,204,21,.25)}
.llmw.js tr.pick:not(.active) .mark{visibility:hidden}
.llmw .ok{color:#16a34a}.llmw .bad{color:#dc2626}
.llmw [hidden]{display:none!important}
.llmw:not(.js) button,.llmw:not(.js) input[type=range]{display:none}
.llmw.js .stage{display:none}.llmw.js .stage.on{display:block}
.llmw svg text{fill:currentColor;font-size:11px}
</style>`

// baseJS holds the helpers every widget script uses; fmtN mirrors num.
const baseJS = `function fmtN(v,d){var a=Math.abs(v);if(v!==0&&(a>=1e6||a<0.5*Math.pow(10,-d))){var s=v.toExponential(2);return s.replace(/e([+-])(\d)$/,"e$10$2");}return v.toFixed(d);}
function q(r,s){return r.querySelector(s);}
function qa(r,s){return Array.prototype.slice.call(r.querySelectorAll(s));}
`

// script wraps a widget's code so it runs once, on its own root element.
func script(id, data, body string) string {
	return "<script>(function(){\"use strict\";var r=document.getElementById(\"" + id +
		"\");if(!r||r.getAttribute(\"data-live\"))return;r.setAttribute(\"data-live\",\"1\");r.classList.add(\"js\");var D=" +
		data + ";\n" + baseJS + body + "\n})();</script>"
}

// idf is fmt.Sprintf with every "{id}" in format replaced by id.
func idf(id, format string, args ...any) string {
	return fmt.Sprintf(strings.ReplaceAll(format, "{id}", id), args...)
}

// row formats cells as a plain-text table row: each cell padded (by runes,
// not bytes) to its width, negative widths left-aligned, trailing spaces
// trimmed.
func row(cells []string, widths ...int) string {
	var b strings.Builder
	for i, c := range cells {
		w := 0
		if i < len(widths) {
			w = widths[i]
		}
		n := utf8.RuneCountInString(c)
		pad := strings.Repeat(" ", max(0, abs(w)-n))
		if i > 0 {
			b.WriteByte(' ')
		}
		if w < 0 {
			b.WriteString(c + pad)
		} else {
			b.WriteString(pad + c)
		}
	}
	return strings.TrimRight(b.String(), " ") + "\n"
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// maxRows bounds the rows of a table widget so an output stays small (a
// learner passing all 248,320 logits gets an error pointing to the top-k
// helpers instead of a 30 MB output).
const maxRows = 500

// tooMany returns an error when n rows exceed maxRows.
func tooMany(what string, n int) error {
	if n > maxRows {
		return fmt.Errorf("%s: %d rows: want at most %d (use TopSoftmax or TopCandidates to keep the top k)", what, n, maxRows)
	}
	return nil
}

// Float64s converts a float32 vector (embedding norms, a row) to the
// float64 that Histogram and LineChart take.
func Float64s[F llm.Float](v []F) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
