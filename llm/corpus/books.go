package corpus

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Books beside the Brown corpus: public-domain novels that Debian ships
// inside two R packages, read from the packages' lazy-load data files
// without R.
//
//   - r-cran-janeaustenr (MIT; the novels are public domain, from Project
//     Gutenberg): Jane Austen's six completed novels, one character vector
//     of lines each, in usr/lib/R/site-library/janeaustenr/data/Rdata.rdb.
//   - r-cran-tokenizers (MIT; the text is public domain, Project Gutenberg
//     eBook #2701): Herman Melville's Moby-Dick as one string, in
//     usr/lib/R/site-library/tokenizers/data/Rdata.rdb.
//
// The project fetches them with `apt-get download` and unpacks them with
// `dpkg-deb -x` into a folder named by $LLM_BOOKS_ROOT (see llm/tiny/README.md);
// [FindBooks] falls back to "/" where the packages are installed.

// EnvBooksRoot names the environment variable holding the folder the Debian
// packages were unpacked into (the root of usr/lib/R/site-library/…).
const EnvBooksRoot = "LLM_BOOKS_ROOT"

// Book is one public-domain book as clean prose.
type Book struct {
	Name   string // short file-name-like id, e.g. "austen-emma"
	Title  string
	Author string
	Text   string // paragraphs separated by a blank line, ending in "\n"
}

const (
	austenData = "usr/lib/R/site-library/janeaustenr/data/Rdata.rdb"
	mobyData   = "usr/lib/R/site-library/tokenizers/data/Rdata.rdb"
)

// austenTitles names the novels in the order the package stores them.
var austenTitles = []struct{ name, title string }{
	{"austen-emma", "Emma"},
	{"austen-mansfield-park", "Mansfield Park"},
	{"austen-northanger-abbey", "Northanger Abbey"},
	{"austen-persuasion", "Persuasion"},
	{"austen-pride-and-prejudice", "Pride and Prejudice"},
	{"austen-sense-and-sensibility", "Sense and Sensibility"},
}

// FindBooks returns the root folder holding the unpacked packages:
// $LLM_BOOKS_ROOT if set, otherwise "/" if the packages are installed.
func FindBooks() (string, error) {
	r := booksRoot()
	_, err1 := os.Stat(filepath.Join(r, austenData))
	_, err2 := os.Stat(filepath.Join(r, mobyData))
	if err1 == nil && err2 == nil {
		return r, nil
	}
	return "", fmt.Errorf("corpus: the Debian packages r-cran-janeaustenr and r-cran-tokenizers are not unpacked under %s (set $%s; see llm/tiny/README.md)", r, EnvBooksRoot)
}

// booksRoot returns $LLM_BOOKS_ROOT, or "/" when it is not set.
func booksRoot() string {
	if r := os.Getenv(EnvBooksRoot); r != "" {
		return r
	}
	return "/"
}

// ReadBooks reads the six Austen novels and Moby-Dick from the packages
// unpacked under root, as clean prose.
func ReadBooks(root string) ([]Book, error) {
	austen, err := ReadRData(filepath.Join(root, austenData))
	if err != nil {
		return nil, err
	}
	if len(austen) != len(austenTitles) {
		return nil, fmt.Errorf("corpus: %s holds %d objects, want the %d Austen novels", austenData, len(austen), len(austenTitles))
	}
	var books []Book
	for i, lines := range austen {
		t := austenTitles[i]
		if len(lines) == 0 || !strings.EqualFold(strings.TrimSpace(lines[0]), t.title) {
			return nil, fmt.Errorf("corpus: %s object %d does not start with the title %q", austenData, i, t.title)
		}
		books = append(books, Book{Name: t.name, Title: t.title, Author: "Jane Austen", Text: Prose(strings.Join(lines, "\n"))})
	}
	moby, err := ReadRData(filepath.Join(root, mobyData))
	if err != nil {
		return nil, err
	}
	if len(moby) != 1 || len(moby[0]) != 1 {
		return nil, fmt.Errorf("corpus: %s does not hold Moby-Dick as one string", mobyData)
	}
	body, err := GutenbergBody(moby[0][0])
	if err != nil {
		return nil, fmt.Errorf("corpus: %s: %w", mobyData, err)
	}
	books = append(books, Book{Name: "melville-moby-dick", Title: "Moby-Dick; or, The Whale", Author: "Herman Melville", Text: Prose(body)})
	return books, nil
}

// GutenbergBody returns the text of a Project Gutenberg eBook between its
// "*** START OF" and "*** END OF" lines. (In Moby-Dick that keeps the
// producers' and transcriber's notes before the title and one "End of
// Project Gutenberg's …" line at the end, a few hundred bytes the tiny
// model was trained on.)
func GutenbergBody(s string) (string, error) {
	s = strings.ReplaceAll(strings.TrimPrefix(s, "\ufeff"), "\r\n", "\n")
	start := strings.Index(s, "*** START OF")
	end := strings.Index(s, "*** END OF")
	if start < 0 || end < start {
		return "", errors.New("no *** START OF … *** END OF markers")
	}
	nl := strings.IndexByte(s[start:], '\n')
	if nl < 0 {
		return "", errors.New("nothing after the *** START OF line")
	}
	return s[start+nl+1 : end], nil
}

var spaces = regexp.MustCompile(`[ \t]+`)

// Prose turns hard-wrapped plain text into the layout of [Clean]: lines
// separated by a blank line become paragraphs, the lines of a paragraph are
// joined by one space, runs of spaces collapse, and the underscores that
// Project Gutenberg texts use for italics are dropped. The result ends in
// "\n" unless it is empty.
func Prose(text string) string {
	text = strings.ReplaceAll(text, "\r", "")
	text = strings.ReplaceAll(text, "_", "")
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = cur[:0]
		}
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(spaces.ReplaceAllString(line, " "))
		if line == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	if len(paras) == 0 {
		return ""
	}
	return strings.Join(paras, "\n\n") + "\n"
}

// ReadRData reads an R lazy-load database (a package's data/Rdata.rdb):
// a sequence of entries, each a 4-byte big-endian length and a zlib stream
// of an R serialization (format "X", version 2 or 3). Every entry must be a
// character vector; ReadRData returns them in file order. It reads the
// entries one after another, so it needs no Rdata.rdx index.
func ReadRData(path string) ([][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	r := bytes.NewReader(data)
	var out [][]string
	for r.Len() > 0 {
		off := len(data) - r.Len()
		var n uint32
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			return nil, fmt.Errorf("corpus: %s: entry at byte %d: %w", path, off, err)
		}
		zr, err := zlib.NewReader(r) // bytes.Reader is an io.ByteReader: zlib stops at the stream's end
		if err != nil {
			return nil, fmt.Errorf("corpus: %s: entry at byte %d: %w", path, off, err)
		}
		obj, err := io.ReadAll(io.LimitReader(zr, int64(n)+1))
		if err == nil {
			err = zr.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("corpus: %s: entry at byte %d: %w", path, off, err)
		}
		if len(obj) != int(n) {
			return nil, fmt.Errorf("corpus: %s: entry at byte %d: %d bytes, its header says %d", path, off, len(obj), n)
		}
		v, err := UnserializeStrings(obj)
		if err != nil {
			return nil, fmt.Errorf("corpus: %s: entry at byte %d: %w", path, off, err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("corpus: %s: no entries", path)
	}
	return out, nil
}

// R serialization type codes (SEXPTYPEs) used here.
const (
	rCHARSXP = 9
	rSTRSXP  = 16
)

// UnserializeStrings decodes an R serialization in XDR format ("X\n")
// of a character vector. Its attributes (names, …), if any, are not read.
// An NA element is an error.
func UnserializeStrings(b []byte) ([]string, error) {
	d := &xdr{b: b}
	if len(b) < 2 || string(b[:2]) != "X\n" {
		return nil, errors.New("not an R serialization in XDR format")
	}
	d.i = 2
	version := d.int()
	d.int() // R version that wrote it
	d.int() // oldest R version that reads it
	switch version {
	case 2:
	case 3:
		n := d.int()
		d.bytes(n) // native encoding name
	default:
		if d.err == nil {
			return nil, fmt.Errorf("R serialization version %d (want 2 or 3)", version)
		}
	}
	flags := d.int()
	if d.err == nil && flags&0xff != rSTRSXP {
		return nil, fmt.Errorf("object of R type %d, want a character vector (type 16)", flags&0xff)
	}
	hasAttr := flags&(1<<9) != 0
	n := d.int()
	if d.err == nil && (n < 0 || n > len(b)/8) {
		return nil, fmt.Errorf("character vector of length %d in %d bytes", n, len(b))
	}
	var out []string
	for k := 0; k < n && d.err == nil; k++ {
		f := d.int()
		l := d.int()
		if d.err != nil {
			break
		}
		if f&0xff != rCHARSXP {
			return nil, fmt.Errorf("element %d has R type %d, want a string (type 9)", k, f&0xff)
		}
		if l < 0 {
			return nil, fmt.Errorf("element %d is NA", k)
		}
		out = append(out, string(d.bytes(l)))
	}
	if d.err != nil {
		return nil, d.err
	}
	if !hasAttr && d.i != len(b) {
		return nil, fmt.Errorf("%d bytes after the character vector", len(b)-d.i)
	}
	return out, nil
}

// xdr reads big-endian integers and byte runs, remembering the first error.
type xdr struct {
	b   []byte
	i   int
	err error
}

func (d *xdr) int() int {
	if d.err != nil {
		return 0
	}
	if d.i+4 > len(d.b) {
		d.err = fmt.Errorf("truncated at byte %d", d.i)
		return 0
	}
	v := int32(binary.BigEndian.Uint32(d.b[d.i:]))
	d.i += 4
	return int(v)
}

func (d *xdr) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.i {
		d.err = fmt.Errorf("string of %d bytes at byte %d runs past the end", n, d.i)
		return nil
	}
	s := d.b[d.i : d.i+n]
	d.i += n
	return s
}
