package nbformat

import (
	"fmt"
	"html"
	"regexp"
	"strings"
)

// MarkdownHTML renders the Markdown that notebooks use for reading in the HTML
// export: headings, paragraphs, lists, block quotes, fenced code, pipe tables, and
// inline code, bold, italics and links. Anything else stays as escaped text, so the
// output never contains markup the source did not ask for.
func MarkdownHTML(src string) string {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); {
		line := lines[i]
		trim := strings.TrimSpace(line)
		switch {
		case trim == "":
			i++
		case strings.HasPrefix(trim, "```"):
			j := i + 1
			for j < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[j]), "```") {
				j++
			}
			fmt.Fprintf(&b, "<pre>%s</pre>\n", html.EscapeString(strings.Join(lines[i+1:min(j, len(lines))], "\n")))
			i = j + 1
		case heading.MatchString(trim):
			m := heading.FindStringSubmatch(trim)
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", len(m[1]), inline(m[2]), len(m[1]))
			i++
		case isTableRow(trim) && i+1 < len(lines) && tableRule.MatchString(strings.TrimSpace(lines[i+1])):
			b.WriteString("<table>\n<tr>")
			for _, c := range cells(trim) {
				fmt.Fprintf(&b, "<th>%s</th>", inline(c))
			}
			b.WriteString("</tr>\n")
			i += 2
			for i < len(lines) && isTableRow(strings.TrimSpace(lines[i])) {
				b.WriteString("<tr>")
				for _, c := range cells(strings.TrimSpace(lines[i])) {
					fmt.Fprintf(&b, "<td>%s</td>", inline(c))
				}
				b.WriteString("</tr>\n")
				i++
			}
			b.WriteString("</table>\n")
		case listItem.MatchString(line):
			tag := "ul"
			if m := listItem.FindStringSubmatch(line); m[2] != "" {
				tag = "ol"
			}
			fmt.Fprintf(&b, "<%s>\n", tag)
			for i < len(lines) && listItem.MatchString(lines[i]) {
				item := listItem.FindStringSubmatch(lines[i])[3]
				i++
				// continuation lines: indented, not a new item
				for i < len(lines) && strings.HasPrefix(lines[i], "  ") && !listItem.MatchString(lines[i]) && strings.TrimSpace(lines[i]) != "" {
					item += " " + strings.TrimSpace(lines[i])
					i++
				}
				fmt.Fprintf(&b, "<li>%s</li>\n", inline(item))
			}
			fmt.Fprintf(&b, "</%s>\n", tag)
		case strings.HasPrefix(trim, ">"):
			var quote []string
			for i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), ">") {
				quote = append(quote, strings.TrimPrefix(strings.TrimSpace(lines[i]), ">"))
				i++
			}
			fmt.Fprintf(&b, "<blockquote>%s</blockquote>\n", MarkdownHTML(strings.Join(quote, "\n")))
		default:
			var para []string
			for i < len(lines) {
				t := strings.TrimSpace(lines[i])
				if t == "" || heading.MatchString(t) || strings.HasPrefix(t, "```") || listItem.MatchString(lines[i]) || strings.HasPrefix(t, ">") ||
					(isTableRow(t) && i+1 < len(lines) && tableRule.MatchString(strings.TrimSpace(lines[i+1]))) {
					break
				}
				para = append(para, t)
				i++
			}
			fmt.Fprintf(&b, "<p>%s</p>\n", inline(strings.Join(para, "\n")))
		}
	}
	return b.String()
}

var (
	heading   = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*$`)
	tableRule = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$`)
	listItem  = regexp.MustCompile(`^\s{0,3}([-*+]|([0-9]+)[.)])\s+(.*)$`)
	codeSpan  = regexp.MustCompile("`([^`]+)`")
	bold      = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
	italic    = regexp.MustCompile(`\*([^*\s][^*]*)\*|\b_([^_]+)_\b`)
	link      = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
)

func isTableRow(s string) bool { return strings.HasPrefix(s, "|") && strings.Count(s, "|") >= 2 }

func cells(row string) []string {
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	parts := strings.Split(row, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// inline renders code spans, bold, italics and links in escaped text. Code spans
// are cut out first so that nothing inside them is interpreted.
func inline(s string) string {
	var b strings.Builder
	for {
		loc := codeSpan.FindStringSubmatchIndex(s)
		if loc == nil {
			b.WriteString(emphasis(s))
			return b.String()
		}
		b.WriteString(emphasis(s[:loc[0]]))
		fmt.Fprintf(&b, "<code>%s</code>", html.EscapeString(s[loc[2]:loc[3]]))
		s = s[loc[1]:]
	}
}

func emphasis(s string) string {
	s = html.EscapeString(s)
	s = link.ReplaceAllStringFunc(s, func(m string) string {
		p := link.FindStringSubmatch(m)
		u := html.UnescapeString(p[2])
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "#") && strings.Contains(u, ":") {
			return m // no javascript: or other schemes
		}
		return fmt.Sprintf(`<a href="%s">%s</a>`, html.EscapeString(u), p[1])
	})
	s = bold.ReplaceAllString(s, "<strong>$1$2</strong>")
	return italic.ReplaceAllString(s, "<em>$1$2</em>")
}
