package widgets_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/how-llms-work/course/widgets"
)

// sanitizeAllowed approximates JupyterLab's sanitizer for untrusted
// outputs (sanitize-html's default tags plus svg, h1, h2, img, span): other
// elements are unwrapped (their text kept), scripts and styles dropped with
// their content, and every attribute but a few removed.
var sanitizeAllowed = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`address article aside footer header h1 h2 h3 h4 h5 h6 hgroup main nav section
		blockquote dd div dl dt figcaption figure hr li ol p pre ul a abbr b bdi bdo br cite code data dfn em i kbd
		mark q rb rp rt rtc ruby s samp small span strong sub sup time u var wbr caption col colgroup table tbody
		td tfoot th thead tr svg img`) {
		sanitizeAllowed[t] = true
	}
}

// sanitizedText returns the text a reader sees of h after sanitization,
// with block elements on their own lines.
func sanitizedText(t *testing.T, h string) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && sanitizeAllowed[n.Data] && (n.Data == "tr" || n.Data == "p" || n.Data == "div" || n.Data == "li") {
			b.WriteString("\n")
		} else if n.Type == html.ElementNode && (n.Data == "td" || n.Data == "th") {
			b.WriteString(" ")
		}
	}
	walk(parse(t, h))
	return b.String()
}

// TestSanitizedView checks that an untrusted notebook (scripts and styles
// stripped, unknown tags unwrapped) still shows each widget's content.
func TestSanitizedView(t *testing.T) {
	for _, c := range []struct {
		w    widgets.Widget
		want []string
	}{
		{toy(), []string{"·cat 2.40 11.023 ÷ 19.064 0.578", "Σ  19.064  1.000", "×1.00 (temperature T = 1.00)"}},
		{demoBars(), []string{"·floor 3.10 0.489 0.489"}},
		{demoTrace(), []string{"The·cat·sat·on·the·floor,·and", "tokens = append(tokens, next)", "·floor 0.420", "← sampled"}},
		{demoQuiz(), []string{"1. Mechanically, what does an LLM compute", "✓ A score for every token in the vocabulary — Tokens in"}},
		{demoFit(t), []string{"loss (MSE)", "Best possible line (least squares): a = "}},
		{demoJourney(), []string{"Stage 1 / 6 · Text", "·cat 7993", "Stage 5 / 6 · Logits", "·floor 6645 17.20 0.420", "The cat sat on the floor"}},
		{demoWVA(), []string{"embed_tokens [248,320 × 1,024] 254,279,680", "total  852,985,920"}},
	} {
		got := sanitizedText(t, mustHTML(t, c.w))
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%T sanitized view lacks %q:\n%s", c.w, w, got)
			}
		}
	}
}
