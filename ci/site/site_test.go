package site

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/ci/nbformat"
	"github.com/how-llms-work/course/widgets"
)

// chapterNotebook returns an executed notebook of chapter n with the
// chapter frame, a ribbon widget as output, and navigation links.
func chapterNotebook(t *testing.T, n int, title, prev, next string) []byte {
	t.Helper()
	h, err := widgets.Ribbon(n, nil).HTML()
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	nav := "---\n\n[Contents](README.md)"
	if prev != "" {
		nav += " · Previous: [← back](" + prev + ".ipynb)"
	}
	if next != "" {
		nav += " · Next: [onward →](" + next + ".ipynb)"
	}
	nb := &nbformat.Notebook{Format: 4, Minor: 5, Metadata: map[string]any{}, Cells: []*nbformat.Cell{
		{ID: "title", Type: "markdown", Source: fmt.Sprintf("# Chapter %d · %s\n\n**Goal.** Learn chapter %d\nwell.\n\n**Time.** About %d minutes.", n, title, n, n+5)},
		{ID: "ribbon", Type: "code", Source: fmt.Sprintf("%%%%\nwidgets.MustShow(widgets.Ribbon(%d, m))", n), ExecutionCount: &one,
			Outputs: []*nbformat.Output{{Type: nbformat.DisplayData, Data: map[string]any{"text/html": h, "text/plain": "ribbon"}},
				{Type: nbformat.Stream, Name: "stdout", Text: "x < y & z\n"}}},
		{ID: "try", Type: "markdown", Source: "## Try this\n\nWhat is 2 + 2?\n\n<details>\n<summary>Answer</summary>\n\n**Four**, as `2 + 2` says.\n</details>"},
		{ID: "nav", Type: "markdown", Source: nav},
	}}
	data, err := nbformat.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const index = `# Chapters

| # | chapter | goal | reading time | status |
|---|---|---|---|---|
| 1 | [What is an LLM?](01-what-is-an-llm.ipynb) | the outline | 6 min | ready |
| 2 | [Tokenization](02-tokenization.ipynb) | tokens | 7 min | ready |
| 3 | [Embeddings](03-embeddings.ipynb) | vectors | 7 min | planned |
| 4 | [Self-attention](04-self-attention.ipynb) | attention | 9 min | ready |
`

// testBook writes executed chapters 1, 2 and 4 (3 is planned) and the
// index, and builds the book into a fresh folder.
func testBook(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, nb := range []struct {
		n                 int
		slug, title, prev string
		next              string
	}{
		{1, "01-what-is-an-llm", "What is an LLM?", "", "02-tokenization"},
		{2, "02-tokenization", "Tokenization", "01-what-is-an-llm", "03-embeddings"},
		{4, "04-self-attention", "Self-attention", "03-embeddings", ""},
	} {
		if err := os.WriteFile(filepath.Join(dir, nb.slug+".ipynb"), chapterNotebook(t, nb.n, nb.title, nb.prev, nb.next), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Files that are not chapters are ignored.
	os.WriteFile(filepath.Join(dir, "scratch.ipynb"), []byte("{}"), 0o644)
	readme := filepath.Join(dir, "README.md")
	if err := os.WriteFile(readme, []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Load(dir, readme)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "site")
	if err := b.Write(out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBook(t *testing.T) {
	out := testBook(t)
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	for i := range files {
		files[i] = filepath.Base(files[i])
	}
	if want := []string{"01-what-is-an-llm.html", "02-tokenization.html", "04-self-attention.html", "index.html"}; !slices.Equal(files, want) {
		t.Fatalf("the book has %v, want %v", files, want)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	idx := read("index.html")
	for _, want := range []string{`<a href="01-what-is-an-llm.html">What is an LLM?</a>`, `<span class="planned">Embeddings (not written yet)</span>`, `<td>vectors</td><td class="m">7 min</td>`, `<a href="04-self-attention.html">`} {
		if !strings.Contains(idx, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	two := read("02-tokenization.html")
	for _, want := range []string{
		`<a href="index.html" rel="contents">Contents</a><a href="01-what-is-an-llm.html" rel="prev">← 1 · What is an LLM?</a><a href="04-self-attention.html" rel="next">4 · Self-attention →</a>`,
		`<details><summary>Answer</summary>`, `<strong>Four</strong>, as <code>2 + 2</code> says.`, // the hidden answer, rendered
		`Previous: <a href="01-what-is-an-llm.html">← back</a>`,               // a notebook link to a chapter in the book
		`Next: <span class="planned" title="not written yet">onward →</span>`, // … and to one that is not
		`<a href="index.html">Contents</a>`,                                   // the README link
		`class="llmw llmw-ribbon"`, `<script>`,                                // the widget, with its script
		`<pre class="stdout">x &lt; y &amp; z`,
		`<title>2 · Tokenization — How LLMs Work</title>`,
	} {
		if !strings.Contains(two, want) {
			t.Errorf("02-tokenization.html lacks %s", want)
		}
	}
	for _, name := range files {
		page := read(name)
		for _, bad := range []string{"http://", "https://", ".ipynb", "README.md", "src=\"//"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
	// Chapter 1 has no previous chapter, 4 no next.
	if one := read("01-what-is-an-llm.html"); strings.Contains(one, `rel="prev"`) || !strings.Contains(one, `rel="next"`) {
		t.Error("chapter 1's navigation")
	}
	if four := read("04-self-attention.html"); strings.Contains(four, `rel="next"`) || !strings.Contains(four, `<a href="02-tokenization.html" rel="prev">`) {
		t.Error("chapter 4's navigation")
	}
}

func TestMarkdownDetails(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"<details>\n<summary>Answer</summary>\n\n**Yes.**\n</details>", "<details><summary>Answer</summary>\n<p><strong>Yes.</strong></p>\n</details>\n"},
		{"<details><summary>Answer</summary>\n\nNo.\n</details>", "<details><summary>Answer</summary>\n<p>No.</p>\n</details>\n"},
		{"<details>\nNo summary.\n</details>", "<details><summary>Details</summary>\n<p>No summary.</p>\n</details>\n"},
		{"<details>\nnever closed", "<p>&lt;details&gt;\nnever closed</p>\n"},
		{"Before\n\n<details><summary>a <b></summary>\nx\n</details>\n\nAfter", "<p>Before</p>\n<details><summary>a &lt;b&gt;</summary>\n<p>x</p>\n</details>\n<p>After</p>\n"},
	} {
		if got := markdown(tc.src); got != tc.want {
			t.Errorf("markdown(%q) =\n%q, want\n%q", tc.src, got, tc.want)
		}
	}
}

func TestBookWithoutIndex(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "01-what-is-an-llm.ipynb"), chapterNotebook(t, 1, "What is an LLM?", "", ""), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Chapters) != 1 || b.Chapters[0].Title != "What is an LLM?" || b.Chapters[0].Goal != "Learn chapter 1 well." || b.Chapters[0].Minutes != 6 {
		t.Errorf("chapter read from its notebook: %+v", b.Chapters[0])
	}
}

func TestBookErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := Load(empty, ""); err == nil || !strings.Contains(err.Error(), "make notebooks") {
		t.Errorf("no notebooks: %v", err)
	}
	if _, err := Load(filepath.Join(empty, "missing"), ""); err == nil {
		t.Error("a missing folder loads")
	}
	// A notebook that never ran is not a chapter of the book.
	unrun := t.TempDir()
	nb, _ := nbformat.Marshal(&nbformat.Notebook{Format: 4, Minor: 5, Metadata: map[string]any{}, Cells: []*nbformat.Cell{{ID: "a", Type: "code", Source: "1"}}})
	os.WriteFile(filepath.Join(unrun, "01-x.ipynb"), nb, 0o644)
	if _, err := Load(unrun, ""); err == nil || !strings.Contains(err.Error(), "not been executed") {
		t.Errorf("an unexecuted notebook: %v", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "01-x.ipynb"), []byte(`{"cells": [`), 0o644)
	if _, err := Load(bad, ""); err == nil || !strings.Contains(err.Error(), "01-x.ipynb") {
		t.Errorf("a malformed notebook: %v", err)
	}
	if code := Command([]string{"-executed", empty, "-out", filepath.Join(empty, "site")}, &strings.Builder{}, &strings.Builder{}); code != 1 {
		t.Errorf("site with nothing to build exits %d", code)
	}
}

func evalNum(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// TestBookInBrowser opens the book in headless Chromium and follows every
// link from the contents: every page loads from the book's folder (no other
// request), the widgets' scripts run without errors, and the chapter
// navigation leads from the first chapter to the last and back. With
// LLM_EXECUTED_NOTEBOOKS set it builds the book from the real executed
// chapters (make test sets it), otherwise from test chapters.
func TestBookInBrowser(t *testing.T) {
	bin := browser.Need(t)
	out := testBook(t)
	if dir := os.Getenv("LLM_EXECUTED_NOTEBOOKS"); dir != "" {
		b, err := Load(dir, filepath.Join("..", "..", "notebooks", "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		out = filepath.Join(t.TempDir(), "site")
		if err := b.Write(out); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu     sync.Mutex
		served []string
		bad    []string
	)
	files := http.FileServer(http.Dir(out))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.URL.Path)
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(r.URL.Path))); err != nil && r.URL.Path != "/" && r.URL.Path != "/favicon.ico" {
			bad = append(bad, r.URL.Path)
		}
		mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()

	ctx := browser.Start(t, context.Background(), bin, 1000, 900, 3*time.Minute)
	// Record uncaught script errors on every page.
	var jsErrs []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			jsErrs = append(jsErrs, e.ExceptionDetails.Text)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %.80s: %v", js, err)
		}
		return v
	}
	visit := func(u string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("open %s: %v", u, err)
		}
	}

	// Crawl: every relative link of every page, breadth first from the contents.
	start := srv.URL + "/index.html"
	seen := map[string]bool{start: true}
	queue := []string{start}
	pages, widgetsSeen := 0, 0
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		visit(u)
		pages++
		if title := eval(`document.title`); title == "" {
			t.Errorf("%s has no title", u)
		}
		// A widget whose script ran carries class "js" (some widgets have no script).
		if got := eval(`Array.from(document.querySelectorAll(".llmw")).filter(e=>e.querySelector("script")&&!e.classList.contains("js")).map(e=>e.className).join(", ")`); got != "" {
			t.Errorf("%s: widgets whose script did not run: %s", u, got)
		}
		widgetsSeen += int(evalNum(eval(`String(document.querySelectorAll(".llmw.js").length)`)))
		links := strings.Fields(eval(`Array.from(document.querySelectorAll("a[href]")).map(a=>a.href).join(" ")`))
		for _, l := range links {
			p, err := url.Parse(l)
			if err != nil || p.Host != strings.TrimPrefix(srv.URL, "http://") {
				t.Errorf("%s links outside the book: %s", u, l)
				continue
			}
			p.Fragment = ""
			if !seen[p.String()] {
				seen[p.String()] = true
				queue = append(queue, p.String())
			}
		}
	}
	if pages < 2 || widgetsSeen == 0 {
		t.Fatalf("the crawl reached %d pages with %d live widgets", pages, widgetsSeen)
	}

	// Chapter navigation: from the first chapter, Next until the last,
	// then Previous back to the first, then Contents.
	visit(start)
	first := eval(`document.querySelector("table.toc a").getAttribute("href")`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`table.toc a`)), chromedp.WaitReady(chromedp.CSS("nav.book"))); err != nil {
		t.Fatal(err)
	}
	path := func() string { return eval(`location.pathname`) }
	var forward []string
	for i := 0; ; i++ {
		forward = append(forward, path())
		if eval(`String(document.querySelector('nav.top a[rel=next]')!==null)`) != "true" || i > 20 {
			break
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav.top a[rel=next]`)), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady(chromedp.CSS("nav.book"))); err != nil {
			t.Fatal(err)
		}
	}
	if forward[0] != "/"+first {
		t.Errorf("the first contents link leads to %s, want /%s", forward[0], first)
	}
	for i := len(forward) - 1; i > 0; i-- {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav.bottom a[rel=prev]`)), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady(chromedp.CSS("nav.book"))); err != nil {
			t.Fatal(err)
		}
		if got := path(); got != forward[i-1] {
			t.Errorf("Previous from %s leads to %s, want %s", forward[i], got, forward[i-1])
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav.top a[rel=contents]`)), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady(chromedp.CSS("table.toc"))); err != nil {
		t.Fatal(err)
	}
	if got := path(); got != "/index.html" && got != "/" { // http.FileServer serves index.html as /
		t.Errorf("Contents leads to %s", got)
	}
	t.Logf("followed %d pages; chapters in reading order: %v", pages, forward)

	// The hidden answer opens.
	visit(srv.URL + forward[0])
	if got := eval(`(()=>{const d=document.querySelector(".md details");if(!d)return "none";const before=d.open;d.querySelector("summary").click();return before+"→"+d.open})()`); got != "false→true" {
		t.Errorf("the Try this answer: %s", got)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(70))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(browser.ArtifactsEnv) == "" { // SaveArtifact's default is for packages one level down
		t.Setenv(browser.ArtifactsEnv, filepath.Join("..", "..", "out", "artifacts"))
	}
	browser.SaveArtifact(t, "site-chapter.png", png)

	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("requests for files not in the book: %v", bad)
	}
	if len(jsErrs) > 0 {
		t.Errorf("script errors: %v", jsErrs)
	}
	if len(served) < pages {
		t.Errorf("%d requests for %d pages", len(served), pages)
	}
}
