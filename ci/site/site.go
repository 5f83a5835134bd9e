// Package site builds the course as a static book: one self-contained HTML
// page per executed chapter notebook, a table of contents, and navigation
// between the chapters. The widgets in the chapters' outputs keep working
// (they are self-contained HTML with inline scripts), and nothing is loaded
// from the network, so the book reads offline, without Go or Jupyter.
//
// Usage (make site):
//
//	go run ./ci site -executed out/notebooks -index notebooks/README.md -out out/site
package site

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/ci/nbformat"
)

// Chapter is one entry of the table of contents.
type Chapter struct {
	N       int
	Title   string
	Slug    string // the notebook's name without .ipynb, e.g. "01-what-is-an-llm"
	Goal    string
	Minutes int
	nb      *nbformat.Notebook // nil for a chapter not in the book (planned, or not executed)
}

// InBook reports whether the chapter has a page.
func (c Chapter) InBook() bool { return c.nb != nil }

// Page returns the chapter's page name, e.g. "01-what-is-an-llm.html".
func (c Chapter) Page() string { return c.Slug + ".html" }

// Book is the set of chapters to write.
type Book struct {
	Title    string
	Chapters []Chapter // in order
}

var chapterFile = regexp.MustCompile(`^(\d\d)-[a-z0-9-]+\.ipynb$`)

// Load reads the executed chapter notebooks (NN-slug.ipynb) in dir and,
// when index is not "", the chapter table of that README (rows "| N |
// [Title](NN-slug.ipynb) | goal | M min | status |"), which adds the
// chapters not yet in the book to the contents.
func Load(dir, index string) (*Book, error) {
	b := &Book{Title: "How LLMs Work"}
	byN := map[int]*Chapter{}
	if index != "" {
		rows, err := readIndex(index)
		if err != nil {
			return nil, err
		}
		b.Chapters = append(b.Chapters, rows...)
	}
	for i := range b.Chapters {
		byN[b.Chapters[i].N] = &b.Chapters[i]
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("site: the executed notebooks: %w (run make notebooks first)", err)
	}
	found := 0
	for _, e := range entries {
		m := chapterFile.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("site: %w", err)
		}
		nb, err := nbformat.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("site: %s: %w", path, err)
		}
		if !executed(nb) {
			return nil, fmt.Errorf("site: %s has not been executed (no code cell has run): give the folder that make notebooks writes", path)
		}
		n, _ := strconv.Atoi(m[1])
		slug := strings.TrimSuffix(e.Name(), ".ipynb")
		c := byN[n]
		if c == nil {
			b.Chapters = append(b.Chapters, Chapter{N: n, Slug: slug})
			c = &b.Chapters[len(b.Chapters)-1]
			for i := range b.Chapters { // the slice may have moved
				byN[b.Chapters[i].N] = &b.Chapters[i]
			}
		} else if c.Slug != slug {
			return nil, fmt.Errorf("site: %s is chapter %d, which %s names %s.ipynb", path, n, index, c.Slug)
		}
		c.nb = nb
		title, goal, minutes := frame(nb)
		if c.Title == "" {
			c.Title = title
		}
		if c.Title == "" {
			c.Title = slug
		}
		if c.Goal == "" {
			c.Goal = goal
		}
		if c.Minutes == 0 {
			c.Minutes = minutes
		}
		found++
	}
	if found == 0 {
		return nil, fmt.Errorf("site: no executed chapter notebooks (NN-slug.ipynb) in %s: run make notebooks first", dir)
	}
	sort.Slice(b.Chapters, func(i, j int) bool { return b.Chapters[i].N < b.Chapters[j].N })
	return b, nil
}

func executed(nb *nbformat.Notebook) bool {
	for _, c := range nb.Cells {
		if c.Type == "code" && c.ExecutionCount != nil {
			return true
		}
	}
	return false
}

var (
	titleLine = regexp.MustCompile(`(?m)^# Chapter \d+ · (.+)$`)
	goalLine  = regexp.MustCompile(`(?m)^\*\*Goal\.\*\* (.+(?:\n[^\n*|#].*)*)`)
	timeLine  = regexp.MustCompile(`(?m)^\*\*Time\.\*\* About (\d+) minutes`)
	indexRow  = regexp.MustCompile(`^\| (\d+) \| \[([^\]]+)\]\(((\d\d)-[a-z0-9-]+)\.ipynb\) \| ([^|]+) \| (\d+) min \| [a-z]+ \|$`)
)

// frame reads a chapter's title, goal and reading time from its first cell.
func frame(nb *nbformat.Notebook) (title, goal string, minutes int) {
	if len(nb.Cells) == 0 || nb.Cells[0].Type != "markdown" {
		return "", "", 0
	}
	src := nb.Cells[0].Source
	if m := titleLine.FindStringSubmatch(src); m != nil {
		title = strings.TrimSpace(m[1])
	}
	if m := goalLine.FindStringSubmatch(src); m != nil {
		goal = strings.Join(strings.Fields(m[1]), " ")
	}
	if m := timeLine.FindStringSubmatch(src); m != nil {
		minutes, _ = strconv.Atoi(m[1])
	}
	return title, goal, minutes
}

func readIndex(path string) ([]Chapter, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("site: the chapter index: %w", err)
	}
	defer f.Close()
	var out []Chapter
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := indexRow.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		mins, _ := strconv.Atoi(m[6])
		out = append(out, Chapter{N: n, Title: m[2], Slug: m[3], Goal: strings.TrimSpace(m[5]), Minutes: mins})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("site: %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("site: %s has no chapter table (rows | N | [Title](NN-slug.ipynb) | goal | M min | status |)", path)
	}
	return out, nil
}

// Write writes index.html and one page per chapter in the book into dir,
// replacing what was there: the pages go to a fresh sibling folder first,
// which is then moved into place.
func (b *Book) Write(dir string) error {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".site-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "index.html"), b.Index(), 0o644); err != nil {
		return err
	}
	for i := range b.Chapters {
		if !b.Chapters[i].InBook() {
			continue
		}
		if err := os.WriteFile(filepath.Join(tmp, b.Chapters[i].Page()), b.ChapterPage(i), 0o644); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

const css = `<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:0 auto;padding:0 1rem 3rem;line-height:1.55;color:#1f2328;background:#fff}
nav.book{display:flex;gap:1rem;justify-content:space-between;flex-wrap:wrap;border-bottom:1px solid #ddd;padding:.6rem 0;margin-bottom:1rem;font-size:.95rem}
nav.book.bottom{border-top:1px solid #ddd;border-bottom:0;margin-top:2rem}
a{color:#0b5cad}.planned{color:#777}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap;font-size:.85rem}
details.code>summary{cursor:pointer;color:#555;font-size:.85rem}
pre.src{border-left:3px solid #4a7}pre.stderr{background:#fff4f4}pre.err{background:#fdd}
.md table{border-collapse:collapse}.md td,.md th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left;vertical-align:top}
code{background:#f0f0f0;padding:0 .2rem}.out{margin:.3rem 0 1.2rem 0}
table.toc{border-collapse:collapse;width:100%}table.toc td,table.toc th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
table.toc td.n,table.toc td.m{white-space:nowrap}
</style>`

func head(b *strings.Builder, title string) {
	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s</title>\n%s</head><body>\n", html.EscapeString(title), css)
}

// Index returns the table of contents page.
func (b *Book) Index() []byte {
	var s strings.Builder
	head(&s, b.Title)
	fmt.Fprintf(&s, "<h1>%s</h1>\n<p>The course's chapters as executed notebooks: every number and widget below was computed by the Go cells when the notebooks ran. The widgets are live: move their sliders and press their buttons.</p>\n", html.EscapeString(b.Title))
	s.WriteString(`<table class="toc"><thead><tr><th>#</th><th>chapter</th><th>goal</th><th>time</th></tr></thead><tbody>` + "\n")
	for _, c := range b.Chapters {
		name := html.EscapeString(c.Title)
		if c.InBook() {
			name = fmt.Sprintf(`<a href="%s">%s</a>`, html.EscapeString(c.Page()), name)
		} else {
			name = `<span class="planned">` + name + ` (not written yet)</span>`
		}
		mins := ""
		if c.Minutes > 0 {
			mins = fmt.Sprintf("%d min", c.Minutes)
		}
		fmt.Fprintf(&s, `<tr><td class="n">%d</td><td class="t">%s</td><td>%s</td><td class="m">%s</td></tr>`+"\n", c.N, name, html.EscapeString(c.Goal), mins)
	}
	s.WriteString("</tbody></table>\n</body></html>\n")
	return []byte(s.String())
}

// neighbours returns the chapters in the book before and after chapter i
// (-1 when none).
func (b *Book) neighbours(i int) (prev, next int) {
	prev, next = -1, -1
	for j := i - 1; j >= 0; j-- {
		if b.Chapters[j].InBook() {
			prev = j
			break
		}
	}
	for j := i + 1; j < len(b.Chapters); j++ {
		if b.Chapters[j].InBook() {
			next = j
			break
		}
	}
	return prev, next
}

func (b *Book) nav(i int, class string) string {
	prev, next := b.neighbours(i)
	var s strings.Builder
	fmt.Fprintf(&s, `<nav class="book %s"><a href="index.html" rel="contents">Contents</a>`, class)
	if prev >= 0 {
		p := b.Chapters[prev]
		fmt.Fprintf(&s, `<a href="%s" rel="prev">← %d · %s</a>`, html.EscapeString(p.Page()), p.N, html.EscapeString(p.Title))
	} else {
		s.WriteString(`<span></span>`)
	}
	if next >= 0 {
		n := b.Chapters[next]
		fmt.Fprintf(&s, `<a href="%s" rel="next">%d · %s →</a>`, html.EscapeString(n.Page()), n.N, html.EscapeString(n.Title))
	} else {
		s.WriteString(`<span></span>`)
	}
	s.WriteString("</nav>\n")
	return s.String()
}

// ChapterPage returns the page of chapter i: navigation, the notebook's
// cells (Markdown rendered, code with its outputs), navigation again.
func (b *Book) ChapterPage(i int) []byte {
	c := b.Chapters[i]
	var s strings.Builder
	head(&s, fmt.Sprintf("%d · %s — %s", c.N, c.Title, b.Title))
	s.WriteString(b.nav(i, "top"))
	for _, cell := range c.nb.Cells {
		switch cell.Type {
		case "markdown":
			fmt.Fprintf(&s, "<div class=\"md\">\n%s</div>\n", b.links(markdown(cell.Source)))
		case "code":
			if strings.TrimSpace(cell.Source) == "" {
				continue
			}
			fmt.Fprintf(&s, "<details class=\"code\" open><summary>Go</summary><pre class=\"src\">%s</pre></details>\n<div class=\"out\">\n", html.EscapeString(cell.Source))
			for _, o := range cell.Outputs {
				nbformat.WriteOutput(&s, o, markdown)
			}
			s.WriteString("</div>\n")
		}
	}
	s.WriteString(b.nav(i, "bottom"))
	s.WriteString("</body></html>\n")
	return []byte(s.String())
}

var (
	notebookLink = regexp.MustCompile(`<a href="((\d\d)-[a-z0-9-]+)\.ipynb">(.*?)</a>`)
	readmeLink   = regexp.MustCompile(`<a href="README\.md">`)
)

// links points the notebooks' links at the book: a chapter in the book at
// its page, a chapter not in it at nothing (its title stays, marked), the
// index README at the contents.
func (b *Book) links(h string) string {
	h = readmeLink.ReplaceAllString(h, `<a href="index.html">`)
	return notebookLink.ReplaceAllStringFunc(h, func(m string) string {
		p := notebookLink.FindStringSubmatch(m)
		for _, c := range b.Chapters {
			if c.Slug == p[1] && c.InBook() {
				return fmt.Sprintf(`<a href="%s">%s</a>`, html.EscapeString(c.Page()), p[3])
			}
		}
		return `<span class="planned" title="not written yet">` + p[3] + `</span>`
	})
}

// markdown renders a Markdown cell like nbformat.MarkdownHTML, plus the
// <details><summary>…</summary> … </details> blocks that hide the answers
// of "Try this" (<details> starts a line, the summary on it or on the
// next, </details> alone on a line).
func markdown(src string) string {
	var out strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var plain []string
	flush := func() {
		if len(plain) > 0 {
			out.WriteString(nbformat.MarkdownHTML(strings.Join(plain, "\n")))
			plain = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		open, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "<details>")
		if !ok {
			plain = append(plain, lines[i])
			continue
		}
		end := -1
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimSpace(lines[j]) == "</details>" {
				end = j
				break
			}
		}
		if end < 0 {
			plain = append(plain, lines[i])
			continue
		}
		flush()
		body := lines[i+1 : end]
		// The summary follows <details> on its line, or opens the next one.
		if open == "" && len(body) > 0 {
			open, body = strings.TrimSpace(body[0]), body[1:]
		}
		summary := "Details"
		if t, ok := strings.CutPrefix(open, "<summary>"); ok && strings.HasSuffix(t, "</summary>") {
			summary = strings.TrimSuffix(t, "</summary>")
		} else if open != "" {
			body = append([]string{open}, body...)
		}
		fmt.Fprintf(&out, "<details><summary>%s</summary>\n%s</details>\n", html.EscapeString(summary), nbformat.MarkdownHTML(strings.Join(body, "\n")))
		i = end
	}
	flush()
	return out.String()
}

// Command runs the site subcommand of ./ci and returns its exit code.
func Command(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("site", flag.ContinueOnError)
	fs.SetOutput(stderr)
	executedDir := fs.String("executed", filepath.Join("out", "notebooks"), "folder of the executed notebooks (make notebooks writes them)")
	index := fs.String("index", "", "the chapter index (notebooks/README.md): lists the chapters not yet in the book")
	out := fs.String("out", filepath.Join("out", "site"), "folder to write the book into (replaced)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./ci site [-executed DIR] [-index README.md] [-out DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	b, err := Load(*executedDir, *index)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := b.Write(*out); err != nil {
		fmt.Fprintf(stderr, "site: %v\n", err)
		return 1
	}
	n := 0
	for _, c := range b.Chapters {
		if c.InBook() {
			n++
		}
	}
	fmt.Fprintf(stdout, "site: %d of %d chapters in %s (open %s)\n", n, len(b.Chapters), *out, filepath.Join(*out, "index.html"))
	return 0
}
