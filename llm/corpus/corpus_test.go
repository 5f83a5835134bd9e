package corpus

import (
	"os"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"sentence",
			"\n\n\tThe/at jury/nn said/vbd ,/, ``/`` it/pps deserves/vbz praise/nn ''/'' ./.\n",
			"The jury said, \"it deserves praise\".\n"},
		{"paragraphs and continuation lines",
			"\tOne/cd ./.\nTwo/cd !/.\n\n\n\tThree/cd ?/.\n",
			"One. Two!\n\nThree?\n"},
		{"brackets, money, contractions, possessives",
			"\tHe/pps didn't/dod* pay/vb $/$ 5/cd (/( Atlanta's/np$ 1-1/2/cd )/) ;/. 'em/ppo ./.\n",
			"He didn't pay $5 (Atlanta's 1-1/2); 'em.\n"},
		{"single quotes", "\tsaid/vbd '/' no/rb '/' ./.", "said 'no'.\n"},
		{"headline", "Merger/nn-hl proposed/vbn-hl \nHowever/wrb ,/, no/rb ./.\n", "Merger proposed\n\nHowever, no.\n"},
		{"abbreviation ends sentence", "\tby/in Ivan/np Allen/np Jr./np ./.\n", "by Ivan Allen Jr.\n"},
		{"empty", "\n\n\n", ""},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("%s: Clean(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestSplit(t *testing.T) {
	docs := []Doc{{Name: "ca01"}, {Name: "ca10"}, {Name: "cb20"}, {Name: "cr09"}, {Name: "cj40"}}
	train, valid := Split(docs)
	names := func(ds []Doc) string {
		var s []string
		for _, d := range ds {
			s = append(s, d.Name)
		}
		return strings.Join(s, ",")
	}
	if got := names(train); got != "ca01,cr09" {
		t.Errorf("train = %s, want ca01,cr09", got)
	}
	if got := names(valid); got != "ca10,cb20,cj40" {
		t.Errorf("valid = %s, want ca10,cb20,cj40", got)
	}
}

// corpusDir returns the installed corpus, failing under CI and skipping
// elsewhere when it is missing.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v", err)
		}
		t.Skipf("Brown corpus not installed: %v", err)
	}
	return dir
}

func TestReadBrown(t *testing.T) {
	dir := corpusDir(t)
	docs, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 500 {
		t.Errorf("read %d samples, want 500", len(docs))
	}
	first := docs[0]
	if first.Name != "ca01" || first.Genre != "press: reportage" {
		t.Errorf("first sample = %s (%s), want ca01 (press: reportage)", first.Name, first.Genre)
	}
	wantStart := "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" that any irregularities took place."
	if !strings.HasPrefix(first.Text, wantStart) {
		t.Errorf("ca01 starts %q, want %q", first.Text[:len(wantStart)], wantStart)
	}
	train, valid := Split(docs)
	if len(valid) != 41 || len(train) != 459 {
		t.Errorf("split %d/%d, want 459 train / 41 validation", len(train), len(valid))
	}
	text := Text(docs)
	if n := len(text); n < 5_000_000 || n > 7_000_000 {
		t.Errorf("corpus is %d bytes of prose, want 5-7 MB", n)
	}
	for _, bad := range []string{"/at ", "``", " ,", " ."} {
		if n := strings.Count(text, bad); n > 0 {
			t.Errorf("prose contains %q %d times", bad, n)
		}
	}
}

// FuzzClean feeds arbitrary text to Clean: it must not panic, and its output
// must hold no line with leading or trailing white space and never three
// newlines in a row.
func FuzzClean(f *testing.F) {
	f.Add("\n\n\tThe/at jury/nn said/vbd ,/, ``/`` it/pps deserves/vbz praise/nn ''/'' ./.\n")
	f.Add("Merger/nn-hl proposed/vbn-hl \nHowever/wrb ,/, no/rb ./.\n\n\t'/' (/( $/$ 5/cd )/) Jr./np ./.")
	f.Add("/ // a/ /b ``/`` ''/'' \x00/x")
	f.Fuzz(func(t *testing.T, in string) {
		out := Clean(in)
		if strings.Contains(out, "\n\n\n") {
			t.Fatalf("Clean(%q) = %q has three newlines in a row", in, out)
		}
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if line != strings.TrimSpace(line) {
				t.Fatalf("Clean(%q) has line %q with outer white space", in, line)
			}
		}
	})
}
