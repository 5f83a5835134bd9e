package notebooks

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/how-llms-work/course/ci/nbformat"
	"github.com/how-llms-work/course/widgets"
)

// chapter is one row of the index in README.md.
type chapter struct {
	N       int
	Title   string
	File    string
	Goal    string
	Minutes int
	Status  string
}

var indexRow = regexp.MustCompile(`^\| (\d+) \| \[([^\]]+)\]\(((\d\d)-[a-z0-9-]+\.ipynb)\) \| ([^|]+) \| (\d+) min \| (ready|planned) \|$`)

// readIndex parses the chapter table of README.md.
func readIndex(t *testing.T) []chapter {
	t.Helper()
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []chapter
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if !strings.HasPrefix(s, "| ") || strings.HasPrefix(s, "| # ") {
			continue
		}
		m := indexRow.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("README.md:%d: a table row not in the form | N | [Title](NN-slug.ipynb) | goal | M min | ready or planned |: %s", line, s)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		nn, _ := strconv.Atoi(m[4])
		mins, _ := strconv.Atoi(m[6])
		if n != nn {
			t.Errorf("README.md:%d: chapter %d links %s", line, n, m[3])
		}
		out = append(out, chapter{N: n, Title: m[2], File: m[3], Goal: strings.TrimSpace(m[5]), Minutes: mins, Status: m[7]})
	}
	return out
}

// TestCourseIndex checks README.md's table: the 16 chapters in order with
// the ribbon's titles, and a status that matches the notebooks present.
func TestCourseIndex(t *testing.T) {
	idx := readIndex(t)
	if len(idx) != widgets.Chapters {
		t.Fatalf("README.md lists %d chapters, want %d", len(idx), widgets.Chapters)
	}
	listed := map[string]bool{}
	for i, c := range idx {
		if c.N != i+1 {
			t.Errorf("row %d is chapter %d", i+1, c.N)
		}
		if c.Title != widgets.ChapterTitle(c.N) {
			t.Errorf("chapter %d: README says %q, the ribbon %q", c.N, c.Title, widgets.ChapterTitle(c.N))
		}
		if c.Goal == "" || c.Minutes <= 0 {
			t.Errorf("chapter %d: no goal or reading time", c.N)
		}
		_, err := os.Stat(c.File)
		if exists := err == nil; exists != (c.Status == "ready") {
			t.Errorf("chapter %d: status %q but %s exists: %v", c.N, c.Status, c.File, exists)
		}
		listed[c.File] = true
	}
	for _, path := range chapters(t) {
		if !listed[path] {
			t.Errorf("%s is not in README.md's table (or has another name there)", path)
		}
	}
}

// frame is where a chapter's frame markers are, by cell index (-1: absent).
type frame struct {
	ribbon, takeaways, tryThis, quickCheck, quiz, checker int
}

// TestChapterFrame checks every chapter notebook for the frame that
// README.md documents: title, goal, why, reading time, glossary, ribbon,
// takeaways, Try this with a hidden answer, quick check with its checker,
// navigation.
func TestChapterFrame(t *testing.T) {
	idx := readIndex(t)
	byFile := map[string]chapter{}
	for _, c := range idx {
		byFile[c.File] = c
	}
	for _, path := range chapters(t) {
		c, ok := byFile[path]
		if !ok {
			continue // TestCourseIndex reports it
		}
		t.Run(path, func(t *testing.T) { checkFrame(t, parse(t, path), c, idx) })
	}
}

var (
	timeLine    = regexp.MustCompile(`(?m)^\*\*Time\.\*\* About (\d+) minutes`)
	ribbonCall  = regexp.MustCompile(`widgets\.Ribbon\((\d+),`)
	bullet      = regexp.MustCompile(`(?m)^\s*[*-] \S`)
	glossaryRow = regexp.MustCompile(`(?m)^\| \*\*[^|]+\*\* \| [^|]+ \|$`)
)

func checkFrame(t *testing.T, nb *nbformat.Notebook, c chapter, idx []chapter) {
	if len(nb.Cells) < 5 {
		t.Fatalf("%d cells", len(nb.Cells))
	}
	first := nb.Cells[0]
	if first.Type != "markdown" {
		t.Fatalf("the first cell is %s, want the title in Markdown", first.Type)
	}
	head := first.Source
	if want := fmt.Sprintf("# Chapter %d · %s\n", c.N, c.Title); !strings.HasPrefix(head, want) {
		t.Errorf("the first cell should start %q, starts %.60q", want, head)
	}
	for _, marker := range []string{"\n**Goal.** ", "\n**Why"} {
		if !strings.Contains(head, marker) {
			t.Errorf("the first cell has no line starting %q", strings.TrimSpace(marker))
		}
	}
	if m := timeLine.FindStringSubmatch(head); m == nil {
		t.Error(`the first cell has no "**Time.** About M minutes" line`)
	} else if m[1] != strconv.Itoa(c.Minutes) {
		t.Errorf("reading time %s minutes, README.md says %d", m[1], c.Minutes)
	}
	if _, gloss, ok := strings.Cut(head, "| term | meaning |\n|---|---|\n"); !ok {
		t.Error("the first cell has no glossary (a table headed | term | meaning |)")
	} else if n := len(glossaryRow.FindAllString(gloss, -1)); n < 3 {
		t.Errorf("the glossary has %d terms (| **term** | meaning |), want at least 3", n)
	}

	f := frame{-1, -1, -1, -1, -1, -1}
	for i, cell := range nb.Cells {
		src := cell.Source
		switch cell.Type {
		case "markdown":
			switch {
			case strings.HasPrefix(src, "## Takeaways\n"):
				f.takeaways = i
				if n := len(bullet.FindAllString(src, -1)); n < 2 {
					t.Errorf("cell %s: %d takeaways, want at least 2 bullets", cell.ID, n)
				}
			case strings.HasPrefix(src, "## Try this\n"):
				f.tryThis = i
				d := strings.Index(src, "<details>")
				s := strings.Index(src, "<summary>")
				e := strings.Index(src, "</details>")
				if d < 0 || s < d || e < s || strings.TrimSpace(src[strings.Index(src, "</summary>")+len("</summary>"):e]) == "" {
					t.Errorf("cell %s: Try this has no hidden answer (<details><summary>…</summary> answer </details>)", cell.ID)
				}
			case strings.HasPrefix(src, "## Quick check\n") || src == "## Quick check":
				f.quickCheck = i
			}
		case "code":
			if m := ribbonCall.FindStringSubmatch(src); m != nil {
				f.ribbon = i
				if m[1] != strconv.Itoa(c.N) {
					t.Errorf("cell %s: widgets.Ribbon(%s, …) in chapter %d", cell.ID, m[1], c.N)
				}
			}
			if strings.Contains(src, "widgets.Quiz{") || strings.Contains(src, "widgets.MustParseQuiz(") {
				f.quiz = i
			}
			if strings.Contains(src, ".Grade(") || strings.Contains(src, ".Validate()") && strings.Contains(src, ".Check(") {
				f.checker = i
			}
		}
	}
	for _, p := range []struct {
		name string
		i    int
	}{{"a ribbon cell (widgets.Ribbon(N, m))", f.ribbon}, {"## Takeaways", f.takeaways}, {"## Try this", f.tryThis},
		{"## Quick check", f.quickCheck}, {"a quiz (widgets.MustParseQuiz( or widgets.Quiz{)", f.quiz}, {"a quiz checker (.Grade(, or .Validate() and .Check()", f.checker}} {
		if p.i < 0 {
			t.Errorf("missing: %s", p.name)
		}
	}
	order := []int{f.ribbon, f.takeaways, f.tryThis, f.quickCheck, f.quiz, f.checker, len(nb.Cells) - 1}
	if !slices.IsSorted(order) || slices.Contains(order, -1) {
		t.Errorf("frame out of order (ribbon, takeaways, try this, quick check, quiz, checker, navigation at cells %v)", order)
	}

	nav := nb.Cells[len(nb.Cells)-1]
	if nav.Type != "markdown" || !strings.Contains(nav.Source, "[Contents](README.md)") {
		t.Errorf("the last cell is not the navigation (Markdown linking [Contents](README.md)): %.80q", nav.Source)
	}
	if c.N > 1 {
		p := idx[c.N-2]
		if want := fmt.Sprintf("Previous: [← Chapter %d · %s](%s)", p.N, p.Title, p.File); !strings.Contains(nav.Source, want) {
			t.Errorf("the navigation lacks %q", want)
		}
	} else if strings.Contains(nav.Source, "Previous:") {
		t.Error("chapter 1 links a previous chapter")
	}
	if c.N < len(idx) {
		n := idx[c.N]
		if want := fmt.Sprintf("Next: [Chapter %d · %s →](%s)", n.N, n.Title, n.File); !strings.Contains(nav.Source, want) {
			t.Errorf("the navigation lacks %q", want)
		}
	} else if strings.Contains(nav.Source, "Next:") {
		t.Error("the last chapter links a next chapter")
	}
}

// words splits text into lower-case words (letters, digits and inner
// apostrophes), the unit of the shared-runs count.
func words(s string) []string {
	s = strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '\'' && r != '_' })
}

// runLen is the length of a shared run of words that counts as copied.
const runLen = 9

// maxShared is the number of shared nine-word runs a chapter may have
// with the original (a common phrase or a quoted name can match).
const maxShared = 3

// runHash is the hash kept for one run of words (FNV-1a, 32 bits).
func runHash(ws []string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(strings.Join(ws, " ")))
	return h.Sum32()
}

var updateOriginals = flag.Bool("update-originals", false, "rewrite testdata/original-runs.bin from the original course's texts in $LLM_ORIGINAL_COURSE")

const originalRuns = "testdata/original-runs.bin"

// TestOwnWords counts the nine-word runs that each chapter's Markdown
// shares with the original course's text of that chapter, and fails above
// maxShared. The originals are not in this repository: testdata holds the
// hashes of their nine-word runs (see testdata/README.md).
func TestOwnWords(t *testing.T) {
	if *updateOriginals {
		writeOriginalRuns(t)
	}
	runs := readOriginalRuns(t)
	for _, path := range chapters(t) {
		n, err := strconv.Atoi(path[:2])
		if err != nil {
			t.Fatal(err)
		}
		orig := runs[n]
		if len(orig) == 0 {
			t.Errorf("%s: no hashes of the original chapter %d in %s", path, n, originalRuns)
			continue
		}
		shared := 0
		var where []string
		for _, c := range parse(t, path).Cells {
			if c.Type != "markdown" {
				continue
			}
			ws := words(c.Source)
			for i := 0; i+runLen <= len(ws); i++ {
				if orig[runHash(ws[i:i+runLen])] {
					shared++
					where = append(where, fmt.Sprintf("%s: %q", c.ID, strings.Join(ws[i:i+runLen], " ")))
				}
			}
		}
		if shared > maxShared {
			t.Errorf("%s shares %d runs of %d words with the original chapter %d (at most %d): rewrite them in our own words:\n%s", path, shared, runLen, n, maxShared, strings.Join(where, "\n"))
		}
	}
}

// readOriginalRuns reads the hash file: per chapter a byte (the chapter),
// a uint32 count, then that many uint32 hashes, little-endian.
func readOriginalRuns(t *testing.T) map[int]map[uint32]bool {
	t.Helper()
	data, err := os.ReadFile(originalRuns)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]map[uint32]bool{}
	for len(data) > 0 {
		if len(data) < 5 {
			t.Fatalf("%s: truncated", originalRuns)
		}
		ch, n := int(data[0]), int(binary.LittleEndian.Uint32(data[1:5]))
		data = data[5:]
		if len(data) < 4*n || ch < 1 || ch > widgets.Chapters {
			t.Fatalf("%s: chapter %d with %d hashes: corrupt", originalRuns, ch, n)
		}
		set := map[uint32]bool{}
		for i := range n {
			set[binary.LittleEndian.Uint32(data[4*i:])] = true
		}
		out[ch] = set
		data = data[4*n:]
	}
	return out
}

// writeOriginalRuns hashes the nine-word runs of the original texts:
// chapter 1 from chapter-01-what-is-an-llm.txt, chapters 2–16 from their
// sections of chapter-guide.md.
func writeOriginalRuns(t *testing.T) {
	dir := os.Getenv("LLM_ORIGINAL_COURSE")
	if dir == "" {
		t.Fatal("-update-originals needs LLM_ORIGINAL_COURSE: the folder with chapter-01-what-is-an-llm.txt and chapter-guide.md")
	}
	texts := map[int]string{}
	one, err := os.ReadFile(filepath.Join(dir, "chapter-01-what-is-an-llm.txt"))
	if err != nil {
		t.Fatal(err)
	}
	texts[1] = string(one)
	guide, err := os.ReadFile(filepath.Join(dir, "chapter-guide.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?m)^### Chapter (\d+) `)
	locs := section.FindAllStringSubmatchIndex(string(guide), -1)
	for i, l := range locs {
		end := len(guide)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		if next := strings.Index(string(guide[l[0]:end]), "\n## "); next >= 0 {
			end = l[0] + next
		}
		n, _ := strconv.Atoi(string(guide[l[2]:l[3]]))
		texts[n] = string(guide[l[0]:end])
	}
	var out []byte
	for n := 1; n <= widgets.Chapters; n++ {
		ws := words(texts[n])
		set := map[uint32]bool{}
		for i := 0; i+runLen <= len(ws); i++ {
			set[runHash(ws[i:i+runLen])] = true
		}
		hs := make([]uint32, 0, len(set))
		for h := range set {
			hs = append(hs, h)
		}
		slices.Sort(hs)
		out = append(out, byte(n))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(hs)))
		for _, h := range hs {
			out = binary.LittleEndian.AppendUint32(out, h)
		}
		t.Logf("chapter %d: %d runs", n, len(hs))
	}
	tmp := originalRuns + ".tmp"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, originalRuns); err != nil {
		t.Fatal(err)
	}
}

// TestOwnWordsCounts checks the counting on a text against itself and
// against a rewrite.
func TestOwnWordsCounts(t *testing.T) {
	orig := "The quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat."
	set := map[uint32]bool{}
	ws := words(orig)
	for i := 0; i+runLen <= len(ws); i++ {
		set[runHash(ws[i:i+runLen])] = true
	}
	count := func(s string) int {
		n := 0
		w := words(s)
		for i := 0; i+runLen <= len(w); i++ {
			if set[runHash(w[i:i+runLen])] {
				n++
			}
		}
		return n
	}
	if got := count("**The quick brown fox** jumps over the *lazy* dog, while the cat sleeps"); got != 5 {
		t.Errorf("a near copy with Markdown shares %d runs, want 5", got)
	}
	if got := count("A fast fox leaps over a sleepy dog as the cat dozes on a warm rug."); got != 0 {
		t.Errorf("a rewrite shares %d runs, want 0", got)
	}
	if got := words("It’s 852,985,920 — don't"); !slices.Equal(got, []string{"it's", "852", "985", "920", "don't"}) {
		t.Errorf("words: %q", got)
	}
}

// externalURL matches what would reach the network or break offline.
var externalURL = regexp.MustCompile(`(?i)\bhttps?://|\bwww\.[a-z0-9-]+\.`)

// TestExecutedChapters checks the executed notebooks that make notebooks
// (LLM_EXECUTED_NOTEBOOKS, the embedded model) and make notebooks-standin
// (LLM_EXECUTED_STANDIN, the full-size stand-in) wrote: every code cell of
// every chapter ran without an error or a panic, its ribbon is the
// chapter's, and no output holds an external URL. It skips when neither is
// set; when CI is set, both must be (make test sets them).
func TestExecutedChapters(t *testing.T) {
	ran := false
	for _, env := range []string{"LLM_EXECUTED_NOTEBOOKS", "LLM_EXECUTED_STANDIN"} {
		dir := executedDir(env)
		if dir == "" {
			if os.Getenv("CI") != "" {
				t.Errorf("CI is set but %s is not: make test runs every chapter on the embedded model and on the full-size stand-in and sets it", env)
			}
			continue
		}
		ran = true
		for _, path := range chapters(t) {
			t.Run(env+"/"+path, func(t *testing.T) {
				executed := filepath.Join(dir, path)
				src, err1 := os.Stat(path)
				run, err2 := os.Stat(executed)
				if err1 != nil || err2 != nil || run.ModTime().Before(src.ModTime()) {
					t.Fatalf("%s=%s: no executed copy of %s newer than the notebook", env, dir, path)
				}
				checkExecuted(t, parse(t, executed), path)
			})
		}
	}
	if !ran {
		t.Skip("neither LLM_EXECUTED_NOTEBOOKS nor LLM_EXECUTED_STANDIN is set (make test sets them)")
	}
}

func checkExecuted(t *testing.T, nb *nbformat.Notebook, path string) {
	n, _ := strconv.Atoi(path[:2])
	for _, p := range executedProblems(nb, n) {
		t.Error(p)
	}
}

// executedProblems lists what is wrong with chapter n as executed: a code
// cell that did not run, an error output, a panic, an external URL in any
// output, no ribbon of chapter n.
func executedProblems(nb *nbformat.Notebook, n int) []string {
	var out []string
	ribbon := false
	for _, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		if strings.TrimSpace(c.Source) != "" && c.ExecutionCount == nil {
			out = append(out, fmt.Sprintf("cell %s did not run", c.ID))
		}
		for _, o := range c.Outputs {
			if o.Type == nbformat.Error {
				out = append(out, fmt.Sprintf("cell %s: %s: %s", c.ID, o.EName, o.EValue))
			}
			if strings.Contains(o.Text, "panic:") {
				out = append(out, fmt.Sprintf("cell %s panicked: %.300s", c.ID, o.Text))
			}
			texts := []string{o.Text, o.EValue, strings.Join(o.Traceback, "\n")}
			for _, v := range o.Data {
				if s, ok := v.(string); ok {
					texts = append(texts, s)
				}
			}
			for _, s := range texts {
				if loc := externalURL.FindStringIndex(s); loc != nil {
					lo, hi := max(0, loc[0]-60), min(len(s), loc[1]+60)
					out = append(out, fmt.Sprintf("cell %s: an output holds an external URL: …%s…", c.ID, s[lo:hi]))
				}
			}
			if h, ok := o.Data["text/html"].(string); ok && strings.Contains(h, `class="llmw llmw-ribbon"`) {
				ribbon = ribbon || strings.Contains(h, fmt.Sprintf(`data-chapter="%d"`, n))
			}
		}
	}
	if !ribbon {
		out = append(out, fmt.Sprintf("no ribbon of chapter %d in the outputs", n))
	}
	return out
}

// TestExecutedProblems checks the checker on a chapter that ran clean and
// on one with every kind of fault.
func TestExecutedProblems(t *testing.T) {
	one := 1
	ribbon := &nbformat.Output{Type: nbformat.DisplayData, Data: map[string]any{"text/html": `<div class="llmw llmw-ribbon" data-chapter="3">`}}
	clean := &nbformat.Notebook{Cells: []*nbformat.Cell{
		{ID: "md", Type: "markdown", Source: "see https://example.com"},
		{ID: "ribbon", Type: "code", Source: "%%\nwidgets.MustShow(widgets.Ribbon(3, m))", ExecutionCount: &one, Outputs: []*nbformat.Output{ribbon}},
		{ID: "decl", Type: "code", Source: "var x = 1", ExecutionCount: &one},
		{ID: "blank", Type: "code", Source: "\n"},
	}}
	if got := executedProblems(clean, 3); len(got) != 0 {
		t.Errorf("a clean chapter: %q", got)
	}
	if got := executedProblems(clean, 4); !slices.Equal(got, []string{"no ribbon of chapter 4 in the outputs"}) {
		t.Errorf("chapter 3's ribbon in chapter 4: %q", got)
	}
	bad := &nbformat.Notebook{Cells: append(slices.Clone(clean.Cells),
		&nbformat.Cell{ID: "skipped", Type: "code", Source: "%%\nfmt.Println(1)"},
		&nbformat.Cell{ID: "failed", Type: "code", Source: "%%\nx()", ExecutionCount: &one, Outputs: []*nbformat.Output{{Type: nbformat.Error, EName: "ERROR", EValue: "undefined: x"}}},
		&nbformat.Cell{ID: "panicked", Type: "code", Source: "%%\npanic(1)", ExecutionCount: &one, Outputs: []*nbformat.Output{{Type: nbformat.Stream, Name: "stderr", Text: "panic: 1\n"}}},
		&nbformat.Cell{ID: "linked", Type: "code", Source: "%%\nshow()", ExecutionCount: &one, Outputs: []*nbformat.Output{{Type: nbformat.DisplayData, Data: map[string]any{"text/html": `<script src="https://cdn.example/x.js">`}}}},
	)}
	got := executedProblems(bad, 3)
	for i, want := range []string{"cell skipped did not run", "cell failed: ERROR: undefined: x", "cell panicked panicked", "cell linked: an output holds an external URL"} {
		if i >= len(got) || !strings.HasPrefix(got[i], want) {
			t.Errorf("problem %d: got %q, want it to start %q", i, got, want)
		}
	}
	if len(got) != 4 {
		t.Errorf("%d problems, want 4: %q", len(got), got)
	}
}
