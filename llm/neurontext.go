package llm

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/how-llms-work/course/llm/corpus"
)

//go:embed neurontext/*.txt
var neuronText embed.FS

// explorerChars is how much of each Brown sample ExplorerTexts keeps: about
// 300 tokens of the embedded model, so a few thousand tokens visit a dozen
// samples of different genres.
const explorerChars = 1500

// ExplorerTexts returns public-domain English prose for the neuron
// explorer, one text per document, and a line naming where it came from.
// With the Brown corpus installed (the course's test data) it is the start
// of each validation sample (corpus.IsValidation: the 41 samples kept out
// of the embedded model's training split), taken one genre after another
// so that any prefix mixes genres.
// Without it, it is the texts compiled into the course (folder neurontext:
// the Gettysburg Address, the start of the Declaration of Independence and
// of the Constitution, and prose written for the course).
func ExplorerTexts() (texts []string, source string) {
	if docs, err := heldOutBrown(); err == nil && len(docs) > 0 {
		return brownByGenre(docs), fmt.Sprintf("the Brown corpus: the first ~%d characters of each of its %d held-out samples, genre by genre", explorerChars, len(docs))
	}
	return EmbeddedTexts(), "texts embedded in the course: the Gettysburg Address, the Declaration of Independence, the Constitution's opening, and prose written for the course (the Brown corpus is not installed)"
}

// heldOutBrown reads only the validation samples of the installed Brown
// corpus (corpus.IsValidation), in name order: a tenth of the files.
func heldOutBrown() ([]corpus.Doc, error) {
	dir, err := corpus.Find()
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var docs []corpus.Doc
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || len(name) != 4 || name[0] != 'c' || !corpus.IsValidation(name) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		docs = append(docs, corpus.Doc{Name: name, Genre: name[1:2], Text: corpus.Clean(string(b))})
	}
	return docs, nil
}

// EmbeddedTexts returns the texts of the folder neurontext (see
// ExplorerTexts), in file-name order.
func EmbeddedTexts() []string {
	names, err := fs.Glob(neuronText, "neurontext/*.txt")
	if err != nil {
		panic(err) // the pattern is constant and valid
	}
	slices.Sort(names)
	var out []string
	for _, n := range names {
		b, err := neuronText.ReadFile(n)
		if err != nil {
			panic(fmt.Sprintf("llm: embedded text %s: %v", n, err)) // compiled in: cannot fail
		}
		out = append(out, string(b))
	}
	return out
}

// brownByGenre orders docs round-robin over their genres (the first sample
// of each genre, then the second, …) and cuts each to about explorerChars
// characters, at a paragraph or sentence end where there is one.
func brownByGenre(docs []corpus.Doc) []string {
	byGenre := map[string][]corpus.Doc{}
	var genres []string
	for _, d := range docs {
		if _, ok := byGenre[d.Genre]; !ok {
			genres = append(genres, d.Genre)
		}
		byGenre[d.Genre] = append(byGenre[d.Genre], d)
	}
	var out []string
	for round := 0; len(out) < len(docs); round++ {
		for _, g := range genres {
			if round < len(byGenre[g]) {
				out = append(out, cut(byGenre[g][round].Text, explorerChars))
			}
		}
	}
	return out
}

// cut shortens text to at most n bytes, ending after the last full stop
// (or paragraph break) in its second half when there is one.
func cut(text string, n int) string {
	if len(text) <= n {
		return text
	}
	head := text[:n]
	if i := strings.LastIndexAny(head, ".\n"); i >= n/2 {
		return head[:i+1]
	}
	for len(head) > 0 && !utf8.ValidString(head) {
		head = head[:len(head)-1] // never split a UTF-8 sequence
	}
	return head
}
