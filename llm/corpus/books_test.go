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
