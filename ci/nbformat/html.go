package nbformat

import (
	"encoding/base64"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"
)

// HTML renders a notebook as one self-contained HTML page for reading: markdown
// cells rendered (see MarkdownHTML), code cells with their outputs (HTML and SVG
// inline, PNG/JPEG as data URLs, everything else as text). HTML outputs are
// included as they are: export only notebooks whose outputs you produced.
func HTML(nb *Notebook, title, subtitle string) []byte {
	var b strings.Builder
	title = html.EscapeString(title)
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%s</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
.src{border-left:3px solid #4a7}.err{background:#fdd}.stderr{background:#fee}
.md table{border-collapse:collapse}.md td,.md th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left}
code{background:#f0f0f0;padding:0 .2rem}.out{margin:.3rem 0 1.2rem 0}.count{color:#888;font-size:.8rem}
</style></head><body>
<p class="count">%s</p>
`, title, html.EscapeString(subtitle))
	for _, c := range nb.Cells {
		switch c.Type {
		case "markdown":
			fmt.Fprintf(&b, "<div class=\"md\">\n%s</div>\n", MarkdownHTML(c.Source))
		case "code":
			n := " "
			if c.ExecutionCount != nil {
				n = fmt.Sprint(*c.ExecutionCount)
			}
			fmt.Fprintf(&b, "<p class=\"count\">In [%s]:</p><pre class=\"src\">%s</pre>\n<div class=\"out\">\n", n, html.EscapeString(c.Source))
			for _, o := range c.Outputs {
				WriteOutput(&b, o, nil)
			}
			b.WriteString("</div>\n")
		default:
			fmt.Fprintf(&b, "<pre>%s</pre>\n", html.EscapeString(c.Source))
		}
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

// WriteOutput writes one output as HTML to b: a stream's text, an error with
// its traceback, or the richest form of a display (see HTML). markdown
// renders text/markdown displays; nil means MarkdownHTML.
func WriteOutput(b *strings.Builder, o *Output, markdown func(string) string) {
	if markdown == nil {
		markdown = MarkdownHTML
	}
	switch o.Type {
	case Stream:
		fmt.Fprintf(b, "<pre class=\"%s\">%s</pre>\n", html.EscapeString(o.Name), html.EscapeString(StripANSI(o.Text)))
	case Error:
		fmt.Fprintf(b, "<pre class=\"err\">%s</pre>\n", html.EscapeString(StripANSI(o.EName+": "+o.EValue+"\n"+strings.Join(o.Traceback, "\n"))))
	default:
		writeBundle(b, o.Data, markdown)
	}
}

// writeBundle shows the richest representation of a MIME bundle.
func writeBundle(b *strings.Builder, data map[string]any, markdown func(string) string) {
	text := func(k string) string { s, _ := data[k].(string); return s }
	switch {
	case text("text/html") != "":
		b.WriteString(text("text/html") + "\n")
	case text("image/svg+xml") != "":
		b.WriteString(text("image/svg+xml") + "\n")
	case text("image/png") != "" || text("image/jpeg") != "":
		mime := "image/png"
		if text(mime) == "" {
			mime = "image/jpeg"
		}
		raw := strings.Join(strings.Fields(text(mime)), "")
		if _, err := base64.StdEncoding.DecodeString(raw); err == nil {
			fmt.Fprintf(b, "<img alt=\"a cell's image output\" src=\"data:%s;base64,%s\">\n", mime, raw)
		}
	case text("text/markdown") != "":
		b.WriteString(markdown(text("text/markdown")))
	case text("text/plain") != "":
		fmt.Fprintf(b, "<pre>%s</pre>\n", html.EscapeString(text("text/plain")))
	default:
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(b, "<pre>[%s]</pre>\n", html.EscapeString(strings.Join(keys, ", ")))
	}
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// StripANSI removes terminal color codes (Go's and GoNB's error output has them).
func StripANSI(s string) string { return ansi.ReplaceAllString(s, "") }
