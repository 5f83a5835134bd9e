package widgets_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/how-llms-work/course/widgets"
)

// parse parses a rendered fragment and fails the test on error.
func parse(t *testing.T, h string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(h))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

// all returns every element node under n for which keep is true.
func all(n *html.Node, keep func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && keep(d) {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, c string) bool {
	v, _ := attr(n, "class")
	for _, f := range strings.Fields(v) {
		if f == c {
			return true
		}
	}
	return false
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

func class(c string) func(*html.Node) bool {
	return func(n *html.Node) bool { return hasClass(n, c) }
}

// text returns the text content of n.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// checkSelfContained fails when a fragment could reach the network or
// breaks the rules every widget keeps: one root .llmw element with an id,
// unique ids, every form control labelled, no external references.
func checkSelfContained(t *testing.T, h string) *html.Node {
	t.Helper()
	doc := parse(t, h)
	roots := all(doc, class("llmw"))
	if len(roots) != 1 {
		t.Fatalf("%d .llmw roots, want 1", len(roots))
	}
	if id, _ := attr(roots[0], "id"); !strings.HasPrefix(id, "llmw-") {
		t.Errorf("root id %q, want llmw-…", id)
	}
	ids := map[string]bool{}
	labels := map[string]bool{}
	for _, n := range all(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			v := strings.ToLower(a.Val)
			switch {
			case a.Key == "src" || a.Key == "href" || a.Key == "srcset" || a.Key == "action" || a.Key == "xlink:href":
				t.Errorf("<%s %s=%q>: no external references allowed", n.Data, a.Key, a.Val)
			case strings.Contains(v, "http:") || strings.Contains(v, "https:") || strings.Contains(v, "//") || strings.Contains(v, "url("):
				t.Errorf("<%s %s=%q>: looks like a URL", n.Data, a.Key, a.Val)
			case strings.HasPrefix(a.Key, "on"):
				t.Errorf("<%s %s>: inline event handler (a stored output must not act on a click)", n.Data, a.Key)
			}
		}
		if id, ok := attr(n, "id"); ok {
			if ids[id] {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = true
		}
		if n.Data == "label" {
			f, _ := attr(n, "for")
			labels[f] = true
		}
		switch n.Data {
		case "link", "iframe", "img", "object", "embed", "base", "form", "a":
			t.Errorf("<%s> element: widgets embed everything inline", n.Data)
		case "style":
			s := strings.ToLower(text(n))
			for _, bad := range []string{"@import", "url(", "http", "//"} {
				if strings.Contains(s, bad) {
					t.Errorf("<style> contains %q", bad)
				}
			}
		case "script":
			if _, ok := attr(n, "src"); ok {
				t.Errorf("<script src>: want inline scripts only")
			}
			s := text(n)
			for _, bad := range []string{"http", "//", "fetch(", "XMLHttpRequest", "WebSocket", "import(", "Jupyter", "IPython", "require("} {
				if strings.Contains(s, bad) {
					t.Errorf("<script> contains %q", bad)
				}
			}
		}
	}
	for _, n := range all(doc, func(n *html.Node) bool { return n.Data == "input" || n.Data == "select" }) {
		id, _ := attr(n, "id")
		if _, ok := attr(n, "aria-label"); !ok && !labels[id] {
			t.Errorf("<%s id=%q> has no label", n.Data, id)
		}
	}
	for _, n := range all(doc, tag("button")) {
		if typ, _ := attr(n, "type"); typ != "button" || strings.TrimSpace(text(n)) == "" {
			t.Errorf("<button type=%q>%s</button>: want type=button and a visible name", typ, text(n))
		}
	}
	return doc
}

// rootID returns the id of the widget root in a rendered fragment.
func rootID(t *testing.T, h string) string {
	t.Helper()
	roots := all(parse(t, h), class("llmw"))
	if len(roots) == 0 {
		t.Fatal("no .llmw root")
	}
	id, _ := attr(roots[0], "id")
	return id
}

// softmax64 is the float64 reference softmax of k·z.
func softmax64(z []float64, k float64) []float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, k*v)
	}
	p := make([]float64, len(z))
	s := 0.0
	for i, v := range z {
		p[i] = math.Exp(k*v - m)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

func f3(v float64) string { return fmt.Sprintf("%.3f", v) }

// toy is the seed course's five-token vocabulary.
func toy() widgets.SoftmaxTable {
	return widgets.SoftmaxTable{
		Title:  "Softmax on a 5-token toy vocabulary",
		Tokens: []string{" cat", " dog", " ran", " the", "."},
		Logits: []float64{2.4, 1.6, 0.7, -0.3, -1.1},
	}
}

func mustHTML(t *testing.T, w widgets.Widget) string {
	t.Helper()
	h, err := w.HTML()
	if err != nil {
		t.Fatalf("%T.HTML: %v", w, err)
	}
	return h
}

// near reports whether a displayed number equals want to the digits shown:
// 3 decimals, or 3 significant digits in exponent form.
func near(shown string, want float64) bool {
	v, err := strconv.ParseFloat(shown, 64)
	if err != nil {
		return false
	}
	if strings.ContainsAny(shown, "eE") {
		return math.Abs(v-want) <= 0.006*math.Abs(want)
	}
	return math.Abs(v-want) <= 0.0005+1e-12
}
